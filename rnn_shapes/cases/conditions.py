"""Conditions on what a case is: the language the listed defects select cases in.

A condition is a table of facets, each with the value (or list of values) it
must have; every facet must hold. A facet is a Case field (cases/axes.py), or a
question the fields answer that no single field states ("is a step masked?",
"is the backward layer of another width?"): FACETS below, one row each. A case
id is never read: a condition holds for any case the Case accepts, in a matrix
or not, and for the case naming a layer of a user's model.

Values are checked when a condition is made (`Condition.parse`): an unknown
facet, a value outside its facet's values or of the wrong type is a ValueError
that says which. A count or a rate may be given as a comparison, e.g. ">1".
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rnn_shapes.cases.axes import AXES, KINDS, LAYERS, LONGER_BY, Constant
from rnn_shapes.cases.masks import mask_of
from rnn_shapes.cases.paths import longer
from rnn_shapes.cases.signature import state_stays_zero
from rnn_shapes.cases.states import N_STATES

if TYPE_CHECKING:
    from rnn_shapes.cases.case import Case


@dataclass(frozen=True)
class Facet:
    """A question about a case: its answer, and the answers it can have (None: any
    value of `kind`, as cases/axes.py's KINDS says)."""

    answer: Callable[[Case], Any]
    values: tuple[Any, ...] | None = None
    kind: str | None = None
    doc: str = ""


def _field(name: str) -> Facet:
    """A Case field as a facet: its listed values, or its kind. A field whose
    default is None (no mask, no save) answers None where unset, which no
    condition can name: the derived facets below ask whether it is set."""
    axis = AXES[name]
    values = tuple(v for v in axis.values if v is not None) if axis.values is not None else None
    kind = axis.kind or ("count" if values is None else None)  # call_batch: rules.py checks it
    return Facet(lambda case: getattr(case, name), values, kind, f"the Case's {name}")


def _stack_layers(case: Case) -> tuple[str, ...]:
    return tuple(lower.layer for lower in case.stack)


def _states(layer: str | None) -> int:
    return N_STATES[str(layer)]


def _in_float32(value: float) -> bool:
    """Whether a Python float is exactly a float32 (0.5 is, 0.1 is not)."""
    return struct.unpack("f", struct.pack("f", value))[0] == value


def _earlier_state(case: Case) -> bool:
    """Whether a step can start from a non-zero state: more than one step (the longest
    call's), initial states, or a stateful layer's carry (its own or one below)."""
    longest = case.timesteps + (LONGER_BY if case.dynamic_time else 0)
    return longest > 1 or case.initial_state is not None or case.keeps_states


def _float32_constants(case: Case) -> bool:
    """Constant weights whose every value that reaches the outputs is exactly a float32:
    the kernel, the bias with use_bias, and the recurrent kernel where a step starts
    from a non-zero earlier state. The layers of a stack below keep Keras' default
    bias (cases/axes.py Lower), whatever the case's own use_bias says, and reach the
    outputs only through a kernel that is not zero."""
    if not isinstance(case.weights, Constant):
        return False
    w = case.weights
    below = bool(case.stack) and w.kernel != 0
    used = [w.kernel]
    used += [w.bias] if case.use_bias or below else []
    used += [w.recurrent] if _earlier_state(case) and not state_stays_zero(case) else []
    return all(_in_float32(v) for v in used)


def _mask_symmetric(case: Case) -> bool:
    """Every row's mask reads the same backwards in time (a whole row, no mask, the
    hole at T // 2 where T is odd), in each call (a dynamic time axis's longer one too)."""
    calls = (case, longer(case)) if case.dynamic_time else (case,)
    masks = [mask_of(c) for c in calls]
    return all(m is None or bool(np.array_equal(m, m[:, ::-1])) for m in masks)


def _backward_width_shows(case: Case) -> bool:
    """A backward layer of another width whose width reaches an output: unmerged or
    concatenated, its states with return_state, or an elementwise merge it is the
    wider in (a width of 1 broadcasts to the other's, cases/rules.py)."""
    if case.backward_layer is None or case.backward_units == case.units:
        return False
    return (
        case.merge_mode in (None, "concat")
        or case.return_state
        or (case.backward_units or 0) > case.units
    )


# Fields a condition names as they are; `weights` (a Constant) and `stack` (Lowers)
# and `sample` are asked about through the derived facets instead.
FIELDS = tuple(name for name in AXES if name not in ("weights", "stack", "sample"))

# fmt: off
DERIVED: dict[str, Facet] = {
    "weights_kind": Facet(
        lambda c: "distinct" if c.weights == "distinct" else "constant", ("distinct", "constant"),
        doc="'constant': every entry set by a Constant initializer"),
    "float32_constants": Facet(
        _float32_constants, kind="bool",
        doc="Constant weights whose values that reach the outputs are all float32s (the "
            "recurrent kernel only where a step starts from a non-zero state)"),
    "recurrent_zero": Facet(
        lambda c: isinstance(c.weights, Constant) and c.weights.recurrent == 0, kind="bool",
        doc="Constant weights with a zero recurrent kernel: no step reads the state"),
    "masked": Facet(lambda c: c.mask is not None, kind="bool",
                    doc="a mask reaches the layer (one that masks nothing included)"),
    "steps_masked": Facet(lambda c: c.mask not in (None, "none"), kind="bool",
                          doc="a mask reaches the layer and hides some step"),
    "mask_symmetric": Facet(_mask_symmetric, kind="bool",
                            doc="every row's mask reads the same backwards in time"),
    "every_step_masked": Facet(lambda c: c.mask == "row" and c.batch == 1, kind="bool",
                               doc="the mask hides every step of every row (one row, masked)"),
    "initial_states": Facet(lambda c: c.initial_state is not None, kind="bool",
                            doc="called with initial states"),
    "keeps_states": Facet(lambda c: c.keeps_states, kind="bool",
                          doc="a layer of the model is stateful, the case's own or one below"),
    "stateful_below": Facet(lambda c: c.stateful_below, kind="bool",
                            doc="a stateful layer below the case's own"),
    "other_call_batch": Facet(lambda c: c.call_batch is not None, kind="bool",
                              doc="a stateful model called again with another batch size"),
    "saved": Facet(lambda c: c.save is not None, kind="bool",
                   doc="the model is saved and loaded (or rebuilt) before it runs"),
    "mixed": Facet(lambda c: c.dtype.startswith("mixed_"), kind="bool",
                   doc="a mixed precision policy"),
    "stacked": Facet(lambda c: bool(c.stack), kind="bool",
                     doc="recurrent layers below the case's own"),
    "stack_layers": Facet(_stack_layers, LAYERS,
                          doc="a layer type below (holds when any lower layer is of it)"),
    "stack_bidirectional": Facet(lambda c: any(lower.bidirectional for lower in c.stack),
                                 kind="bool", doc="a Bidirectional layer below"),
    "backward_given": Facet(lambda c: c.backward_layer is not None, kind="bool",
                            doc="Bidirectional given its own backward layer"),
    "backward_other_units": Facet(
        lambda c: c.backward_layer is not None and c.backward_units != c.units, kind="bool",
        doc="a backward layer of another width than the forward one"),
    "backward_width_shows": Facet(
        _backward_width_shows, kind="bool",
        doc="an output has the backward layer's own width, another than the forward one's"),
    "backward_other_states": Facet(
        lambda c: c.backward_layer is not None and _states(c.backward_layer) != _states(c.layer),
        kind="bool", doc="a backward layer with another number of states (LSTM has two)"),
}
# fmt: on
FACETS: dict[str, Facet] = {**{name: _field(name) for name in FIELDS}, **DERIVED}

_COMPARISONS = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "!=": operator.ne,
}


def _comparison(facet: Facet, value: str) -> Callable[[Any], bool] | None:
    """'>1' for a count or a rate: the test, or None when `value` is not one."""
    if facet.kind not in ("count", "rate"):
        return None
    op = next((o for o in _COMPARISONS if value.startswith(o)), None)
    if op is None:
        return None
    try:
        bound = float(value[len(op) :])
    except ValueError:
        return None
    compare = _COMPARISONS[op]
    return lambda answer: answer is not None and compare(answer, bound)


def _test(name: str, facet: Facet, value: Any) -> Callable[[Any], bool]:
    """What one facet's value in a condition means, as a test of the case's answer;
    ValueError naming the facet when the value cannot be one of its answers."""
    if isinstance(value, list):
        if not value:
            raise ValueError(f"{name}: an empty list matches nothing")
        tests = [_test(name, facet, v) for v in value]
        return lambda answer: any(t(answer) for t in tests)
    if isinstance(value, str) and (compare := _comparison(facet, value)) is not None:
        return compare
    if facet.values is not None:
        if value not in facet.values:
            raise ValueError(f"{name}: {value!r} is not one of {facet.values}")
    elif facet.kind is None or not KINDS[facet.kind][0](value):
        why = KINDS[facet.kind][1] if facet.kind else "has no values"
        raise ValueError(f"{name}: {value!r} {why} (or a comparison such as '>1')")
    if name == "stack_layers":
        return lambda answer: value in answer
    return lambda answer: answer == value


@dataclass(frozen=True)
class Condition:
    """Facets and the values they must have; holds when every one does."""

    wants: tuple[tuple[str, Any], ...]  # as written, for people and for equality
    tests: tuple[tuple[str, Callable[[Any], bool]], ...] = ()

    @classmethod
    def parse(cls, table: Mapping[str, Any]) -> Condition:
        """A condition from its table (a TOML inline table, say); ValueError naming
        the facet for an unknown one or a value it cannot have."""
        if not isinstance(table, Mapping) or not table:
            raise ValueError("a condition is a non-empty table of facets")
        tests = []
        for name, value in table.items():
            facet = FACETS.get(name)
            if facet is None:
                raise ValueError(f"unknown facet {name!r}; known: {', '.join(sorted(FACETS))}")
            tests.append((name, _test(name, facet, value)))
        return cls(tuple(table.items()), tuple(tests))

    def holds(self, case: Case) -> bool:
        return all(test(FACETS[name].answer(case)) for name, test in self.tests)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Condition) and self.wants == other.wants

    def __hash__(self) -> int:
        return hash(repr(self.wants))

    def __str__(self) -> str:
        return ", ".join(f"{name} = {value!r}" for name, value in self.wants)


def any_holds(conditions: tuple[Condition, ...], case: Case) -> bool:
    """Whether one of `conditions` holds (a list of tables means any of them)."""
    return any(c.holds(case) for c in conditions)


def parse_any(value: object) -> tuple[Condition, ...]:
    """A table, or a list of tables (any of which may hold), as conditions."""
    tables = value if isinstance(value, list) else [value]
    if not tables:
        raise ValueError("an empty list of conditions holds for nothing")
    return tuple(Condition.parse(t) for t in tables)  # type: ignore[arg-type]

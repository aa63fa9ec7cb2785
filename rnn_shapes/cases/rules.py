"""The Case's rules, as data: which values each axis allows, and the "only X with Y"
rules between axes, in the order a case is checked (the first problem is the one
reported, so a case with several gets the same message as it always has).

A rule reads the case's fields through small conditions (`Set`, `Is`, `AtLeast`,
`AnyOf`, `AllOf`, `Not`), so cases/design.py can also read it over a design's
labels and turn it into a covertable condition: the Case's validation and the
covering designs cannot drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rnn_shapes.cases.axes import (
    AXES,
    BOOLS,
    COUNTS,
    KINDS,
    LAYERS,
    PADDING,
    SAMPLES,
    STATE_NAMES,
    Constant,
    Lower,
)

if TYPE_CHECKING:
    from rnn_shapes.cases.case import Case

Fields = Mapping[str, Any]  # a case's fields by name, or a design label's over the defaults


@dataclass(frozen=True)
class Set:
    """The field is off its default (a mask, a rate, a stateful layer)."""

    field: str

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field,)

    def holds(self, fields: Fields) -> bool:
        return bool(fields[self.field] != AXES[self.field].default)


@dataclass(frozen=True)
class Is:
    """The field is one of `values`."""

    field: str
    values: tuple[Any, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field,)

    def holds(self, fields: Fields) -> bool:
        return fields[self.field] in self.values


@dataclass(frozen=True)
class AtLeast:
    field: str
    least: int

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field,)

    def holds(self, fields: Fields) -> bool:
        return bool(fields[self.field] >= self.least)


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f for c in self.conditions for f in c.fields)

    def holds(self, fields: Fields) -> bool:
        return any(c.holds(fields) for c in self.conditions)


@dataclass(frozen=True)
class AllOf(AnyOf):
    def holds(self, fields: Fields) -> bool:
        return all(c.holds(fields) for c in self.conditions)


@dataclass(frozen=True)
class Not:
    condition: Condition

    @property
    def fields(self) -> tuple[str, ...]:
        return self.condition.fields

    def holds(self, fields: Fields) -> bool:
        return not self.condition.holds(fields)


Condition = Set | Is | AtLeast | AnyOf | Not


@dataclass(frozen=True)
class Only:
    """`field` off its default (or, given `values`, at one of them) only where
    `when` holds; `why` says so when it does not."""

    field: str
    when: Condition
    why: str
    values: tuple[Any, ...] | None = None

    def fires(self, fields: Fields) -> bool:
        value = fields[self.field]
        return value in self.values if self.values is not None else value != default(self.field)

    def broken(self, fields: Fields) -> bool:
        return self.fires(fields) and not self.when.holds(fields)


@dataclass(frozen=True)
class Kept(Only):
    """A choice of the covering designs, not a rule of the Case: Keras accepts the
    combination (docs/notes/case-refusals.md shows it), so the Case does too, while
    the designs keep to the rule so that their rows, which are golden keys, stay."""


def default(field: str) -> Any:
    return AXES[field].default


# ---------------------------------------------------------------- checks no table states


def _layer_only(case: Case) -> tuple[str, str] | None:
    """An option of some layers only (GRU's reset_after): a bool there, None elsewhere."""
    for axis in AXES.values():
        if axis.layers is None:
            continue
        value = getattr(case, axis.field)
        if axis.of(case.layer):
            if not isinstance(value, bool):
                return axis.field, f"a {case.layer} case must say True or False"
        elif value is not None:
            return axis.field, f"only {'/'.join(axis.layers)} has {axis.field}, not {case.layer}"
    return None


def _weights(case: Case) -> tuple[str, str] | None:
    if not (case.weights == "distinct" or isinstance(case.weights, Constant)):
        return "weights", "expected Constant(kernel, recurrent, bias) or 'distinct'"
    if isinstance(case.weights, Constant) and not all(
        isinstance(v, (int, float)) and math.isfinite(v)
        for v in (case.weights.kernel, case.weights.recurrent, case.weights.bias)
    ):
        return "weights", "Constant values must be finite numbers"
    return None


def _forget_bias(case: Case) -> tuple[str, str] | None:
    """unit_forget_bias is LSTM's argument; an LSTM without a bias accepts it, unused."""
    if case.layer != "LSTM" and case.unit_forget_bias is not True:
        return "unit_forget_bias", "only an LSTM has unit_forget_bias"
    return None


def _sample_shape(case: Case) -> tuple[str, str] | None:
    if case.sample is not None and SAMPLES[case.sample] != case.input_shape:
        return "sample", f"sample has shape {SAMPLES[case.sample]}, not {case.input_shape}"
    return None


def _call_batch(case: Case) -> tuple[str, str] | None:
    """Another batch size is the second call of a model with a fixed batch: one with a
    stateful layer, the case's own or one below it."""
    if case.call_batch is not None and not case.keeps_states:
        return "call_batch", "only a model with a stateful layer is called with another batch size"
    if case.call_batch is not None and (
        type(case.call_batch) is not int or case.call_batch < 1 or case.call_batch == case.batch
    ):
        return "call_batch", "must be a positive int other than the batch size"
    return None


def _backward_units(case: Case) -> tuple[str, str] | None:
    """An elementwise merge adds or multiplies the two directions' outputs, which
    broadcast: equal widths, or one of them 1 (Keras 2 and 3 refuse the rest at
    the call, "Incompatible shapes"; docs/notes/case-refusals.md)."""
    if case.backward_layer is None:
        return None
    widths = {case.units, case.backward_units}
    if len(widths) > 1 and 1 not in widths and case.merge_mode in ("sum", "mul", "ave"):
        return (
            "backward_units",
            "an elementwise merge needs both directions' widths equal, or one of them 1",
        )
    return None


def _split_states(case: Case) -> tuple[str, str] | None:
    """Bidirectional gives the forward layer the first half of the initial states
    (`len // 2`, Keras 3's Bidirectional.call; Keras 2 refuses an odd count, a rule
    of cases/signature.py): the forward layer must get as many as it has. So
    either both layers have as many states, or the backward one has one more (a
    GRU or SimpleRNN forward, an LSTM backward); an LSTM forward layer beside a
    one-state backward layer gets one of its two, which Keras 3 refuses too."""
    if case.initial_state is None or case.backward_layer is None:
        return None
    forward, backward = (len(STATE_NAMES[layer]) for layer in (case.layer, case.backward_layer))
    if (forward + backward) // 2 != forward:
        return (
            "initial_state",
            "Bidirectional gives the forward layer the first half of the initial states: "
            "an LSTM forward layer beside a one-state backward layer would get one of its two",
        )
    return None


def _stack(case: Case) -> tuple[str, str] | None:
    positive, _ = KINDS["count"]
    for lower in case.stack:
        if not isinstance(lower, Lower) or lower.layer not in LAYERS:
            return "stack", f"expected Lower(layer, units) with a layer of {LAYERS}"
        if not positive(lower.units):
            return "stack", "a lower layer's units must be a positive int"
        if not isinstance(lower.stateful, bool):
            return "stack", "a lower layer's stateful must be True or False"
    return None


Check = str | Only | Callable[["Case"], "tuple[str, str] | None"]
ALL_RATES = AnyOf((Set("dropout"), Set("recurrent_dropout")))
_LSTM, _BACK_LSTM = Is("layer", ("LSTM",)), Is("backward_layer", ("LSTM",))
# an explicit backward layer with as many states as the forward one: both LSTMs or neither
# (what the designs keep to; the Case accepts what Keras 3 splits well, _split_states)
SPLIT_EVENLY = Not(
    AllOf(
        (
            Set("backward_layer"),
            AnyOf((AllOf((_LSTM, Not(_BACK_LSTM))), AllOf((Not(_LSTM), _BACK_LSTM)))),
        )
    )
)

# In order. A name checks that axis's values (cases/axes.py); an Only is a rule
# between axes; a function checks what no table states.
CHECKS: tuple[Check, ...] = (
    "layer", *COUNTS, *BOOLS,
    "merge_mode",
    Only("merge_mode", Set("bidirectional"),
         "only a bidirectional case has a merge mode (leave 'concat')"),
    _layer_only,
    _weights,
    "sample",
    _sample_shape,
    # masks
    "mask",
    "mask_via",
    Only("mask_via", Set("mask"), "only a masked case says how its mask is given (leave 'layer')"),
    Only("mask_via", Not(Set("sample")),
         "a sample is the tutorials' float input, not rows of an embedding", ("embedding",)),
    Kept("zero_output_for_mask", Set("mask"), "only meaningful with a mask"),
    Only("mask", AtLeast("timesteps", 3), "a hole in the middle needs at least 3 timesteps",
         ("hole",)),
    Only("mask", AtLeast("timesteps", 2),
         "padding needs at least 2 timesteps (use 'row' to mask a whole row)", PADDING),
    Only("mask", AtLeast("batch", 2),
         "padding to different lengths needs at least 2 rows (one would be unpadded)", PADDING),
    # initial and stateful states
    "initial_state",
    "state_form",
    Kept("call_batch", Set("stateful"), "the designs call only a stateful layer at another batch"),
    _call_batch,
    Kept("initial_state", Not(Set("stateful")),
         "a stateful case starts from its stored states (zeros)"),
    Only("state_form", Set("initial_state"),
         "only a case with an initial state says how it is passed"),
    # constructor options and the run
    "activation",
    "recurrent_activation",
    Only("recurrent_activation", Not(Is("layer", ("SimpleRNN",))),
         "SimpleRNN has no recurrent activation"),
    Kept("unit_forget_bias", AllOf((Is("layer", ("LSTM",)), Is("use_bias", (True,)))),
         "only an LSTM with a bias has a forget bias"),
    _forget_bias,
    "dropout",
    "recurrent_dropout",
    Kept("training", ALL_RATES, "training=True changes nothing without dropout (set a rate)"),
    Kept("training", Not(Is("activation", ("relu",))),
         "relu's zero region can hide dropout entirely; take another activation"),
    Kept("training", Not(AnyOf((Set("stateful"), Set("predict")))),
         "a training call is a single direct call (not stateful, not predict)"),
    Only("training", Not(Set("predict")), "Model.predict takes no training argument"),
    Only("predict", Not(Set("call_batch")), "a call with another batch size is a direct call"),
    "dtype",
    # model paths
    Kept("dynamic_time", Not(Set("stateful")),
         "the designs call a stateful layer at one length"),
    Only("backward_units", Set("backward_layer"),
         "only a case with a backward_layer gives its units"),
    Only("backward_layer", Set("bidirectional"), "only a bidirectional case has a backward layer"),
    "backward_layer",
    "backward_units",
    _backward_units,
    Kept("initial_state", SPLIT_EVENLY,
         "Bidirectional splits the initial states in half: both layers need as many"),
    _split_states,
    _stack,
    Kept("stack", Not(Set("stateful")),
         "the designs stack layers under a layer that is not stateful"),
    Kept("stack", Not(Set("sample")), "the tutorials' samples feed a single layer"),
    "save",
    Kept("save", Not(Set("training")),
         "a training call's values are random: nothing to compare after loading"),
)  # fmt: skip
RULES: tuple[Only, ...] = tuple(check for check in CHECKS if isinstance(check, Only))
# What the Case refuses: each is a combination Keras cannot express or refuses itself
CASE_RULES: tuple[Only, ...] = tuple(rule for rule in RULES if not isinstance(rule, Kept))


def problem(case: Case) -> tuple[str, str] | None:
    """The first field that makes `case` impossible, with the reason; None if fine."""
    fields = vars(case)
    for check in CHECKS:
        if isinstance(check, str):
            if not AXES[check].allows(fields[check]):
                return check, AXES[check].why
        elif isinstance(check, Only):
            if not isinstance(check, Kept) and check.broken(fields):
                return check.field, check.why
        elif found := check(case):
            return found
    return None

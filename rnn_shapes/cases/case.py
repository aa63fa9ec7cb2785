"""One configuration of a recurrent layer: the unit of the case matrix.

A `Case` is pure data. Its `id` is the pytest id and the golden-fixture key, so
it must stay stable and readable: change the format only with a schema bump.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Literal

from rnn_shapes.cases.axes import (
    AXES,
    BOOLS,
    COUNTS,
    FAMILIES,
    Constant,
    Lower,
    direction_tag,
    families_of,
    id_parts,
    layer_tag,
)
from rnn_shapes.cases.rules import problem

__all__ = ["FAMILIES", "OUTSIDE", "Case", "Constant", "Lower", "families"]

# The family of an id no matrix holds: nothing is read out of the id itself
OUTSIDE = "outside the matrices"


class CaseRefused(ValueError):
    """The Case refuses its fields: a combination Keras' API cannot express. Raised
    inside a run, it is the harness's own error, never Keras' outcome."""


@dataclass(frozen=True)
class Case:
    """One layer configuration, one input shape, one weight scheme."""

    layer: str
    units: int
    batch: int
    timesteps: int
    features: int
    bidirectional: bool = False
    merge_mode: str | None = "concat"
    return_sequences: bool = False
    return_state: bool = False
    go_backwards: bool = False
    reset_after: bool | None = None  # GRU: None means Keras' default (cases/axes.py)
    weights: Constant | Literal["distinct"] = "distinct"
    sample: str | None = field(default=None)
    mask: str | None = None  # one of MASK_PATTERNS; None: no mask at all
    mask_via: str = "layer"
    zero_output_for_mask: bool = False
    initial_state: str | None = None  # one of INITIAL_STATES; None: Keras' zeros
    state_form: str = "keyword"
    unroll: bool = False
    stateful: bool = False  # the case's own layer keeps its states (keeps_states says more)
    # a model with a stateful layer only: after a call with `batch` rows, one with this many
    call_batch: int | None = None
    use_bias: bool = True
    activation: str = "tanh"
    recurrent_activation: str = "sigmoid"  # LSTM and GRU
    unit_forget_bias: bool = True  # LSTM
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    training: bool = False  # called with training=True: dropout draws its masks
    predict: bool = False  # run through Model.predict instead of a direct call
    dtype: str = "float32"
    # Model paths (cases/paths.py derives the layers they add)
    dynamic_time: bool = False  # Input(shape=(None, D)): called at T, then at a longer T
    backward_layer: str | None = None  # Bidirectional(..., backward_layer=<this type>)
    backward_units: int | None = None  # its units (None: the case's own)
    stack: tuple[Lower, ...] = ()  # recurrent layers below the case's own, input first
    save: str | None = None  # one of SAVES: the model saved and loaded before it runs

    def __post_init__(self) -> None:
        _normalise(self)
        found = problem(self)
        if found is not None:
            name, why = found
            raise CaseRefused(f"Case field {name!r}: {why} (got {getattr(self, name)!r})")

    @property
    def direction(self) -> str:
        """'uni' or 'bi-<merge mode>': the grouping used in summaries."""
        return direction_tag(self.bidirectional, self.merge_mode)

    @property
    def layer_tag(self) -> str:
        """The layer with its GRU variant, e.g. 'GRU-ra1'."""
        return layer_tag(self.layer, self.reset_after)

    @property
    def weights_tag(self) -> str:
        return self.weights if isinstance(self.weights, str) else self.weights.tag

    @property
    def id(self) -> str:
        """The core axes, always, in this order; then each other axis the case sets
        (cases/axes.py says how), so an id only grows when axes are added."""
        parts = [
            self.layer_tag,
            self.direction,
            f"seq{int(self.return_sequences)}",
            f"state{int(self.return_state)}",
            "back" if self.go_backwards else "fwd",
            f"B{self.batch}T{self.timesteps}D{self.features}U{self.units}",
            self.weights_tag,
        ]
        return "-".join(parts + id_parts(self))

    @property
    def families(self) -> tuple[str, ...]:
        """The semantics the case exercises beyond the core axes (compare and the
        report group differences by them), from the axes it sets: 'core' alone
        when it sets none. A case of the covering designs may have several."""
        return families_of(self)

    @property
    def keeps_states(self) -> bool:
        """Some layer of the model is stateful, the case's own or one below it: the
        model has a fixed batch and is called three times (x; x reversed in time, or
        a dynamic-time case's longer input, from the states the first call left; x
        after a reset: cases/signature.py `calls`)."""
        return self.stateful or self.stateful_below

    @property
    def stateful_below(self) -> bool:
        """A stateful layer below the case's own, in its stack."""
        return any(getattr(lower, "stateful", False) is True for lower in self.stack)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.batch, self.timesteps, self.features)


def families(case_id: str) -> tuple[str, ...]:
    """The families of the case with this id, for a consumer that holds only ids (a
    golden set's keys): the Case's own, read from its fields. An id no matrix of this
    version holds (a stale case of an old set) is OUTSIDE: an id is a key, never
    parsed back into what the case is."""
    from rnn_shapes.cases.matrix import any_case  # the matrices are built from cases

    case = any_case(case_id)
    return case.families if case is not None else (OUTSIDE,)


def _as_int(value: object) -> object:
    """A NumPy integer (anything with __index__ that is not a number already) as int."""
    if not isinstance(value, (int, bool, float)) and hasattr(value, "__index__"):
        return operator.index(value)
    return value


def _as_bool(value: object) -> object:
    kind = type(value)
    if kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_"):  # no NumPy import
        return bool(value)
    return value


def _as_rate(value: object) -> object:
    """0 and 0.0 are one case."""
    if (isinstance(value, int) and not isinstance(value, bool)) or type(
        value
    ).__module__ == "numpy":
        return float(value)  # type: ignore[arg-type]
    return value


# Which fields each conversion applies to.
PLAIN = (
    (COUNTS, _as_int),
    ((*BOOLS, "reset_after"), _as_bool),
    (("dropout", "recurrent_dropout"), _as_rate),
)


def _normalise(case: Case) -> None:
    """Plain Python values, so ids and hashes do not depend on how a value was made.

    NumPy integers and booleans (from np.arange, a DataFrame row) become int and
    bool; GRU's reset_after left as None takes Keras' default (cases/axes.py).
    """
    for names, plain in PLAIN:
        for name in names:
            object.__setattr__(case, name, plain(getattr(case, name)))
    for axis in AXES.values():  # an option of some layers only, left out: Keras' default
        if axis.layers is not None and axis.of(case.layer) and getattr(case, axis.field) is None:
            object.__setattr__(case, axis.field, axis.default)
    if case.backward_layer is not None and case.backward_units is None:
        object.__setattr__(case, "backward_units", case.units)
    if isinstance(case.stack, list):
        object.__setattr__(case, "stack", tuple(case.stack))

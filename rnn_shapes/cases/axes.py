"""The axes of a case, as one table: what each Case field may hold and what it means.

Per field (cases/case.py's Case has one per axis, in this order): its allowed
values, Keras' default (the value a case leaves out; for the harness's own
axes, such as a mask or a save, "none"), how it shows in the case id when it is
not at that default, the Keras constructor keyword it sets, and the family of
semantics it belongs to (compare and the report group differences by family).
The rules between axes ("only a masked case says how its mask is given") are
data too (cases/rules.py), so the Case's validation and the covering designs'
constraints (cases/constraints.py) read the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rnn_shapes.cases.case import Case

LAYERS: tuple[str, ...] = ("SimpleRNN", "LSTM", "GRU")
# The states each layer keeps and returns with return_state, in Keras' order: LSTM has a
# cell state too
STATE_NAMES: dict[str, tuple[str, ...]] = {"SimpleRNN": ("h",), "LSTM": ("h", "c"), "GRU": ("h",)}
MERGE_MODES: tuple[str | None, ...] = ("concat", "sum", "mul", "ave", None)
# Inputs a case can name instead of the generated ones, with their (B, T, D);
# the values live in `rnn_shapes.cases.inputs`.
SAMPLES: dict[str, tuple[int, int, int]] = {"seed002": (1, 4, 5), "seed004": (1, 4, 5)}
# Which steps of which rows are masked (cases/masks.py draws them), and how the
# mask reaches the layer: a Masking layer in front, `mask=` in the call, or an
# Embedding(mask_zero=True) in front of token ids (cases/embedding.py), as most
# text models get theirs.
MASK_PATTERNS: tuple[str, ...] = ("right", "left", "hole", "row", "none")
MASK_VIA: tuple[str, ...] = ("layer", "call", "embedding")
# A dynamic-time case's second call is this many steps longer (cases/paths.longer).
LONGER_BY = 3
# An Embedding case's tokens: one per (row, step), up to these.
MAX_ROWS = 8
MAX_STEPS = 128
# Non-zero initial states: NumPy constants in the call, or model inputs (Input
# tensors); passed as `layer(x, states)` (positional), `layer(x, initial_state=...)`
# (keyword) or with the input named too (named: `sequences=` / Keras 2 `inputs=`).
INITIAL_STATES: tuple[str, ...] = ("constant", "input")
STATE_FORMS: tuple[str, ...] = ("keyword", "positional", "named")
# Constructor options that change the numbers (the first value is Keras' default).
ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "sigmoid", "linear")
RECURRENT_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "hard_sigmoid", "tanh", "linear")
# The layer's dtype policy: its variables' and computations' dtypes (cases/signature.py
# says which dtype the outputs have).
DTYPES: tuple[str, ...] = ("float32", "float64", "mixed_float16", "mixed_bfloat16")
# How a model is taken through a save and load before it runs: the native file
# formats (`.keras`; `.h5`, Keras 2's legacy one), or get_config / from_config with
# the weights set.
SAVES: tuple[str, ...] = ("keras", "h5", "config")
PADDING = ("right", "left")  # the mask patterns that pad rows to different lengths

# The families, in the order compare and the report list them; "core" is a case
# with none of the axes beyond layer, direction, flags, shape, weights and sample.
FAMILIES: tuple[str, ...] = (
    "core",
    "masking",
    "initial state",
    "stateful",
    "unroll",
    "options",
    "precision",
    "predict",
    "dynamic time",
    "backward layer",
    "stack",
    "save/load",
)


@dataclass(frozen=True)
class Lower:
    """A recurrent layer below the case's own in a stack: it returns its whole
    sequence (return_sequences=True) to the next, with Keras' default options
    (GRU's reset_after as a Case leaves it out) and the case's weight scheme and
    dtype; a bidirectional one concatenates. A stateful one keeps its states
    between the three calls of a model with a stateful layer (Case.keeps_states),
    whether or not the case's own layer is stateful too."""

    layer: str
    units: int
    bidirectional: bool = False
    stateful: bool = False

    @property
    def tag(self) -> str:
        """'LSTM4', 'biGRU3', 'stLSTM4' (stateful): the layer as the case id names it."""
        prefix = ("st" if self.stateful else "") + ("bi" if self.bidirectional else "")
        return f"{prefix}{self.layer}{self.units}"

    @property
    def width(self) -> int:
        """The features it hands to the next layer."""
        return self.units * (2 if self.bidirectional else 1)


@dataclass(frozen=True)
class Constant:
    """Every kernel, recurrent-kernel and bias entry set by a Constant initializer.

    This is how the tutorials pin their numbers. It makes every gate and unit
    identical, so it cannot see a swapped gate; pair it with "distinct".
    """

    kernel: float = 0.1
    recurrent: float = 0.1
    bias: float = 0.0

    @property
    def tag(self) -> str:
        return f"k{self.kernel:g}r{self.recurrent:g}b{self.bias:g}"


TUTORIAL_CONSTANT = Constant(kernel=0.1, recurrent=0.1, bias=0.0)


class _Required:
    """The default of a field every case names (layer, units, the shape)."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _rate(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and 0 <= value < 1


# Axes whose values are not listed: kind -> (the check, why a value fails it).
KINDS: dict[str, tuple[Callable[[object], bool], str]] = {
    "count": (_positive_int, "must be a positive int"),
    "bool": (lambda value: isinstance(value, bool), "must be a bool"),
    "rate": (_rate, "must be a rate in [0, 1)"),
}

Tag = str | Callable[["Case"], str]


@dataclass(frozen=True)
class Axis:
    """One Case field. `tag` is its id part when not at `default`: a format string
    over the case's fields, or a function of the case."""

    field: str
    default: Any = REQUIRED
    values: Collection[Any] | None = None  # the allowed values; None: any of `kind`
    kind: str | None = None
    invalid: str = ""  # why a value is not allowed, where `values` lists them
    tag: Tag | None = None
    keyword: str | None = None  # the recurrent layer's constructor keyword
    family: str = "core"
    layers: tuple[str, ...] | None = None  # the only layers that have it (None: every one)

    def of(self, layer: str) -> bool:
        """Whether `layer` has this axis (a case of another layer leaves it None)."""
        return self.layers is None or layer in self.layers

    def allows(self, value: object) -> bool:
        if value is None and self.default is None:  # left out
            return True
        if self.values is not None:
            return value in self.values
        return self.kind is not None and KINDS[self.kind][0](value)

    @property
    def why(self) -> str:
        return self.invalid or KINDS[str(self.kind)][1]

    def part(self, case: Case) -> str:
        """The id part of the case's value (which is not the default)."""
        assert self.tag is not None
        return self.tag(case) if callable(self.tag) else self.tag.format_map(vars(case))


def layer_tag(layer: str, reset_after: bool | None = None) -> str:
    """The layer with its GRU variant, e.g. 'GRU-ra1' (None: Keras' default)."""
    if not AXES["reset_after"].of(layer):
        return layer
    default = AXES["reset_after"].default
    return f"{layer}-ra{int(bool(default if reset_after is None else reset_after))}"


def direction_tag(bidirectional: bool, merge_mode: str | None) -> str:
    """'uni' or 'bi-<merge mode>': the grouping used in summaries."""
    return f"bi-{str(merge_mode).lower()}" if bidirectional else "uni"


def _dtype_tag(case: Case) -> str:
    return case.dtype if case.dtype.startswith("mixed") else f"dtype_{case.dtype}"


def _backward_tag(case: Case) -> str:
    return f"bwd_{layer_tag(str(case.backward_layer))}_U{case.backward_units}"


def _stack_tag(case: Case) -> str:
    return "stack_" + "_".join(lower.tag for lower in case.stack)


def _save_tag(case: Case) -> str:
    return "from_config" if case.save == "config" else f"save_{case.save}"


def _one_of(values: Collection[Any], noun: str = "", none: bool = False) -> str:
    """A value check's message: 'unknown mask pattern, expected one of (...) or None'."""
    return f"{f'unknown {noun}, ' if noun else ''}expected one of {values}{' or None' * none}"


def _axes(*axes: Axis) -> dict[str, Axis]:
    return {axis.field: axis for axis in axes}


# fmt: off
# One row per Case field, in the Case's order (the id's parts after its core follow it).
AXES: dict[str, Axis] = _axes(
    Axis("layer", values=LAYERS, invalid=_one_of(LAYERS, "layer")),
    Axis("units", kind="count", keyword="units"),
    Axis("batch", kind="count"),
    Axis("timesteps", kind="count"),
    Axis("features", kind="count"),
    Axis("bidirectional", False, kind="bool"),
    Axis("merge_mode", "concat", MERGE_MODES, invalid=_one_of(MERGE_MODES)),
    Axis("return_sequences", False, kind="bool", keyword="return_sequences"),
    Axis("return_state", False, kind="bool", keyword="return_state"),
    Axis("go_backwards", False, kind="bool", keyword="go_backwards"),
    # GRU's bias layout: Keras' default is True (the Case's None means it)
    Axis("reset_after", True, (True, False), keyword="reset_after", layers=("GRU",)),
    Axis("weights", "distinct"),
    Axis("sample", None, SAMPLES.keys(), tag="x_{sample}",
         invalid=f"unknown sample, expected one of {sorted(SAMPLES)}"),
    Axis("mask", None, MASK_PATTERNS, invalid=_one_of(MASK_PATTERNS, "mask pattern", none=True),
         tag="mask_{mask}_by_{mask_via}", family="masking"),
    Axis("mask_via", "layer", MASK_VIA, invalid=_one_of(MASK_VIA), family="masking"),
    Axis("zero_output_for_mask", False, kind="bool", tag="zero_output",
         keyword="zero_output_for_mask", family="masking"),
    Axis("initial_state", None, INITIAL_STATES, invalid=_one_of(INITIAL_STATES, none=True),
         tag="h0_{initial_state}_{state_form}", family="initial state"),
    Axis("state_form", "keyword", STATE_FORMS, invalid=_one_of(STATE_FORMS),
         family="initial state"),
    Axis("unroll", False, kind="bool", tag="unroll", keyword="unroll", family="unroll"),
    Axis("stateful", False, kind="bool", tag="stateful", keyword="stateful", family="stateful"),
    Axis("call_batch", None, tag="call_B{call_batch}", family="stateful"),
    Axis("use_bias", True, kind="bool", tag="nobias", keyword="use_bias", family="options"),
    Axis("activation", "tanh", ACTIVATIONS, invalid=_one_of(ACTIVATIONS), tag="act_{activation}",
         keyword="activation", family="options"),
    Axis("recurrent_activation", "sigmoid", RECURRENT_ACTIVATIONS,
         invalid=_one_of(RECURRENT_ACTIVATIONS), tag="ract_{recurrent_activation}",
         keyword="recurrent_activation", family="options"),
    Axis("unit_forget_bias", True, kind="bool", tag="no_forget_bias", keyword="unit_forget_bias",
         family="options"),
    Axis("dropout", 0.0, kind="rate", tag="drop{dropout:g}", keyword="dropout", family="options"),
    Axis("recurrent_dropout", 0.0, kind="rate", tag="rdrop{recurrent_dropout:g}",
         keyword="recurrent_dropout", family="options"),
    Axis("training", False, kind="bool", tag="train", family="options"),
    Axis("predict", False, kind="bool", tag="predict", family="predict"),
    # a dtype or a mixed policy by name, in Keras 2 and 3
    Axis("dtype", "float32", DTYPES, invalid=_one_of(DTYPES), tag=_dtype_tag,
         keyword="dtype", family="precision"),
    Axis("dynamic_time", False, kind="bool", tag="dynT", family="dynamic time"),
    Axis("backward_layer", None, LAYERS, invalid=_one_of(LAYERS, "layer"), tag=_backward_tag,
         family="backward layer"),
    Axis("backward_units", None, kind="count", family="backward layer"),
    Axis("stack", (), tag=_stack_tag, family="stack"),
    Axis("save", None, SAVES, invalid=_one_of(SAVES, none=True), tag=_save_tag,
         family="save/load"),
)
# fmt: on

# (layer, reset_after): every layer, GRU with each bias layout (Keras' default first).
LAYER_VARIANTS: tuple[tuple[str, bool | None], ...] = tuple(
    (layer, value)
    for layer in LAYERS
    for value in (AXES["reset_after"].values or () if AXES["reset_after"].of(layer) else (None,))
)
# (bidirectional, merge_mode): one way, and Bidirectional with each merge mode.
DIRECTIONS: tuple[tuple[bool, str | None], ...] = (
    (False, AXES["merge_mode"].default),
    *((True, m) for m in MERGE_MODES),
)
COUNTS = tuple(a.field for a in AXES.values() if a.kind == "count" and a.default is REQUIRED)
BOOLS = tuple(a.field for a in AXES.values() if a.kind == "bool")


def keras_keywords(case: Case) -> dict[str, Any]:
    """The recurrent layer's constructor keywords from the case, in the table's
    order: the core's always (units, the outputs, the walk, GRU's reset_after),
    the others only off Keras' default, so a layer states what its case changes.
    The Keras side adds initializers for Constant weights and Keras 3's dropout seed."""
    out = {}
    for axis in AXES.values():
        value = getattr(case, axis.field)
        given = axis.family == "core" or value != axis.default
        if axis.keyword is not None and axis.of(case.layer) and given:
            out[axis.keyword] = value
    return out


def id_parts(case: Case) -> list[str]:
    """The id parts of the axes the case sets, in the table's order."""
    return [
        axis.part(case)
        for axis in AXES.values()
        if axis.tag is not None and getattr(case, axis.field) != axis.default
    ]


def families_of(case: Case) -> tuple[str, ...]:
    """The families of the axes the case sets: 'core' alone when it sets none beyond it.
    A stateful layer below the case's own makes a stateful model too."""
    found = {a.family for a in AXES.values() if getattr(case, a.field) != a.default}
    return _in_order(found | ({"stateful"} if case.keeps_states else set()))


def _in_order(found: set[str]) -> tuple[str, ...]:
    return tuple(f for f in FAMILIES[1:] if f in found) or ("core",)

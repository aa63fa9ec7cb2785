"""One configuration of a recurrent layer: the unit of the case matrix.

A `Case` is pure data. Its `id` is the pytest id and the golden-fixture key, so
it must stay stable and readable: change the format only with a schema bump.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Literal

LAYERS: tuple[str, ...] = ("SimpleRNN", "LSTM", "GRU")
MERGE_MODES: tuple[str | None, ...] = ("concat", "sum", "mul", "ave", None)
# Inputs a case can name instead of the generated ones, with their (B, T, D);
# the values live in `rnn_shapes.spec.inputs`.
SAMPLES: dict[str, tuple[int, int, int]] = {"seed002": (1, 4, 5), "seed004": (1, 4, 5)}
# Which steps of which rows are masked (spec/masks.py draws them), and how the
# mask reaches the layer: a Masking layer in front, or `mask=` in the call.
MASK_PATTERNS: tuple[str, ...] = ("right", "left", "hole", "row", "none")
MASK_VIA: tuple[str, ...] = ("layer", "call")
# Non-zero initial states: NumPy constants in the call, or model inputs (Input
# tensors); passed as `layer(x, states)` (positional), `layer(x, initial_state=...)`
# (keyword) or with the input named too (named: `sequences=` / Keras 2 `inputs=`).
INITIAL_STATES: tuple[str, ...] = ("constant", "input")
STATE_FORMS: tuple[str, ...] = ("keyword", "positional", "named")
# Constructor options that change the numbers (the first value is Keras' default).
ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "sigmoid", "linear")
RECURRENT_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "hard_sigmoid", "tanh", "linear")
# The layer's dtype policy: its variables' and computations' dtypes (spec/signature.py
# says which dtype the outputs have).
DTYPES: tuple[str, ...] = ("float32", "float64", "mixed_float16", "mixed_bfloat16")
# How a model is taken through a save and load before it runs: the native file
# formats (`.keras`; `.h5`, Keras 2's legacy one), or get_config / from_config with
# the weights set.
SAVES: tuple[str, ...] = ("keras", "h5", "config")


@dataclass(frozen=True)
class Lower:
    """A recurrent layer below the case's own in a stack: it returns its whole
    sequence (return_sequences=True) to the next, with Keras' default options
    (GRU: reset_after=True) and the case's weight scheme and dtype; a
    bidirectional one concatenates."""

    layer: str
    units: int
    bidirectional: bool = False

    @property
    def tag(self) -> str:
        """'LSTM4', 'biGRU3': the layer as the case id names it."""
        return f"{'bi' if self.bidirectional else ''}{self.layer}{self.units}"

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
    reset_after: bool | None = None  # GRU: None means Keras' default, True
    weights: Constant | Literal["distinct"] = "distinct"
    sample: str | None = field(default=None)
    mask: str | None = None  # one of MASK_PATTERNS; None: no mask at all
    mask_via: str = "layer"
    zero_output_for_mask: bool = False
    initial_state: str | None = None  # one of INITIAL_STATES; None: Keras' zeros
    state_form: str = "keyword"
    unroll: bool = False
    stateful: bool = False  # three calls: x, then x reversed in time, then x after a reset
    # stateful only: after a call with `batch` rows, a call with this many rows
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
    # Model paths (spec/paths.py derives the layers they add)
    dynamic_time: bool = False  # Input(shape=(None, D)): called at T, then at a longer T
    backward_layer: str | None = None  # Bidirectional(..., backward_layer=<this type>)
    backward_units: int | None = None  # its units (None: the case's own)
    stack: tuple[Lower, ...] = ()  # recurrent layers below the case's own, input first
    save: str | None = None  # one of SAVES: the model saved and loaded before it runs

    def __post_init__(self) -> None:
        _normalise(self)
        problem = _problem(self)
        if problem is not None:
            name, why = problem
            raise ValueError(f"Case field {name!r}: {why} (got {getattr(self, name)!r})")

    @property
    def direction(self) -> str:
        """'uni' or 'bi-<merge mode>': the grouping used in summaries."""
        if not self.bidirectional:
            return "uni"
        return f"bi-{str(self.merge_mode).lower()}"

    @property
    def layer_tag(self) -> str:
        """The layer with its GRU variant, e.g. 'GRU-ra1'."""
        if self.layer == "GRU":
            return f"GRU-ra{int(bool(self.reset_after))}"
        return self.layer

    @property
    def weights_tag(self) -> str:
        return self.weights if isinstance(self.weights, str) else self.weights.tag

    @property
    def id(self) -> str:
        parts = [
            self.layer_tag,
            self.direction,
            f"seq{int(self.return_sequences)}",
            f"state{int(self.return_state)}",
            "back" if self.go_backwards else "fwd",
            f"B{self.batch}T{self.timesteps}D{self.features}U{self.units}",
            self.weights_tag,
        ]
        if self.sample is not None:
            parts.append(f"x_{self.sample}")
        if self.mask is not None:  # new axes appear only when not at their default
            parts.append(f"mask_{self.mask}_by_{self.mask_via}")
        if self.zero_output_for_mask:
            parts.append("zero_output")
        if self.initial_state is not None:
            parts.append(f"h0_{self.initial_state}_{self.state_form}")
        if self.unroll:
            parts.append("unroll")
        if self.stateful:
            parts.append("stateful")
        if self.call_batch is not None:
            parts.append(f"call_B{self.call_batch}")
        return "-".join(parts + self._option_parts() + self._path_parts())

    def _path_parts(self) -> list[str]:
        """Id parts of the model paths, non-default ones only."""
        parts = []
        if self.dynamic_time:
            parts.append("dynT")
        if self.backward_layer is not None:
            tag = "GRU-ra1" if self.backward_layer == "GRU" else self.backward_layer
            parts.append(f"bwd_{tag}_U{self.backward_units}")
        if self.stack:
            parts.append("stack_" + "_".join(lower.tag for lower in self.stack))
        if self.save is not None:
            parts.append("from_config" if self.save == "config" else f"save_{self.save}")
        return parts

    def _option_parts(self) -> list[str]:
        """Id parts of the constructor options and the run, non-default ones only."""
        parts = []
        if not self.use_bias:
            parts.append("nobias")
        if self.activation != "tanh":
            parts.append(f"act_{self.activation}")
        if self.recurrent_activation != "sigmoid":
            parts.append(f"ract_{self.recurrent_activation}")
        if not self.unit_forget_bias:
            parts.append("no_forget_bias")
        if self.dropout:
            parts.append(f"drop{self.dropout:g}")
        if self.recurrent_dropout:
            parts.append(f"rdrop{self.recurrent_dropout:g}")
        if self.training:
            parts.append("train")
        if self.predict:
            parts.append("predict")
        if self.dtype != "float32":
            parts.append(self.dtype if self.dtype.startswith("mixed") else f"dtype_{self.dtype}")
        return parts

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.batch, self.timesteps, self.features)


# The semantics a case exercises beyond the core axes, read from its id (so a
# golden set of any version is grouped the same way): compare and the report
# group differences by them. A case of the covering designs may have several.
FAMILY_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("masking", ("-mask_",)),
    ("initial state", ("-h0_",)),
    ("stateful", ("-stateful",)),
    ("unroll", ("-unroll",)),
    ("options", ("-nobias", "-act_", "-ract_", "-no_forget_bias", "-drop", "-rdrop")),
    ("precision", ("-dtype_", "-mixed_")),
    ("predict", ("-predict",)),
    ("dynamic time", ("-dynT",)),
    ("backward layer", ("-bwd_",)),
    ("stack", ("-stack_",)),
    ("save/load", ("-save_", "-from_config")),
)
FAMILIES: tuple[str, ...] = ("core", *(name for name, _ in FAMILY_MARKERS))


def families(case_id: str) -> tuple[str, ...]:
    """The families of a case id: 'core' alone when it has none of the new axes."""
    found = tuple(name for name, markers in FAMILY_MARKERS if any(m in case_id for m in markers))
    return found or ("core",)


INT_FIELDS = ("units", "batch", "timesteps", "features")
BOOL_FIELDS = (
    "bidirectional",
    "return_sequences",
    "return_state",
    "go_backwards",
    "zero_output_for_mask",
    "unroll",
    "stateful",
    "use_bias",
    "unit_forget_bias",
    "training",
    "predict",
    "dynamic_time",
)


def _normalise(case: Case) -> None:
    """Plain Python values, so ids and hashes do not depend on how a value was made.

    NumPy integers and booleans (from np.arange, a DataFrame row) become int and
    bool; GRU's reset_after left as None takes Keras' default, True.
    """
    for name in INT_FIELDS:
        value = getattr(case, name)
        if not isinstance(value, (int, bool, float)) and hasattr(value, "__index__"):
            object.__setattr__(case, name, operator.index(value))
    for name in (*BOOL_FIELDS, "reset_after"):
        value = getattr(case, name)
        kind = type(value)
        if kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_"):  # no NumPy import
            object.__setattr__(case, name, bool(value))
    for name in ("dropout", "recurrent_dropout"):  # 0 and 0.0 are one case
        value = getattr(case, name)
        if (isinstance(value, int) and not isinstance(value, bool)) or type(
            value
        ).__module__ == "numpy":
            object.__setattr__(case, name, float(value))
    if case.layer == "GRU" and case.reset_after is None:
        object.__setattr__(case, "reset_after", True)
    if case.backward_layer is not None and case.backward_units is None:
        object.__setattr__(case, "backward_units", case.units)
    if isinstance(case.stack, list):
        object.__setattr__(case, "stack", tuple(case.stack))


def _problem(case: Case) -> tuple[str, str] | None:
    """The first field that makes `case` impossible, with the reason; None if fine."""
    if case.layer not in LAYERS:
        return "layer", f"unknown layer, expected one of {LAYERS}"
    for name in INT_FIELDS:
        value = getattr(case, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return name, "must be a positive int"
    for name in BOOL_FIELDS:
        if not isinstance(getattr(case, name), bool):
            return name, "must be a bool"
    if case.merge_mode not in MERGE_MODES:
        return "merge_mode", f"expected one of {MERGE_MODES}"
    if not case.bidirectional and case.merge_mode != "concat":
        return "merge_mode", "only a bidirectional case has a merge mode (leave 'concat')"
    if case.layer == "GRU":
        if not isinstance(case.reset_after, bool):
            return "reset_after", "a GRU case must say True or False"
    elif case.reset_after is not None:
        return "reset_after", f"only GRU has reset_after, not {case.layer}"
    if not (case.weights == "distinct" or isinstance(case.weights, Constant)):
        return "weights", "expected Constant(kernel, recurrent, bias) or 'distinct'"
    if isinstance(case.weights, Constant) and not all(
        isinstance(v, (int, float)) and math.isfinite(v)
        for v in (case.weights.kernel, case.weights.recurrent, case.weights.bias)
    ):
        return "weights", "Constant values must be finite numbers"
    if case.sample is not None:
        if case.sample not in SAMPLES:
            return "sample", f"unknown sample, expected one of {sorted(SAMPLES)}"
        if SAMPLES[case.sample] != case.input_shape:
            return "sample", f"sample has shape {SAMPLES[case.sample]}, not {case.input_shape}"
    return (
        _mask_problem(case) or _state_problem(case) or _option_problem(case) or _path_problem(case)
    )


def _path_problem(case: Case) -> tuple[str, str] | None:
    if case.dynamic_time and case.stateful:
        return "dynamic_time", "a stateful case has its own three calls at one length"
    if case.backward_units is not None and case.backward_layer is None:
        return "backward_units", "only a case with a backward_layer gives its units"
    if case.backward_layer is not None:
        if not case.bidirectional:
            return "backward_layer", "only a bidirectional case has a backward layer"
        if case.backward_layer not in LAYERS:
            return "backward_layer", f"unknown layer, expected one of {LAYERS}"
        units = case.backward_units
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            return "backward_units", "must be a positive int"
        if units != case.units and case.merge_mode in ("sum", "mul", "ave"):
            return "backward_units", "an elementwise merge needs both directions' widths equal"
        if case.initial_state is not None and (case.layer == "LSTM") != (
            case.backward_layer == "LSTM"
        ):
            return (
                "initial_state",
                "Bidirectional splits the initial states in half: both layers need as many",
            )
    for lower in case.stack:
        if not isinstance(lower, Lower) or lower.layer not in LAYERS:
            return "stack", f"expected Lower(layer, units) with a layer of {LAYERS}"
        if not isinstance(lower.units, int) or isinstance(lower.units, bool) or lower.units < 1:
            return "stack", "a lower layer's units must be a positive int"
    if case.stack and case.stateful:
        return "stack", "a stateful stack would need every layer stateful (not built here)"
    if case.stack and case.sample is not None:
        return "stack", "the tutorials' samples feed a single layer"
    if case.save is not None and case.save not in SAVES:
        return "save", f"expected one of {SAVES} or None"
    if case.save is not None and case.training:
        return "save", "a training call's values are random: nothing to compare after loading"
    return None


def _option_problem(case: Case) -> tuple[str, str] | None:
    if case.activation not in ACTIVATIONS:
        return "activation", f"expected one of {ACTIVATIONS}"
    if case.recurrent_activation not in RECURRENT_ACTIVATIONS:
        return "recurrent_activation", f"expected one of {RECURRENT_ACTIVATIONS}"
    if case.layer == "SimpleRNN" and case.recurrent_activation != "sigmoid":
        return "recurrent_activation", "SimpleRNN has no recurrent activation"
    if not case.unit_forget_bias and (case.layer != "LSTM" or not case.use_bias):
        return "unit_forget_bias", "only an LSTM with a bias has a forget bias"
    for name in ("dropout", "recurrent_dropout"):
        rate = getattr(case, name)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            return name, "must be a rate in [0, 1)"
    if case.training and not (case.dropout or case.recurrent_dropout):
        return "training", "training=True changes nothing without dropout (set a rate)"
    if case.training and case.activation == "relu":
        return "training", "relu's zero region can hide dropout entirely; take another activation"
    if case.training and (case.stateful or case.predict):
        return "training", "a training call is a single direct call (not stateful, not predict)"
    if case.predict and case.call_batch is not None:
        return "predict", "a call with another batch size is a direct call"
    if case.dtype not in DTYPES:
        return "dtype", f"expected one of {DTYPES}"
    return None


def _state_problem(case: Case) -> tuple[str, str] | None:
    if case.initial_state is not None and case.initial_state not in INITIAL_STATES:
        return "initial_state", f"expected one of {INITIAL_STATES} or None"
    if case.state_form not in STATE_FORMS:
        return "state_form", f"expected one of {STATE_FORMS}"
    if case.call_batch is not None and not case.stateful:
        return "call_batch", "only a stateful case is called with another batch size"
    if case.call_batch is not None and (
        type(case.call_batch) is not int or case.call_batch < 1 or case.call_batch == case.batch
    ):
        return "call_batch", "must be a positive int other than the batch size"
    if case.stateful and case.initial_state is not None:
        return "initial_state", "a stateful case starts from its stored states (zeros)"
    if case.initial_state is None and case.state_form != "keyword":
        return "state_form", "only a case with an initial state says how it is passed"
    return None


def _mask_problem(case: Case) -> tuple[str, str] | None:
    if case.mask is not None and case.mask not in MASK_PATTERNS:
        return "mask", f"unknown mask pattern, expected one of {MASK_PATTERNS} or None"
    if case.mask_via not in MASK_VIA:
        return "mask_via", f"expected one of {MASK_VIA}"
    if case.mask is None and case.mask_via != "layer":
        return "mask_via", "only a masked case says how its mask is given (leave 'layer')"
    if case.mask is None and case.zero_output_for_mask:
        return "zero_output_for_mask", "only meaningful with a mask"
    if case.mask == "hole" and case.timesteps < 3:
        return "mask", "a hole in the middle needs at least 3 timesteps"
    if case.mask in ("right", "left") and case.timesteps < 2:
        return "mask", "padding needs at least 2 timesteps (use 'row' to mask a whole row)"
    if case.mask in ("right", "left") and case.batch < 2:
        return "mask", "padding to different lengths needs at least 2 rows (one would be unpadded)"
    return None

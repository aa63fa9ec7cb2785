"""The oracle: Keras' recurrent layers reimplemented from the equations, in NumPy.

It never imports TensorFlow or Keras and shares no code with the Keras runner;
it reads only the case, its input and its weight specification. float64.

Equations (x: input at a step, h/c: state, W/U/b per gate, sigma the logistic):
  SimpleRNN  h = tanh(x W + h U + b)
  LSTM       i, f, o = sigma(x W_g + h U_g + b_g);  g = tanh(x W_c + h U_c + b_c)
             c = f c + i g;  h = o tanh(c)
  GRU        z, r = sigma(x W_g + b_g + h U_g + b'_g)
             reset_after:  n = tanh(x W_h + b_h + r (h U_h + b'_h))
             reset_before: n = tanh(x W_h + b_h + (r h) U_h)
             h = z h + (1 - z) n
go_backwards walks the steps from last to first and returns the outputs in
walking order. Bidirectional runs a copy going the other way, flips its output
sequence back to input order, merges, and appends the forward states, then the
backward states.

Masks (Keras 2.12-2.15 and 3.x, every backend's generic loop, initial states 0;
keras/src/backend/*/rnn.py `rnn()`, Keras 2 `keras/backend.py` `rnn()`):
- a masked step leaves every state as it was (h, and c for LSTM): the final
  states are those of a run over the row's real steps only;
- the output at a masked step is the previous step's output, zeros before the
  first real step (so left padding and a fully masked row output 0); with
  zero_output_for_mask it is 0;
- the "last" output (return_sequences=False) is the output at the last step
  walked: the last real step's output carried forward, or 0 under
  zero_output_for_mask when the last step walked is masked (also for
  return_sequences=False, whatever Keras' docstring says: keras-team/keras#17596);
- go_backwards reverses the mask with the inputs; the backward copy of
  Bidirectional gets the same mask and walks it the other way;
- Bidirectional sets zero_output_for_mask = return_sequences on both copies,
  overriding the layer's own setting (`Bidirectional.__init__`);
- a Masking layer masks a step whose features all equal its mask_value; what
  the masked steps hold never matters, since they are skipped;
- an Embedding(mask_zero=True) in front masks a step whose token is 0, and hands
  the layer its table's row of each token (cases/embedding.py: the rows are the
  case's input, token 0 exactly where its pattern masks): the same rules.

stateful=True: each call starts from the states the previous call left (the
final states, which a masked step keeps), and reset_states() sets them to 0.
A call with a batch of another size has no values to predict: the states
belong to the rows of the fixed batch, and Keras must refuse it.

A user's model (check-model): `layer_outputs` computes one call of one layer
on the input, mask, initial states and weights the model gave it.

unroll=True changes how Keras runs the loop, not what it computes: the same
rules hold, and the oracle has no unrolled variant.

Constructor options (keras/src/layers/rnn/{simple_rnn,lstm,gru}.py, Keras 2 the same):
- use_bias=False: the layer has no bias variable; every bias above is 0;
- `activation` replaces tanh where the equations have it (SimpleRNN's h, LSTM's
  g and tanh(c), GRU's n); `recurrent_activation` replaces sigma in the gates
  (LSTM i, f, o; GRU z, r). hard_sigmoid is defined differently by the Keras
  majors (`activation()` below says how), the others alike;
- unit_forget_bias (LSTM, default True) starts the forget block of the bias at
  1 instead of the bias initializer's value; assigned weights are unaffected;
- dropout / recurrent_dropout act only in training: at inference (a direct call
  with training False, or predict) the layer computes as without them. With
  training=True the masks are random; no values are predicted (check.py judges
  their effect instead);
- dtype: the oracle always computes in float64; a lower precision shows in the
  tolerance only (check.py `tolerance`).

Model paths (keras/src/layers/rnn/{rnn,bidirectional}.py, Keras 2 the same):
- a dynamic time axis (Input(shape=(None, D))) changes nothing in a call: the
  model called at T and then at a longer length computes each as a model of
  that fixed length would, from zero states (a layer that is not stateful
  keeps nothing between calls); a mask is drawn for each length;
- an explicit backward_layer is a layer of its own type and units
  (cases/paths.py): it walks the other way, its outputs are flipped to input
  order, concat joins the two widths (U_fwd + U_bwd), sum, mul and ave
  broadcast a width of 1 to the other's (ops.add / ops.multiply), and with return_state the
  states are the forward layer's, then the backward layer's own ([h, c] for an
  LSTM, [h] otherwise);
- a stack feeds each layer the whole output sequence of the layer below
  (return_sequences=True; a bidirectional lower layer concatenated), and each
  layer is masked by the input's mask (a sequence output hands it on); the
  case's own layer is the top, and only its outputs are returned. Each layer
  has its own weights (cases/weights.py, by depth);
- saving and loading, and get_config / from_config with the weights set,
  change nothing: the same values are expected (and equal to the original's
  bit for bit, cases/signature.expected_facts).

Initial states (`initial_state=`): the list is the layer's states in order
([h] or LSTM's [h, c]); Bidirectional gives the first half (len // 2) to the
forward copy and the rest to the backward copy: the forward layer's own states,
also beside an LSTM backward layer with one more. The states start from them; the
output before the first real step of a masked row is still 0, not h0, on the
TensorFlow and torch backends and Keras 2 (JAX's and NumPy's loops start it
at h0: a backend difference, docs/notes/masks-and-states.md R1.2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnn_shapes.cases.case import Case
from rnn_shapes.cases.inputs import inputs
from rnn_shapes.cases.masks import mask_of
from rnn_shapes.cases.paths import direction_case, layer_cases, longer
from rnn_shapes.cases.states import N_STATES, initial_states
from rnn_shapes.cases.weights import GateWeights, direction_weights

Fn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Held:
    """The dtype the oracle holds every value in, and a relative jitter of the weights
    (each entry times 1 + jitter or 1 - jitter, alternately): float64 and no jitter
    are the oracle itself; a lower precision, with or without a jitter of its unit
    roundoff, is a run that rounds as a Keras run might (`rounding_spread`)."""

    dtype: type[np.floating] = np.float64
    jitter: float = 0.0


EXACT = Held()


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _hard_sigmoid(slope: float) -> Fn:
    """The piecewise-linear sigmoid: clip(slope * a + 1/2, 0, 1)."""
    return lambda a: np.clip(slope * a + 0.5, 0.0, 1.0)


# Activations by name, as defined by each Keras major where they differ.
# hard_sigmoid: Keras 2 (2.12-2.15, tf-keras) clip(0.2 a + 0.5, 0, 1), flat
# beyond |a| = 2.5 (keras/backend.py hard_sigmoid); Keras 3 clip(a / 6 + 0.5, 0, 1),
# flat beyond |a| = 3 (keras/src/activations/activations.py hard_sigmoid, since 3.0).
ACTIVATIONS: dict[str, Fn] = {
    "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, 0.0),
    "sigmoid": _sigmoid,
    "linear": lambda a: a,
}
HARD_SIGMOID_SLOPE = {2: 0.2, 3: 1.0 / 6.0}


def activation(name: str, keras_major: int) -> Fn:
    """The activation `name` as the given Keras major defines it."""
    if name == "hard_sigmoid":
        return _hard_sigmoid(HARD_SIGMOID_SLOPE[min(max(keras_major, 2), 3)])
    return ACTIVATIONS[name]


@dataclass(frozen=True)
class Step:
    """One step's arithmetic: the weights of one direction and the two activations
    (`act` for the candidate and the output, `ract` for the gates)."""

    w: dict[str, GateWeights]
    act: Fn
    ract: Fn


def _step_simple(x: np.ndarray, s: list[np.ndarray], k: Step) -> list[np.ndarray]:
    g = k.w["h"]
    return [k.act(x @ g.kernel + s[0] @ g.recurrent + g.bias)]


def _step_lstm(x: np.ndarray, s: list[np.ndarray], k: Step) -> list[np.ndarray]:
    h, c = s
    pre = {name: x @ g.kernel + h @ g.recurrent + g.bias for name, g in k.w.items()}
    c = k.ract(pre["f"]) * c + k.ract(pre["i"]) * k.act(pre["c"])
    return [k.ract(pre["o"]) * k.act(c), c]


def _step_gru(x: np.ndarray, s: list[np.ndarray], k: Step) -> list[np.ndarray]:
    h = s[0]
    zg, rg, hg = k.w["z"], k.w["r"], k.w["h"]
    if hg.recurrent_bias is not None:  # reset_after
        z = k.ract(x @ zg.kernel + zg.bias + h @ zg.recurrent + zg.recurrent_bias)
        r = k.ract(x @ rg.kernel + rg.bias + h @ rg.recurrent + rg.recurrent_bias)
        n = k.act(x @ hg.kernel + hg.bias + r * (h @ hg.recurrent + hg.recurrent_bias))
    else:
        z = k.ract(x @ zg.kernel + zg.bias + h @ zg.recurrent)
        r = k.ract(x @ rg.kernel + rg.bias + h @ rg.recurrent)
        n = k.act(x @ hg.kernel + hg.bias + (r * h) @ hg.recurrent)
    return [z * h + (1.0 - z) * n]


_STEPS = {"SimpleRNN": _step_simple, "LSTM": _step_lstm, "GRU": _step_gru}


def masked_step(
    real: np.ndarray, new: list[np.ndarray], old: list[np.ndarray], out: np.ndarray, zero: bool
) -> tuple[list[np.ndarray], np.ndarray]:
    """(states, output) at one step of a masked row set: `real` (B, 1) says which rows
    have a real step here; the others keep their states and repeat their last output
    (or output 0 under zero_output_for_mask)."""
    states = [np.where(real, n, o) for n, o in zip(new, old, strict=True)]
    held = np.zeros_like(out) if zero else out
    return states, np.where(real, new[0], held)


def run_direction(
    case: Case,
    x: np.ndarray,
    direction: int,
    backwards: bool,
    mask: np.ndarray | None = None,
    zero_output: bool = False,
    start: list[np.ndarray] | None = None,
    keras_major: int = 3,
    depth: int = 0,
    weights: dict[str, GateWeights] | None = None,
    precision: Held = EXACT,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """One pass of the layer `case` describes (its own type and units: see
    cases/paths.py): outputs (B, T, U) in walking order, and the final states.
    `weights`, when given, are the direction's own (a user's model), else the case's.
    `precision`: the dtype every value is held in (float64; float32 for the
    yardstick of how far rounding alone can move a case, `rounding_spread`)."""
    arith = Step(
        _held(direction_weights(case, direction, depth) if weights is None else weights, precision),
        activation(case.activation, keras_major),
        activation(case.recurrent_activation, keras_major),
    )
    step = _STEPS[case.layer]
    n = N_STATES[case.layer]
    dtype = precision.dtype
    x = np.asarray(x, dtype=dtype)
    if start is None:
        states = [np.zeros((x.shape[0], case.units), dtype=dtype) for _ in range(n)]
    else:
        states = [np.asarray(s, dtype=dtype) for s in start]
    out = np.zeros((x.shape[0], case.units), dtype=dtype)
    order = range(x.shape[1] - 1, -1, -1) if backwards else range(x.shape[1])
    outs = []
    for t in order:
        new = [np.asarray(s, dtype=dtype) for s in step(x[:, t, :], states, arith)]
        if mask is None:
            states, out = new, new[0]
        else:
            states, out = masked_step(mask[:, t, None], new, states, out, zero_output)
        outs.append(out)
    return np.stack(outs, axis=1), states


Start = tuple[list | None, list | None]  # a layer's start states: forward, backward


def _held(weights: dict[str, GateWeights], precision: Held) -> dict[str, GateWeights]:
    """The weights as `precision` holds them (the same arrays for the oracle itself)."""
    if precision == EXACT:
        return weights

    def cast(a: np.ndarray | None) -> np.ndarray | None:
        if a is None:
            return None
        signs = np.where(np.arange(a.size) % 2 == 0, 1.0, -1.0).reshape(a.shape)
        return (a * (1.0 + precision.jitter * signs)).astype(precision.dtype)

    return {
        name: GateWeights(cast(g.kernel), cast(g.recurrent), cast(g.bias), cast(g.recurrent_bias))  # type: ignore[arg-type]
        for name, g in weights.items()
    }


def run_oracle(
    case: Case,
    x: np.ndarray | None = None,
    keras_major: int = 3,
    precision: Held = EXACT,
) -> tuple[np.ndarray, ...] | None:
    """The outputs of `case` in Keras' order, float64 (or as `precision` holds them),
    with the activations as `keras_major` defines them; None when the values are
    drawn at random.

    A model with a stateful layer is called three times: on its input from zero
    states (or the initial states it is given); on its input reversed in time (a
    dynamic-time case's longer input), each stateful layer from the states the
    first call left (or as `_next_start` says), each other one from its start
    again; and after a reset on its input again. Its outputs are the three
    calls' outputs in turn.
    """
    if case.call_batch is not None:
        return ()  # no values: Keras must refuse another batch size (signature rule)
    if case.training:
        return None  # dropout masks are random: judged by their effects (check.py)
    x = np.asarray(inputs(case) if x is None else x, dtype=precision.dtype)
    if x.ndim != 3 or x.shape[2] != case.features:
        raise ValueError(f"case {case.id}: input shape {x.shape} is not (B, T, {case.features})")
    init = initial_states(case)
    n = N_STATES[case.layer]
    start: Start = (None, None) if init is None else (init[:n], init[n:])
    zeros: Start = (None, None)
    given = [*[zeros] * len(case.stack), start]  # each layer's, input first
    first, carried = _model_call(case, x, given, keras_major, precision)
    if case.dynamic_time and not case.keeps_states:  # a longer sequence, from zero states
        second_call = longer(case)
        second, _ = _model_call(second_call, inputs(second_call), given, keras_major, precision)
        return (*first, *second)
    if not case.keeps_states:
        return first
    after = [  # a stateful layer goes on from its states, the others from their start
        _next_start(ended, begun, keras_major) if layer.stateful else begun
        for (layer, _), ended, begun in zip(layer_cases(case), carried, given, strict=True)
    ]
    if case.dynamic_time:
        second_call = longer(case)
        second, _ = _model_call(second_call, inputs(second_call), after, keras_major, precision)
    else:
        second, _ = _model_call(case, x[:, ::-1], after, keras_major, precision)
    # after a reset: zeros, or the states given
    third, _ = _model_call(case, x, given, keras_major, precision)
    return (*first, *second, *third)


# The dtypes the oracle is held in to see how far rounding moves a case computed in
# each dtype, with their significant bits: float32 always (the first-order measure:
# a recurrence amplifies every rounding alike, scaled by the unit roundoff), and for a
# half precision NumPy's float16 too (past first order, a half precision's own
# roundings change the trajectory). float32 stands in for float64 (and float64 itself,
# its weights jittered, where float32 overflows), and float16 for bfloat16, which NumPy
# lacks: the same yardstick wherever the judge runs.
HELD: dict[str, tuple[tuple[type[np.floating], int], ...]] = {
    "float64": ((np.float32, 24), (np.float64, 53)),
    "float32": ((np.float32, 24),),
    "float16": ((np.float32, 24), (np.float16, 11)),
    "bfloat16": ((np.float32, 24), (np.float16, 11)),
}


def rounding_spread(
    case: Case,
    keras_major: int = 3,
    dtype: str = "float32",
    exact: tuple[np.ndarray, ...] | None = None,
) -> tuple[np.ndarray, ...] | None:
    """How far rounding alone moves each output value of `case` computed in `dtype`,
    in float32's units: |the oracle held in a lower precision - the oracle in
    float64|, scaled by that precision's unit roundoff against float32's, the largest
    over HELD[dtype] and three runs in each (the weights as they are, and jittered
    either way by what rounding can move a step's dot product by, its D + U terms
    times the unit roundoff: one run's rounding can cancel by chance where another's
    does not). A recurrence that explodes (linear or relu, large weights) or
    runs chaotic amplifies one rounding of an early step into a large change of a
    later value; this measures the amplification for the case's own weights and
    inputs, where a tolerance fixed by shape cannot (tolerance.spread_allowance
    scales it back to the compute dtype). None or () as run_oracle gives them.
    `exact`: the case's oracle, where the caller has it already."""
    exact = run_oracle(case, keras_major=keras_major) if exact is None else exact
    if not exact:
        return exact
    spreads = []
    top = layer_cases(case)[-1][0]
    terms = top.features + top.units  # a step's dot products: rounding moves each by up to n u
    for dtype_held, bits in HELD[dtype]:
        for jitter in (0.0, terms * 2.0**-bits, -terms * 2.0**-bits):  # three runs apart
            with np.errstate(invalid="ignore", over="ignore"):
                held = run_oracle(case, keras_major=keras_major, precision=Held(dtype_held, jitter))
                assert held is not None
                spreads.append(
                    [
                        _moved(h.astype(np.float64), e) * 2.0 ** (bits - 24)
                        for h, e in zip(held, exact, strict=True)
                    ]
                )
    return tuple(np.maximum.reduce(per_output) for per_output in zip(*spreads, strict=True))


def _moved(held: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """|held - exact| where the held run stayed finite; 0 where it overflowed: a value
    beyond a dtype's range is the overflow rule's to judge (tolerance.LARGEST), not
    rounding's."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(held), np.abs(held - exact), 0.0)


def _next_start(carried: Start, given: Start, keras_major: int) -> Start:
    """Where a stateful layer's next call starts, per direction: the states it
    stored; given initial states instead in Keras 3 (RNN.call takes them whenever
    passed), and in Keras 2 only while the stored states are all zero (tf-keras
    base_rnn.py `_process_inputs`: "Use the recorded state if it is not same as
    the default")."""

    def start(kept: list | None, states: list | None) -> list | None:
        if states is None or kept is None:
            return kept
        if keras_major < 3 and any(np.any(s != 0) for s in kept):
            return kept
        return states

    return start(carried[0], given[0]), start(carried[1], given[1])


def _model_call(
    case: Case,
    x: np.ndarray,
    starts: list[Start],
    keras_major: int,
    precision: Held = EXACT,
) -> tuple[tuple[np.ndarray, ...], list[Start]]:
    """The whole model once, each layer from its start states (input first): each
    layer of the stack in turn feeds its sequence (its first output) to the next,
    every layer masked by the input's mask (a sequence output hands it on); the
    case's own layer last. Its outputs, and the states each layer ended with."""
    ended: list[Start] = []
    for (layer, depth), start in zip(layer_cases(case), starts, strict=True):
        outs, states = layer_call(layer, x, start, keras_major, depth, precision=precision)
        ended.append(states)
        x = outs[0]
    return outs, ended


@dataclass(frozen=True)
class Given:
    """What a user's model gives a layer instead of the case's own: each direction's
    weights (forward first) and the mask it receives (None: no mask)."""

    weights: tuple[dict[str, GateWeights], ...]
    mask: np.ndarray | None


def layer_outputs(
    case: Case,
    x: np.ndarray,
    given: Given,
    start: tuple[list | None, list | None] = (None, None),
    keras_major: int = 3,
) -> tuple[np.ndarray, ...]:
    """One call of the layer `case` describes on the input, mask, initial states and
    weights a model gave it (check-model): the same equations and rules as a case's."""
    x = np.asarray(x, dtype=np.float64)
    outputs, _ = layer_call(case, x, start, keras_major, given=given)
    return outputs


def layer_call(
    case: Case,
    x: np.ndarray,
    start: tuple[list | None, list | None],
    keras_major: int = 3,
    depth: int = 0,
    given: Given | None = None,
    precision: Held = EXACT,
) -> tuple[tuple[np.ndarray, ...], tuple[list, list | None]]:
    """One call of one layer: its outputs, and the final states of each direction."""
    mask = mask_of(case) if given is None else given.mask
    weights = (None, None) if given is None else given.weights
    # Bidirectional forces zero_output_for_mask to return_sequences on both copies
    zero = case.return_sequences if case.bidirectional else case.zero_output_for_mask
    seq, states = run_direction(
        case,
        x,
        0,
        case.go_backwards,
        mask,
        zero,
        start[0],
        keras_major,
        depth,
        weights[0],
        precision,
    )
    out = seq if case.return_sequences else seq[:, -1]
    kept = states if case.return_state else []
    if not case.bidirectional:
        return (out, *kept), (states, None)
    bseq, bstates = run_direction(
        direction_case(case, 1),
        x,
        1,
        not case.go_backwards,
        mask,
        zero,
        start[1],
        keras_major,
        depth,
        weights[1],
        precision,
    )
    bout = flip_time(bseq) if case.return_sequences else bseq[:, -1]
    bkept = bstates if case.return_state else []
    merged = _merge(case.merge_mode, out, bout)
    return (*merged, *kept, *bkept), (states, bstates)


def flip_time(seq: np.ndarray) -> np.ndarray:
    """Put a backward pass's outputs back in input order."""
    return seq[:, ::-1]


def _merge(mode: str | None, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
    if mode is None:
        return (a, b)
    if mode == "concat":
        return (np.concatenate([a, b], axis=-1),)
    if mode == "sum":
        return (a + b,)
    if mode == "mul":
        return (a * b,)
    if mode == "ave":
        return ((a + b) / 2.0,)
    raise ValueError(f"unknown merge mode {mode!r}")

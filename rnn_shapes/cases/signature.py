"""What a case must return, from the documented rules alone.

The arity, order and shape of the outputs follow from the layer type and the
flags; no Keras and no arithmetic is involved. One rule depends on the Keras
major version: Keras 3 refuses Bidirectional around a go_backwards layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_shapes.cases.axes import LONGER_BY, STATE_NAMES, Constant
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.masks import mask_of, mask_text
from rnn_shapes.cases.paths import backward_case, longer


@dataclass(frozen=True)
class Signature:
    """Names and shapes of the outputs, in the order Keras returns them."""

    names: tuple[str, ...]
    shapes: tuple[tuple[int | None, ...], ...]  # None: unknown (symbolic outputs)

    @property
    def arity(self) -> int:
        return len(self.names)

    def names_of(self, n: int) -> tuple[str, ...]:
        """The names of `n` outputs: these, or plain numbers where Keras returned
        another number of outputs than the rules say (that arity problem is said
        apart)."""
        return self.names if n == self.arity else tuple(f"output {i} of {n}" for i in range(n))


def state_names(layer: str) -> tuple[str, ...]:
    """The states a layer returns with return_state: LSTM has a cell state too."""
    return STATE_NAMES[layer]


def signature(case: Case) -> Signature:
    """A model with a stateful layer returns its three calls' outputs one after the
    other (the second at the longer length for a dynamic-time case), a dynamic-time
    case its two calls' (at T, then at the longer second length); one called with
    another batch size, that call's outputs (if Keras runs it)."""
    if case.call_batch is not None:
        return _one_call(case, case.call_batch, case.timesteps)
    one = _one_call(case, case.batch, case.timesteps)
    t2 = longer(case).timesteps if case.dynamic_time else case.timesteps
    second = _one_call(case, case.batch, t2)
    if case.keeps_states:
        names = tuple(f"call{k} {n}" for k in (1, 2, 3) for n in one.names)
        return Signature(names, one.shapes + second.shapes + one.shapes)
    if case.dynamic_time:
        names = tuple(f"T{t} {n}" for t in (case.timesteps, t2) for n in one.names)
        return Signature(names, one.shapes + second.shapes)
    return one


def _one_call(case: Case, b: int | None, t: int | None) -> Signature:
    """One call's outputs. Bidirectional's directions have their own units and
    states when the backward layer is given (an LSTM's h and c, a GRU's h)."""
    u = case.units
    lead = (b, t) if case.return_sequences else (b,)
    states = state_names(case.layer) if case.return_state else ()
    if not case.bidirectional:
        names = ("output", *states)
        shapes = ((*lead, u), *tuple((b, u) for _ in states))
        return Signature(names, shapes)
    back = backward_case(case)
    bu = back.units
    bstates = state_names(back.layer) if case.return_state else ()
    outputs: tuple[tuple[str, tuple[int | None, ...]], ...]
    if case.merge_mode is None:
        outputs = (("forward_output", (*lead, u)), ("backward_output", (*lead, bu)))
    else:
        # an elementwise merge broadcasts a width of 1 (cases/rules.py _backward_units)
        width = u + bu if case.merge_mode == "concat" else max(u, bu)
        outputs = (("output", (*lead, width)),)
    both = tuple(("forward_" + s, (b, u)) for s in states)
    both += tuple(("backward_" + s, (b, bu)) for s in bstates)
    pairs = outputs + both
    return Signature(tuple(n for n, _ in pairs), tuple(s for _, s in pairs))


def symbolic_signature(case: Case) -> Signature:
    """What the functional model says its outputs are before it runs: one call's
    outputs, the batch unknown (None) unless a layer is stateful (the model's batch
    is declared), the time axis unknown for a dynamic-time input."""
    b = case.batch if case.keeps_states else None
    return _one_call(case, b, None if case.dynamic_time else case.timesteps)


def calls(case: Case) -> int:
    """How many calls a case's outputs come from (a model with a stateful layer three,
    a dynamic-time case two)."""
    if case.call_batch is not None:
        return 1
    return 3 if case.keeps_states else 2 if case.dynamic_time else 1


# The dtype of every output and state: the layer's compute dtype. A mixed policy
# keeps float32 variables and computes in its half-precision dtype (Keras 2 and 3
# mixed-precision guides: "mixed_float16" computes in float16).
OUTPUT_DTYPES = {
    "float32": "float32",
    "float64": "float64",
    "mixed_float16": "float16",
    "mixed_bfloat16": "bfloat16",
}


def output_dtype(case: Case, backend: str = "tensorflow") -> str:
    """The compute dtype of the case's layer on `backend`.

    JAX computes in float32 unless `jax_enable_x64` is set at start-up (JAX's
    documented default, "Double (64bit) precision" in its sharp bits; Keras 3
    does not set it, nor does this harness): a float64 layer on JAX holds and
    returns float32.
    """
    if backend == "jax" and case.dtype == "float64":
        return "float32"
    return OUTPUT_DTYPES[case.dtype]


def symbolic_dtype(case: Case) -> str:
    """The dtype the built model's symbolic outputs say: the dtype policy's compute
    dtype, on every backend. Keras' policy knows nothing of JAX's x64 flag, so
    on JAX a float64 layer says float64 and returns float32 (output_dtype): the
    symbolic and the eager dtypes part there by rule."""
    return OUTPUT_DTYPES[case.dtype]


def expected_facts(case: Case) -> dict[str, bool] | None:
    """What a run must show beside its values (None: nothing more than values).

    Training with dropout (values random):
    - repeatable: two fresh models with the same seed give the same numbers
      (Keras 3 layers take `seed=`; the runner also sets the global seed, which
      Keras 2's dropout masks draw from);
    - differs_from_inference: dropout had an effect. Dropout on the inputs has,
      unless the kernel it feeds is all zeros (Constant(kernel=0)); recurrent
      dropout multiplies the previous state, which is zero at the first step, so
      it shows only over more than one step (the longest call counts: a dynamic
      time axis's second call is longer), from a non-zero initial state or a
      stateful layer's carried one, and not through an all-zero recurrent
      kernel or from a state that never leaves 0 (`state_stays_zero`). Where
      every step is masked (one row, masked) no step is computed: nothing
      shows. Under relu it is not asserted: a unit whose pre-activations are
      negative with and without the dropped entries gives 0 either way, so
      whether any output changes depends on the values (recorded, not judged);
      so can gates that saturate, where every value at inference is within one
      float32 step of ±1 (the judge asks the oracle: judge.py `_saturation_hides`).
    Through Model.predict:
    - container_as_call, values_as_call: predict packs the outputs as the direct
      call does, and its values are the direct call's within
      tolerance.values_as_call (one model, one input).
    Saved and loaded (or rebuilt from its config with the weights set):
    - identical_to_original: the loaded model's outputs equal the original's
      bit for bit (the weights and the computation survive the round trip); for
      a training case, its inference call's, and the training facts above are
      the loaded models'.
    """
    facts: dict[str, bool] = {}
    if case.training:
        facts["repeatable"] = True
        if case.activation != "relu":  # relu's zero region can hide dropout: not asserted
            facts["differs_from_inference"] = _dropout_shows(case)
    if case.predict:
        facts |= {"container_as_call": True, "values_as_call": True}
    if case.save is not None:
        facts["identical_to_original"] = True
    return facts or None


# Activations that give 0 at 0 (sigmoid and hard_sigmoid give 1/2)
ZERO_AT_ZERO = ("tanh", "relu", "linear")


def _leaves_zero(layer: str, act: str, ract: str) -> bool:
    """Whether a step from zero states with a zero input projection (no kernel, no
    bias) gives a non-zero state: SimpleRNN's act(0) and GRU's (1 - z) act(0) need
    act(0) != 0; an LSTM's c = i act(0) and h = o act(c) also need its gates open,
    ract(0) != 0."""
    if act in ZERO_AT_ZERO:
        return False
    return layer != "LSTM" or ract not in ZERO_AT_ZERO


def state_stays_zero(case: Case) -> bool:
    """The case's own layer: a zero kernel (nothing below reaches it), no (or a zero)
    bias and zero start states where no direction's step leaves 0 from 0
    (`_leaves_zero`): the state never leaves 0. A stateful layer that starts from
    zeros carries zeros."""
    w = case.weights
    quiet = isinstance(w, Constant) and w.kernel == 0 and (w.bias == 0 or not case.use_bias)
    started = case.initial_state is not None
    layers = {case.layer, case.backward_layer or case.layer}
    moves = any(_leaves_zero(layer, case.activation, case.recurrent_activation) for layer in layers)
    return quiet and not started and not moves


def _dropout_shows(case: Case) -> bool:
    """Whether a training call's dropout changes the outputs (expected_facts says why)."""
    if case.mask == "row" and case.batch == 1:  # every step masked: nothing is computed
        return False
    constant = case.weights if isinstance(case.weights, Constant) else None
    inputs = case.dropout > 0 and not (constant is not None and constant.kernel == 0)
    longest = case.timesteps + (LONGER_BY if case.dynamic_time else 0)
    earlier_state = longest > 1 or case.initial_state is not None or case.stateful
    recurrent_zero = constant is not None and constant.recurrent == 0
    quiet = recurrent_zero or state_stays_zero(case)  # nothing for recurrent dropout to drop
    return inputs or (case.recurrent_dropout > 0 and earlier_state and not quiet)


def _unequal_merge(case: Case) -> bool:
    """An elementwise merge of an explicit backward layer of another width."""
    return (
        case.backward_layer is not None
        and case.merge_mode in ("sum", "mul", "ave")
        and case.backward_units != case.units
    )


def _odd_states(case: Case) -> bool:
    """A bidirectional case whose two layers have an odd number of states together."""
    if not case.bidirectional:
        return False
    return (len(state_names(case.layer)) + len(state_names(backward_case(case).layer))) % 2 == 1


SEQUENCE_OUTPUTS = ("output", "forward_output", "backward_output")


def expected_masks(case: Case, mask: np.ndarray | None = None) -> tuple[str | None, ...] | None:
    """The mask Keras hands on with each output of a masked case (None: unmasked case).

    `RNN.compute_mask` and `Bidirectional.compute_mask`, Keras 2 and 3: a
    sequence output carries the input's mask, as given: under go_backwards the
    output runs backwards in time and its mask does not; a last output and
    the states carry none. In a stack the top layer's input mask is the one
    the layers below handed on: the model input's. A dynamic-time case's second
    call carries the mask of its own length (a stateful one's third call, after a
    reset, the first's). `mask`, when given, is the one the layer was given
    instead of the case's own (a user's model).
    """
    if case.mask is None:
        return None
    texts = [mask_text(_mask(case) if mask is None else mask)]
    if case.dynamic_time:
        texts.append(mask_text(_mask(longer(case))))
        texts += texts[:1] if case.keeps_states else []
    names = signature(case).names
    per_call = len(names) // calls(case)
    return tuple(
        texts[min(i // per_call, len(texts) - 1)]
        if case.return_sequences and name.split(" ")[-1] in SEQUENCE_OUTPUTS
        else None
        for i, name in enumerate(names)
    )


def _mask(case: Case) -> np.ndarray:
    """The mask of a masked case (mask_of says None only of an unmasked one)."""
    mask = mask_of(case)
    assert mask is not None, case.id
    return mask


def expected_rejection(
    case: Case, keras_major: int, backend: str, keras_minor: int = 0
) -> str | None:
    """Why this Keras release refuses to build the case, or None if it builds it.

    Keras 2 builds the backward copy with go_backwards flipped; Keras 3 copies
    it as True and then refuses two layers that go the same way.

    A stateful layer keeps one state row per sample of its fixed batch, so a
    call with another batch size is refused (Keras docs, "stateful"): Keras 3's
    RNN.call checks the batch against its states (since 3.12.0; the Keras 3
    lines before it are not run yet), Keras 2's input spec checks the fixed
    batch of the layer's input shape first.

    An unrolled loop is written out step by step, so it needs the number of
    steps: Keras 2 traces the call when the model is built and refuses
    unroll=True on an input whose time axis is None: an LSTM or a GRU in
    `backend.rnn` ("Unrolling requires a fixed number of timesteps"), a SimpleRNN
    earlier, in RNN.call's input check (keras/layers/rnn/base_rnn.py
    `_process_inputs`: "Cannot unroll a RNN if the time dimension is undefined";
    LSTM and GRU have calls of their own). Keras 3 has a like check in
    `RNN.call` (rnn.py) but builds the model from `compute_output_shape`, and
    each eager call has its length: it runs. Through `Model.predict` on
    TensorFlow it does not: the predict function is a `tf.function` with
    `reduce_retracing=True` (keras/src/backend/tensorflow/trainer.py,
    make_predict_function), so a second call at another length retraces it
    with the time axis relaxed to None, and `RNN.call`'s check refuses it
    ("Cannot unroll a RNN if the time dimension is undefined"). A dynamic-time
    case's second call is such a call. JAX compiles each shape, torch runs eagerly.
    Keras 3 copies the go_backwards layer only when no backward layer is given:
    an explicit one that walks forwards is accepted.

    Bidirectional splits its initial states at half their number, the forward
    layer's first. Keras 2's Bidirectional.__call__ refuses an odd number before
    anything else ("the state should be a list containing the states of the
    underlying RNNs"); Keras 3's Bidirectional.call gives the forward layer
    `len // 2`, which a GRU or SimpleRNN forward layer beside an LSTM backward
    one takes (docs/notes/case-refusals.md).

    An elementwise merge (sum, mul, ave) of two widths where one is 1
    broadcasts up to Keras 3.15; from 3.16 Bidirectional.compute_output_shape
    checks the widths and refuses any two that differ ("The forward and backward
    layers must produce the same number of units", keras-team/keras#23687, which
    fixed the symbolic shapes of an explicit backward layer, keras#23688).

    Keras 2 takes initial states as tensors only ("The value of `initial_state`
    should be a tensor or list of tensors", keras/layers/rnn/base_rnn.py): a
    layer called on a model input with NumPy states refuses them in
    `backend.is_keras_tensor`. Keras 3 converts arrays like any input.
    """
    if keras_major >= 3 and case.bidirectional and case.go_backwards and not case.backward_layer:
        return "different `go_backwards`"
    if (keras_major, keras_minor) >= (3, 16) and _unequal_merge(case):
        return "The forward and backward layers must produce the same number of units"
    if keras_major < 3 and case.initial_state is not None and _odd_states(case):
        return "the state should be a list containing the states of the underlying RNNs"
    if keras_major < 3 and case.initial_state == "constant":  # refused at the call, first
        return "Expected a symbolic tensor instance"
    if keras_major < 3 and case.unroll and case.dynamic_time:
        if case.layer == "SimpleRNN":  # the forward layer's call comes first
            return "Cannot unroll a RNN if the time dimension is undefined"
        return "Unrolling requires a fixed number of timesteps"
    if case.unroll and case.dynamic_time and case.predict and backend == "tensorflow":
        return "Cannot unroll a RNN if the time dimension is undefined"
    if case.call_batch is not None:
        return "batch size" if keras_major >= 3 else "is incompatible with the layer"
    return None

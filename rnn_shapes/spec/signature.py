"""What a case must return, from the documented rules alone.

The arity, order and shape of the outputs follow from the layer type and the
flags; no Keras and no arithmetic is involved. One rule depends on the Keras
major version: Keras 3 refuses Bidirectional around a go_backwards layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnn_shapes.spec.case import Case
from rnn_shapes.spec.masks import mask_of, mask_text


@dataclass(frozen=True)
class Signature:
    """Names and shapes of the outputs, in the order Keras returns them."""

    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]

    @property
    def arity(self) -> int:
        return len(self.names)


def state_names(layer: str) -> tuple[str, ...]:
    """The states a layer returns with return_state: LSTM has a cell state too."""
    return ("h", "c") if layer == "LSTM" else ("h",)


def signature(case: Case) -> Signature:
    """A stateful case returns its three calls' outputs one after the other; one
    called with another batch size, that call's outputs (if Keras runs it)."""
    if case.call_batch is not None:
        return _one_call(case, case.call_batch)
    one = _one_call(case, case.batch)
    if not case.stateful:
        return one
    names = tuple(f"call{k} {n}" for k in (1, 2, 3) for n in one.names)
    return Signature(names, one.shapes * 3)


def _one_call(case: Case, b: int) -> Signature:
    t, u = case.timesteps, case.units
    lead = (b, t) if case.return_sequences else (b,)
    states = state_names(case.layer) if case.return_state else ()
    if not case.bidirectional:
        names = ("output", *states)
        shapes = ((*lead, u), *tuple((b, u) for _ in states))
        return Signature(names, shapes)
    if case.merge_mode is None:
        outputs = (("forward_output", (*lead, u)), ("backward_output", (*lead, u)))
    else:
        width = 2 * u if case.merge_mode == "concat" else u
        outputs = (("output", (*lead, width)),)
    both = tuple((f"{side}_{s}", (b, u)) for side in ("forward", "backward") for s in states)
    pairs = outputs + both
    return Signature(tuple(n for n, _ in pairs), tuple(s for _, s in pairs))


# The dtype of every output and state: the layer's compute dtype. A mixed policy
# keeps float32 variables and computes in its half-precision dtype (Keras 2 and 3
# mixed-precision guides: "mixed_float16" computes in float16).
OUTPUT_DTYPES = {
    "float32": "float32",
    "float64": "float64",
    "mixed_float16": "float16",
    "mixed_bfloat16": "bfloat16",
}


# Significant bits of each output dtype (the implicit leading bit included): its unit
# roundoff is 2^-bits, and one ULP at scale s is 2^(floor(log2 s) - bits + 1).
SIGNIFICANT_BITS = {"float64": 53, "float32": 24, "float16": 11, "bfloat16": 8}


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


def expected_facts(case: Case) -> dict[str, bool] | None:
    """What a training call with dropout must show (None: not a training case).

    - repeatable: two fresh models with the same seed give the same numbers
      (Keras 3 layers take `seed=`; the runner also sets the global seed, which
      Keras 2's dropout masks draw from);
    - differs_from_inference: dropout had an effect. Dropout on the inputs
      always has; recurrent dropout alone multiplies the previous state, which
      is zero at the first step, so on a single step it changes nothing.
    """
    if not case.training:
        return None
    only_recurrent = not case.dropout and case.recurrent_dropout > 0
    visible = not (only_recurrent and case.timesteps == 1 and case.initial_state is None)
    return {"differs_from_inference": visible, "repeatable": True}


SEQUENCE_OUTPUTS = ("output", "forward_output", "backward_output")


def expected_masks(case: Case) -> tuple[str | None, ...] | None:
    """The mask Keras hands on with each output of a masked case (None: unmasked case).

    `RNN.compute_mask` and `Bidirectional.compute_mask`, Keras 2 and 3: a
    sequence output carries the input's mask, as given: under go_backwards the
    output runs backwards in time and its mask does not; a last output and
    the states carry none.
    """
    if case.mask is None:
        return None
    text = mask_text(mask_of(case))
    sig = signature(case)
    return tuple(
        text if case.return_sequences and name.split(" ")[-1] in SEQUENCE_OUTPUTS else None
        for name in sig.names
    )


def expected_rejection(case: Case, keras_major: int) -> str | None:
    """Why this Keras major refuses to build the case, or None if it builds it.

    Keras 2 builds the backward copy with go_backwards flipped; Keras 3 copies
    it as True and then refuses two layers that go the same way.

    A stateful layer keeps one state row per sample of its fixed batch, so a
    call with another batch size is refused (Keras docs, "stateful"): Keras 3's
    RNN.call checks the batch against its states (since 3.12.0; the Keras 3
    lines before it are not run yet), Keras 2's input spec checks the fixed
    batch of the layer's input shape first.

    Keras 2 takes initial states as tensors only ("The value of `initial_state`
    should be a tensor or list of tensors", keras/layers/rnn/base_rnn.py): a
    layer called on a model input with NumPy states refuses them in
    `backend.is_keras_tensor`. Keras 3 converts arrays like any input.
    """
    if keras_major >= 3 and case.bidirectional and case.go_backwards:
        return "different `go_backwards`"
    if case.call_batch is not None:
        return "batch size" if keras_major >= 3 else "is incompatible with the layer"
    if keras_major < 3 and case.initial_state == "constant":
        return "Expected a symbolic tensor instance"
    return None

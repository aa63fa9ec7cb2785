"""What Keras computes where a listed defect shows, written from the oracle's
equations: an entry's `predicts` names one (defects.toml). Where the defect's values
are within the tolerance of the right ones, it cannot show on that case, so its not
showing there says nothing; everywhere else it must show (judge.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from rnn_shapes.cases.case import Case, Constant
from rnn_shapes.cases.embedding import table
from rnn_shapes.cases.inputs import inputs, second_inputs
from rnn_shapes.cases.masks import mask_of
from rnn_shapes.cases.paths import layer_cases
from rnn_shapes.cases.states import initial_states
from rnn_shapes.oracle import N_STATES, layer_call, run_oracle

Outputs = tuple[np.ndarray, ...] | None


def states_forgotten(case: Case, keras_major: int) -> Outputs:
    """A model whose stateful layers keep nothing between calls: each of the three
    calls starts every layer as one that is not stateful would (from zeros, or from
    the initial states given), so the second call is the model on its second input
    alone and the third repeats the first."""
    plain = replace(
        case,
        stateful=False,
        call_batch=None,
        stack=tuple(replace(lower, stateful=False) for lower in case.stack),
    )
    outs = run_oracle(plain, keras_major=keras_major)
    if not outs:
        return outs
    if case.dynamic_time:  # the plain model's two calls: at T, then the longer input
        n = len(outs) // 2
        first, second = outs[:n], outs[n:]
    else:
        first = outs
        second = run_oracle(plain, second_inputs(case), keras_major) or ()
    return (*first, *second, *first)


def masked_output_held(case: Case, keras_major: int) -> Outputs:
    """A layer whose masked steps repeat the previous output though it was asked to
    zero them: the layer without zero_output_for_mask. None for a Bidirectional one,
    whose copies the oracle zeroes as Bidirectional forces them to."""
    if case.bidirectional:
        return None
    return run_oracle(replace(case, zero_output_for_mask=False), keras_major=keras_major)


def implicit_mask_dropped(case: Case, keras_major: int) -> Outputs:
    """A top layer that runs every step unmasked while the layers below it are masked:
    the masked steps on what it is handed there (a Masking layer's zeros, an
    Embedding's row of token 0, a lower layer's output), from its initial states.
    None for a model called more than once (stateful, dynamic time)."""
    mask = mask_of(case)
    if mask is None or case.keeps_states or case.dynamic_time:
        return None
    x = inputs(case).astype(np.float64)
    layers = layer_cases(case)
    for layer, depth in layers[:-1]:  # masked, as the model masks them
        x = layer_call(layer, x, (None, None), keras_major, depth)[0][0]
    if not case.stack:  # what the layer in front hands on at a masked step
        x[~mask] = table(case.features)[0] if case.mask_via == "embedding" else 0.0
    top = replace(layers[-1][0], mask=None, mask_via="layer")
    states = initial_states(case) or []
    n = N_STATES[case.layer]
    start = (states[:n] or None, states[n:] or None)
    return layer_call(top, x, start, keras_major)[0]


def mask_dropped(case: Case, keras_major: int) -> Outputs:
    """A layer that loses the mask its input carries before it runs (a cast to its
    dtype policy): every step run, the masked ones on the Masking layer's zeros. None
    in a stack (which layers lose it depends on their policies), behind an Embedding
    (Keras 3.0-3.4 under a mixed policy compute other values there: not predicted) and
    for a model called more than once."""
    if case.stack or case.mask_via != "layer":
        return None
    return implicit_mask_dropped(case, keras_major)


def constants_as_float32(case: Case, keras_major: int) -> Outputs:
    """A layer whose Constant initializers hold float32's nearest values (0.1 as
    0.10000000149011612) though its variables are float64."""
    if not isinstance(case.weights, Constant):
        return None
    w = case.weights
    held = Constant(*(float(np.float32(v)) for v in (w.kernel, w.recurrent, w.bias)))
    return run_oracle(replace(case, weights=held), keras_major=keras_major)


PREDICTIONS: dict[str, Callable[[Case, int], Outputs]] = {
    "states-forgotten": states_forgotten,
    "masked-output-held": masked_output_held,
    "implicit-mask-dropped": implicit_mask_dropped,
    "mask-dropped": mask_dropped,
    "constants-as-float32": constants_as_float32,
}

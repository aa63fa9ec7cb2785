"""What Keras computes where a listed defect shows, written from the oracle's
equations: an entry's `predicts` names one (defects.toml). Where the defect's values
are within the tolerance of the right ones, it cannot show on that case, so its not
showing there says nothing; everywhere else it must show (judge.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from rnn_shapes.cases.case import Case
from rnn_shapes.cases.inputs import second_inputs
from rnn_shapes.oracle import run_oracle

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


PREDICTIONS: dict[str, Callable[[Case, int], Outputs]] = {
    "states-forgotten": states_forgotten,
    "masked-output-held": masked_output_held,
}

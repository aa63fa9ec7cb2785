"""Faults in the oracle: each a plausible mistake of a reimplementation.

Applied by patching one name of rnn_shapes.oracle (mock.patch.object) while the
oracle computes a case's expected values; live Keras then disagrees. Each comes
with the case it shows on. tests/test_mutations.py and `rnn-shapes selftest` both
run this catalogue.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnn_shapes import oracle as oracle_module
from rnn_shapes.cases.axes import TUTORIAL_CONSTANT, Constant
from rnn_shapes.cases.case import Case

SHAPE: dict[str, Any] = dict(
    units=3, batch=2, timesteps=5, features=2, return_sequences=True, return_state=True
)


# captured at import, before any test patches the module
REAL_WEIGHTS = oracle_module.direction_weights


def swapped(a: str, b: str):
    """direction_weights with gates a and b exchanged."""

    def mutated(case, direction, depth=0):
        w = dict(REAL_WEIGHTS(case, direction, depth))
        if a in w and b in w:
            w[a], w[b] = w[b], w[a]
        return w

    return mutated


def output_not_carried(real, new, old, out, zero):
    """A masked step outputs what the cell computed, as if the mask were not there."""
    return [np.where(real, n, o) for n, o in zip(new, old, strict=True)], new[0]


def state_not_held(real, new, old, out, zero):
    """A masked step updates the states: the carry across masked steps is dropped."""
    return new, np.where(real, new[0], 0.0 * out if zero else out)


REAL_MASKED_STEP = oracle_module.masked_step


def zero_output_ignored(real, new, old, out, zero):
    """zero_output_for_mask forgotten: a masked step carries the output instead of 0."""
    return REAL_MASKED_STEP(real, new, old, out, False)


REAL_CALL = oracle_module.layer_call


def stateful_carry_dropped(case, x, start, keras_major=3, depth=0, **kw):
    """Every call starts from zeros: the second call of a stateful case forgets the first."""
    return REAL_CALL(case, x, (None, None), keras_major, depth, **kw)


def forget_rule_ignored(case, direction, depth=0):
    """direction_weights with the forget block left at the bias initializer's value,
    as if unit_forget_bias were False."""
    w = dict(REAL_WEIGHTS(case, direction, depth))
    if "f" in w and isinstance(case.weights, Constant):
        f = w["f"]
        w["f"] = type(f)(f.kernel, f.recurrent, np.full_like(f.bias, case.weights.bias), None)
    return w


def directions_swapped(case, direction, depth=0):
    """direction_weights with the forward and backward copies exchanged."""
    return REAL_WEIGHTS(case, 1 - direction if case.bidirectional else direction, depth)


# name -> (the oracle's name that is patched, its replacement, the case it shows on)
ORACLE_FAULTS = {
    "lstm gates i<->f": ("direction_weights", swapped("i", "f"), Case(layer="LSTM", **SHAPE)),
    "lstm gates c<->o": ("direction_weights", swapped("c", "o"), Case(layer="LSTM", **SHAPE)),
    "gru gates z<->r": (
        "direction_weights",
        swapped("z", "r"),
        Case(layer="GRU", reset_after=True, **SHAPE),
    ),
    "no backward flip": (
        "flip_time",
        lambda seq: seq,
        Case(layer="GRU", reset_after=False, bidirectional=True, **SHAPE),
    ),
    "mask: output not carried": (
        "masked_step",
        output_not_carried,
        Case(layer="LSTM", mask="right", **SHAPE),
    ),
    "mask: state not held": (
        "masked_step",
        state_not_held,
        Case(layer="GRU", reset_after=True, mask="left", mask_via="call", **SHAPE),
    ),
    "mask: carried, not zeroed": (
        "masked_step",
        zero_output_ignored,
        Case(layer="SimpleRNN", mask="right", zero_output_for_mask=True, **SHAPE),
    ),
    "stateful: carry dropped": (
        "layer_call",
        stateful_carry_dropped,
        Case(layer="LSTM", stateful=True, **SHAPE),
    ),
    "hard_sigmoid: the other major's slope": (
        "HARD_SIGMOID_SLOPE",
        {2: 1.0 / 6.0, 3: 0.2},
        Case(layer="GRU", reset_after=True, recurrent_activation="hard_sigmoid", **SHAPE),
    ),
    "forget-bias rule ignored": (
        "direction_weights",
        forget_rule_ignored,
        Case(layer="LSTM", weights=TUTORIAL_CONSTANT, **SHAPE),
    ),
    "relu where tanh belongs": (
        "ACTIVATIONS",
        {**oracle_module.ACTIVATIONS, "tanh": lambda a: np.maximum(a, 0.0)},
        Case(layer="SimpleRNN", **SHAPE),
    ),
    "dropout applied at inference": (
        "direction_weights",
        lambda case, d, depth=0: {
            k: type(g)(g.kernel * (1 - case.dropout), g.recurrent, g.bias, g.recurrent_bias)
            for k, g in REAL_WEIGHTS(case, d, depth).items()
        },
        Case(layer="LSTM", dropout=0.5, **SHAPE),
    ),
    "directions swapped": (
        "direction_weights",
        directions_swapped,
        Case(layer="SimpleRNN", bidirectional=True, merge_mode=None, **SHAPE),
    ),
}

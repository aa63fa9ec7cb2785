"""Initial states of a case: non-zero, distinct per row, unit, state and direction.

Keras' order: the layer's states ([h] or LSTM's [h, c]); for Bidirectional the
forward layer's, then the backward layer's. Multiples of 1/1024 in (-1, 1), so
exact in float32, from integer arithmetic only.
"""

from __future__ import annotations

import numpy as np

from rnn_shapes.cases.axes import LAYERS
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.paths import backward_case
from rnn_shapes.cases.signature import state_names

N_STATES = {layer: len(state_names(layer)) for layer in LAYERS}  # [h], or LSTM's [h, c]


def state_units(case: Case) -> list[int]:
    """The units of each initial-state tensor the layer takes, both directions
    (an explicit backward layer has its own)."""
    units = [case.units] * N_STATES[case.layer]
    if case.bidirectional:
        back = backward_case(case)
        units += [back.units] * N_STATES[back.layer]
    return units


def initial_states(case: Case) -> list[np.ndarray] | None:
    """The (B, U) float32 initial states of `case` in Keras' order, or None (zeros)."""
    if case.initial_state is None:
        return None
    out = []
    for k, units in enumerate(state_units(case)):
        n = np.arange(case.batch * units, dtype=np.int64).reshape(case.batch, units)
        v = ((n * 389 + k * 211 + 97) % 1021 - 510) / 1024.0
        out.append(v.astype(np.float32))
    return out

"""Initial states of a case: non-zero, distinct per row, unit, state and direction.

Keras' order: the layer's states ([h] or LSTM's [h, c]); for Bidirectional the
forward layer's, then the backward layer's. Multiples of 1/1024 in (-1, 1), so
exact in float32, from integer arithmetic only.
"""

from __future__ import annotations

import numpy as np

from rnn_shapes.spec.case import LAYERS, Case
from rnn_shapes.spec.signature import state_names

N_STATES = {layer: len(state_names(layer)) for layer in LAYERS}  # [h], or LSTM's [h, c]


def state_count(case: Case) -> int:
    """How many initial-state tensors the layer takes (both directions)."""
    return N_STATES[case.layer] * (2 if case.bidirectional else 1)


def initial_states(case: Case) -> list[np.ndarray] | None:
    """The (B, U) float32 initial states of `case` in Keras' order, or None (zeros)."""
    if case.initial_state is None:
        return None
    out = []
    for k in range(state_count(case)):
        n = np.arange(case.batch * case.units, dtype=np.int64).reshape(case.batch, case.units)
        v = ((n * 389 + k * 211 + 97) % 1021 - 510) / 1024.0
        out.append(v.astype(np.float32))
    return out

"""What weights a case specifies, gate by gate, in float64.

This is part of the case's specification, like its input: both the oracle and
the Keras runner read it. It speaks of gates by meaning (input, forget, ...),
never of Keras' packed layout; packing into Keras' (D, G*U) kernels is the
runner's job, so a wrong packing shows up as a disagreement with the oracle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from rnn_shapes.cases.case import Case, Constant

# Gates by meaning, in the order Keras documents for its packed kernels:
# LSTM i, f, c, o; GRU z (update), r (reset), h (candidate).
GATES: dict[str, tuple[str, ...]] = {
    "SimpleRNN": ("h",),
    "LSTM": ("i", "f", "c", "o"),
    "GRU": ("z", "r", "h"),
}

# Which matrix of a gate a "distinct" value belongs to; part of the formula.
_PARTS = {"kernel": 0, "recurrent": 1, "bias": 2, "recurrent_bias": 3}


@dataclass(frozen=True)
class GateWeights:
    """The weights of one gate of one direction."""

    kernel: np.ndarray  # (D, U): input features -> units
    recurrent: np.ndarray  # (U, U): previous state -> units
    bias: np.ndarray  # (U,): added to the input projection
    recurrent_bias: np.ndarray | None  # (U,): GRU reset_after only, inside the reset


def has_recurrent_bias(case: Case) -> bool:
    """GRU with reset_after keeps a separate bias for the recurrent projection."""
    return case.layer == "GRU" and bool(case.reset_after)


def direction_weights(case: Case, direction: int, depth: int = 0) -> dict[str, GateWeights]:
    """Weights of `direction` (0: the layer or forward copy, 1: the backward copy)
    of the layer `depth` places below the top of a stack (0: the case's own).

    `case` is the layer's own description (cases/paths.py: an explicit backward
    layer or a lower layer of a stack is a case of its own type and sizes)."""
    if direction not in (0, 1) or (direction == 1 and not case.bidirectional):
        raise ValueError(f"case {case.id}: no direction {direction}")
    if depth < 0:
        raise ValueError(f"case {case.id}: no depth {depth}")
    return {
        gate: _gate(case, direction, g, gate, depth) for g, gate in enumerate(GATES[case.layer])
    }


def _gate(case: Case, direction: int, g: int, gate: str, depth: int) -> GateWeights:
    d, u = case.features, case.units
    rb = has_recurrent_bias(case)
    if isinstance(case.weights, Constant):
        c = case.weights
        bias = np.full(u, float(c.bias))
        if case.layer == "LSTM" and gate == "f" and case.unit_forget_bias:
            # Keras' unit_forget_bias (default True): the forget block is ones,
            # whatever the bias initializer says.
            bias = np.ones(u)
        weights = GateWeights(
            kernel=np.full((d, u), float(c.kernel)),
            recurrent=np.full((u, u), float(c.recurrent)),
            bias=bias,
            recurrent_bias=np.full(u, float(c.bias)) if rb else None,
        )
    else:
        weights = GateWeights(
            kernel=_distinct("kernel", direction, g, d, u, depth),
            recurrent=_distinct("recurrent", direction, g, u, u, depth),
            bias=_distinct("bias", direction, g, 1, u, depth)[0],
            recurrent_bias=(
                _distinct("recurrent_bias", direction, g, 1, u, depth)[0] if rb else None
            ),
        )
    if not case.use_bias:  # no bias variable: every bias is 0
        return replace(weights, bias=np.zeros(u), recurrent_bias=np.zeros(u) if rb else None)
    return weights


def _distinct(
    part: str, direction: int, gate: int, rows: int, cols: int, depth: int = 0
) -> np.ndarray:
    """Deterministic values that differ by row, column, gate, direction, part and
    depth in a stack.

    Integers mod 31 mapped to [-15/16, 15/16], scaled by a power of two near
    1/sqrt(rows) so pre-activations stay in the non-saturated range. Every value
    is a dyadic rational, exact in float32, so Keras holds the same numbers.
    """
    r = np.arange(rows)[:, None]
    c = np.arange(cols)[None, :]
    k = (7 * r + 3 * c + 11 * gate + 13 * direction + 5 * _PARTS[part] + 17 * depth + 3) % 31
    scale = 2.0 ** math.ceil(math.log2(math.sqrt(rows))) if part in ("kernel", "recurrent") else 2.0
    return (k - 15) / (16.0 * scale)

"""Deterministic inputs, identical on every machine.

Generated inputs come from integer arithmetic mapped to multiples of 1/1024,
so they are exact in float32 and depend on no random generator or libm.
"""

from __future__ import annotations

import numpy as np

from rnn_shapes.cases.axes import MAX_ROWS, MAX_STEPS, SAMPLES
from rnn_shapes.cases.case import Case

# The worked examples of the tutorials (shared/seeds 002 and 004), verbatim.
_SAMPLE_VALUES: dict[str, list[list[list[float]]]] = {
    "seed002": [
        [
            [0.1, 4.2, 1.5, 1.1, 2.8],
            [1.0, 3.1, 2.5, 0.7, 1.1],
            [0.3, 2.1, 1.5, 2.1, 0.1],
            [2.2, 1.4, 0.5, 0.9, 1.1],
        ]
    ],
    "seed004": [
        [
            [1.0, 2.0, 3.0, 4.0, 5.0],
            [2.0, 4.0, 6.0, 8.0, 10.0],
            [1.0, 3.0, 5.0, 7.0, 9.0],
            [0.0, 2.0, 4.0, 6.0, 8.0],
        ]
    ],
}
assert {k: np.shape(v) for k, v in _SAMPLE_VALUES.items()} == SAMPLES


def embedding_rows(features: int) -> np.ndarray:
    """The (MAX_ROWS * MAX_STEPS, D) float32 rows an Embedding case's tokens look up,
    in token order: distinct in their first feature (37 and 11 are prime to 2047)."""
    k = np.arange(MAX_ROWS * MAX_STEPS, dtype=np.int64)[:, None]
    d = np.arange(features, dtype=np.int64)[None, :]
    return ((((k * 37 + d * 11) % 2047) - 1023) / 1024.0).astype(np.float32)


def table_index(batch: int, timesteps: int) -> np.ndarray:
    """The (B, T) row of embedding_rows an Embedding case's step looks up: step t of
    row b takes b * MAX_STEPS + t, taken round the table's size, so that a case of
    more than MAX_ROWS rows or MAX_STEPS steps repeats rows and every other has
    its own (cases/embedding.py)."""
    b, t = np.meshgrid(np.arange(batch), np.arange(timesteps), indexing="ij")
    return (b * MAX_STEPS + t) % (MAX_ROWS * MAX_STEPS)


def inputs(case: Case) -> np.ndarray:
    """The float32 (B, T, D) input of `case`; an Embedding case's is the rows of its
    tokens (cases/embedding.py)."""
    if case.sample is not None:
        return np.array(_SAMPLE_VALUES[case.sample], dtype=np.float32)
    if case.mask_via == "embedding":
        return embedding_rows(case.features)[table_index(case.batch, case.timesteps)]
    n = np.arange(case.batch * case.timesteps * case.features, dtype=np.uint64) + np.uint64(1)
    # Knuth's multiplicative hash; the high 16 bits are well mixed.
    h = ((n * np.uint64(2654435761)) % np.uint64(2**32)) >> np.uint64(16)
    values = ((h % np.uint64(2049)).astype(np.int64) - 1024) / 1024.0
    return values.reshape(case.input_shape).astype(np.float32)


def second_inputs(case: Case) -> np.ndarray:
    """The second call of a model with a stateful layer (not a dynamic-time one, whose
    second call is longer): its input reversed in time (different values,
    the same steps masked where the mask is symmetric; the mask stays the case's)."""
    return np.ascontiguousarray(inputs(case)[:, ::-1])

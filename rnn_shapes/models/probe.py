"""The deterministic batch a user's model is run on (check-model, record-model).

The same on every machine and in every environment, so records of one model
compare: integer arithmetic mapped to multiples of 1/1024 (exact in float32), as
the cases' own inputs (cases/inputs.py). Where the model makes a mask, the rows are
padded on the right to different lengths (row r has max(1, T - r) real steps),
so the mask matters: token ids are 0 at a padded step and 1..vocab-1 elsewhere;
a float input holds the Masking layer's mask_value there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

BATCH = 3  # rows of the probe batch
STEPS = 5  # the time axis where the model leaves it open
FEATURES = 4  # any other open axis


@dataclass(frozen=True)
class InputSpec:
    """One model input: its shape as declared (None where open), its dtype."""

    shape: tuple[int | None, ...]
    dtype: str


def lengths(batch: int, steps: int) -> list[int]:
    """Each row's real steps under right padding."""
    return [max(1, steps - row) for row in range(batch)]


def probe_batch(
    specs: Sequence[InputSpec],
    padded: bool,
    vocab: int = 10,
    mask_value: float = 0.0,
) -> list[np.ndarray]:
    """One array per input, in order: `padded` when the model makes a mask."""
    out = []
    for k, spec in enumerate(specs):
        shape = _concrete(spec.shape)
        n = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape) + 7 * k + 1
        integer = np.dtype(spec.dtype).kind in "iu"
        values = (1 + n % max(1, vocab - 1)) if integer else ((n * 37) % 2047 - 1023) / 1024.0
        values = values.astype(spec.dtype)
        if padded and len(shape) >= 2:
            for row, real in enumerate(lengths(shape[0], shape[1])):
                values[row, real:] = 0 if integer else mask_value
        out.append(values)
    return out


def _concrete(shape: tuple[int | None, ...]) -> tuple[int, ...]:
    """The declared shape with the batch, the time axis and any other open axis filled."""
    fill = [BATCH, STEPS] + [FEATURES] * max(0, len(shape) - 2)
    return tuple(fill[i] if n is None else int(n) for i, n in enumerate(shape))

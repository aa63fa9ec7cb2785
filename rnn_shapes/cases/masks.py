"""The mask of a masked case: which steps of which rows Keras must skip.

Patterns (True: the step is real, False: masked):
  right  right-padded, a different length per row (T, T-1, ..., at least 1)
  left   the same lengths, padded on the left
  hole   every row misses its middle step
  row    the last row is masked entirely, the others not at all
  none   a mask is given, and it masks nothing
With the Masking layer, a masked step's features all equal MASK_VALUE, a value
the generated inputs never take (they lie in [-1, 1]).
"""

from __future__ import annotations

import numpy as np

from rnn_shapes.cases.case import Case
from rnn_shapes.cases.inputs import inputs

MASK_VALUE = -2.0


def mask_of(case: Case) -> np.ndarray | None:
    """The (B, T) boolean mask of `case`, or None if it has none."""
    if case.mask is None:
        return None
    b, t = case.batch, case.timesteps
    mask = np.ones((b, t), dtype=bool)
    lengths = [max(1, t - row % t) for row in range(b)]
    if case.mask == "right":
        for row, n in enumerate(lengths):
            mask[row, n:] = False
    elif case.mask == "left":
        for row, n in enumerate(lengths):
            mask[row, : t - n] = False
    elif case.mask == "hole":
        mask[:, t // 2] = False
    elif case.mask == "row":
        mask[-1, :] = False
    return mask


def masked_inputs(case: Case, x: np.ndarray | None = None) -> np.ndarray:
    """The case's input (or `x`) with every masked step set to MASK_VALUE (for a
    Masking layer)."""
    x = inputs(case) if x is None else x
    mask = mask_of(case)
    if mask is not None:
        x = x.copy()
        x[~mask] = MASK_VALUE
    return x


def mask_text(mask: np.ndarray) -> str:
    """A (B, T) mask as text for golden sets and messages: rows of 1 (real) and
    0 (masked) steps, separated by '/', e.g. '11100/11110'."""
    return "/".join("".join("1" if v else "0" for v in row) for row in np.asarray(mask))


def nearest_pattern(mask: np.ndarray) -> str:
    """The pattern a given (B, T) mask is most like, for naming a user's layer as a
    case (check-model): each row's real steps first ("right"), last ("left"), all
    ("none"), a row with none ("row"), else "hole"."""
    mask = np.asarray(mask, dtype=bool)
    if mask.all():
        return "none"
    if (~mask).all(axis=1).any():
        return "row"
    n = mask.sum(axis=1)
    steps = np.arange(mask.shape[1])
    if (mask == (steps[None, :] < n[:, None])).all():
        return "right"
    if (mask == (steps[None, :] >= mask.shape[1] - n[:, None])).all():
        return "left"
    return "hole"

"""A mask given by Embedding(mask_zero=True): the case's input as token ids, and the
table that turns them into its rows (mask_via="embedding").

Token 0 is padding: the Embedding masks a step whose token is 0. Every other step
of row b at time t has the token 1 + b * MAX_STEPS + t (round the table's size for
a case beyond MAX_ROWS rows or MAX_STEPS steps: its rows repeat), and the table's row of
that token holds the input's values there (cases/inputs.py draws them from the
token, so a longer call's first steps and a time-reversed call find their rows
too). Row 0 holds MASK_VALUE, which no other row takes: what a masked step holds
never matters (the layer skips it), and it cannot pass for a real one.

The table depends on the number of features only, so one model serves every
batch size, mask pattern and input of a configuration, as for a Masking layer.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from rnn_shapes.cases.axes import MAX_ROWS, MAX_STEPS
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.inputs import embedding_rows, table_index
from rnn_shapes.cases.masks import MASK_VALUE, mask_of

__all__ = ["MAX_ROWS", "MAX_STEPS", "table", "token_ids", "tokens_of", "vocabulary"]


def vocabulary() -> int:
    """Tokens in the table: padding, then a row per (row, step) of MAX_ROWS rows and
    MAX_STEPS steps (a larger case's tokens go round them)."""
    return 1 + MAX_ROWS * MAX_STEPS


@cache
def table(features: int) -> np.ndarray:
    """The (vocabulary, features) float32 table: MASK_VALUE at token 0."""
    return np.concatenate(
        [np.full((1, features), MASK_VALUE, np.float32), embedding_rows(features)]
    )


def token_ids(case: Case) -> np.ndarray:
    """The (B, T) int32 tokens of the case's input: 0 where its mask masks a step."""
    ids = (1 + table_index(case.batch, case.timesteps)).astype(np.int32)
    mask = mask_of(case)
    return ids if mask is None else np.where(mask, ids, 0).astype(np.int32)


@cache
def _by_row(features: int) -> dict[bytes, int]:
    return {row.tobytes(): k for k, row in enumerate(table(features))}


def tokens_of(case: Case, x: np.ndarray) -> np.ndarray:
    """The tokens whose rows are `x` (B, T, D): the case's input, time-reversed or
    a longer call's, its masked steps at MASK_VALUE. ValueError for a step that is
    no row of the table: an Embedding case runs on its own table's rows only."""
    rows = _by_row(case.features)
    flat = np.ascontiguousarray(np.asarray(x, np.float32)).reshape(-1, case.features)
    try:
        ids = [rows[r.tobytes()] for r in flat]
    except KeyError:
        raise ValueError(
            f"case {case.id}: an Embedding case's input must be rows of its table "
            "(cases/embedding.py)"
        ) from None
    return np.asarray(ids, np.int32).reshape(x.shape[:2])

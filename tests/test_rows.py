"""Cases that differ only in input data run as rows of one batch: which ones, and that
each case gets its own rows back (the same as when it runs alone)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rnn_shapes import Case
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.tolerance import max_deviation, tolerance

SHAPE = dict(units=3, batch=3, timesteps=5, features=2, return_sequences=True, return_state=True)


def test_groups_join_only_cases_whose_rows_are_independent():
    from rnn_shapes.keras.rows import row_groups, row_key

    full = matrix("full")
    groups = row_groups(full)
    ids = {c.id for c in full}
    # a case and its sibling of another mask pattern (the input data alone differs)
    # share a batch wherever both are in the matrix and may share one
    siblings, patterns = 0, {c.mask for c in full} - {None}
    for case in full:
        if row_key(case) is None or case.mask is None:
            continue
        for pattern in patterns - {case.mask}:
            try:
                other = replace(case, mask=pattern)
            except ValueError:  # a pattern the case's shape cannot take
                continue
            if other.id in ids:
                siblings += 1
                assert case.id in groups and other in groups[case.id], (case.id, other.id)
    assert siblings > 0
    for cid, group in groups.items():
        assert len(group) > 1 and cid in {c.id for c in group}
        assert len({row_key(c) for c in group}) == 1
        assert not any(c.stateful or c.initial_state == "constant" for c in group)


def test_groups_come_from_the_universe_not_the_selection():
    from rnn_shapes.keras.rows import row_groups

    everything = matrix("full")
    assert row_groups(everything[:10]) != row_groups(everything)  # hence: pass the matrix
    masked = next(
        c
        for c in everything
        if c.mask == "left" and c.mask_via == "call" and c.initial_state is None and not c.stateful
    )
    group = row_groups(everything)[masked.id]
    assert sorted(c.mask for c in group) == ["hole", "left", "none", "right", "row"]


def test_a_case_of_another_model_cannot_join_a_batch():
    from rnn_shapes.keras.rows import run_rows

    with pytest.raises(ValueError, match="cannot share a batch"):
        run_rows([Case(layer="LSTM", **SHAPE), Case(layer="GRU", **SHAPE)])


@pytest.mark.keras
@pytest.mark.parametrize("bidirectional", [False, True])
def test_rows_of_one_batch_equal_each_case_alone(bidirectional, rnn_session):
    from rnn_shapes.keras.rows import run_rows
    from rnn_shapes.keras.run import run_keras

    patterns = ("right", "left", "hole", "row", "none")
    cases = [
        Case(
            layer="GRU",
            mask=p,
            mask_via="call",
            initial_state="input",
            bidirectional=bidirectional,
            **SHAPE,
        )
        for p in patterns
    ]
    together = run_rows(cases)
    for case, batched in zip(cases, together, strict=True):
        alone = run_keras(case)
        assert (batched.case_id, batched.container, batched.shapes, batched.masks) == (
            alone.case_id,
            alone.container,
            alone.shapes,
            alone.masks,
        )
        atol, _ = tolerance(case)
        assert max_deviation(batched.outputs, tuple(np.float64(o) for o in alone.outputs)) <= atol

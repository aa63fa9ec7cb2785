"""Row batching: cases that differ only in input data run as rows of one batch.

One call of a shared model for a whole group costs about what one case's call
does; each case gets its own rows back, the same bits as when it runs alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from rnn_shapes.cases.case import Case
from rnn_shapes.keras.build import model_inputs, symbolic_outputs
from rnn_shapes.keras.cache import ModelCache, model_key
from rnn_shapes.keras.run import (
    Received,
    model_or_refusal,
    observed,
    ok_result,
    output_masks,
    run_keras,
)
from rnn_shapes.result import Result, error_text


def row_key(case: Case) -> tuple | None:
    """Cases with one key differ only in their input data (mask pattern, sample,
    initial states given as inputs) and run as rows of one batch; None: alone.

    Keras computes each row of a batch on its own, with two exceptions kept
    apart: a stateful layer carries states per row of its fixed batch, and
    constant initial states are fixed in the graph at the case's batch.
    """
    if case.keeps_states or case.initial_state == "constant" or case.training or case.predict:
        return None
    if case.dynamic_time or case.save is not None:  # two calls, or a model of its own
        return None
    return (model_key(case), case.weights)


def row_groups(universe: Iterable[Case]) -> dict[str, tuple[Case, ...]]:
    """case id -> the cases of `universe` it runs with, for groups of two or more.

    The universe is the case's whole matrix, not the cases selected, so a case
    runs in the same batch (and gives the same bits) however it was selected.
    """
    groups: dict[tuple, list[Case]] = {}
    for case in universe:
        key = row_key(case)
        if key is not None:
            groups.setdefault(key, []).append(case)
    return {c.id: tuple(g) for g in groups.values() if len(g) > 1 for c in g}


def run_rows(cases: Sequence[Case], cache: ModelCache | None = None) -> list[Result]:
    """Cases of one row group in one direct call: their inputs stacked along the
    batch, each case's rows of every output split back out, in order."""
    first = cases[0]
    if any(row_key(c) != row_key(first) or row_key(c) is None for c in cases):
        raise ValueError(f"cases of different models cannot share a batch: {first.id}, ...")
    model, refused = model_or_refusal(first, reuse=True, cache=cache)
    if refused is not None:
        return [replace(refused, case_id=c.id) for c in cases]
    symbolic = symbolic_outputs(model)
    feeds = [model_inputs(c) for c in cases]
    if isinstance(feeds[0], list):
        stacked: Any = [np.concatenate(parts) for parts in zip(*feeds, strict=True)]
    else:
        stacked = np.concatenate(feeds)
    try:
        container, outs, received = observed(model, stacked, "call", sum(c.batch for c in cases))
    except Exception as exc:  # a call Keras fails is a recorded outcome, not a crash
        return [
            Result(c.id, "rejected", None, error=error_text(exc), symbolic=symbolic) for c in cases
        ]
    bounds = np.cumsum([0] + [c.batch for c in cases])
    results = []
    for case, lo, hi in zip(cases, bounds[:-1], bounds[1:], strict=True):
        mine = tuple(np.ascontiguousarray(o[lo:hi]) for o in outs)
        masks = output_masks(case, model.layers[-1], len(mine))
        seen = _rows_of(received, lo, hi)
        results.append(ok_result(case, container, mine, masks, seen, symbolic=symbolic))
    return results


def _rows_of(received: Received, lo: int, hi: int) -> Received:
    """One case's rows of the masks attached to a shared batch's outputs."""
    if received is None:
        return None
    return tuple(None if m is None else m[lo:hi] for m in received)


def run_many(
    cases: Sequence[Case],
    groups: Mapping[str, tuple[Case, ...]],
    path: str = "call",
    cache: ModelCache | None = None,
) -> list[Result]:
    """Results of `cases` in order; on the direct-call path a case of `groups`
    runs with its whole group (row_groups), once for all its members here."""
    done: dict[str, Result] = {}
    out = []
    for case in cases:
        if case.id not in done:
            if path == "call" and case.id in groups:
                done.update((r.case_id, r) for r in run_rows(groups[case.id], cache))
            else:
                done[case.id] = run_keras(case, path=path, cache=cache)
        out.append(done[case.id])
    return out

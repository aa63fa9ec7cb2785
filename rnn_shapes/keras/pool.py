"""Run cases through Keras in worker processes, TensorFlow imported once per worker.

Workers are spawned, not forked: a forked TensorFlow runtime is not safe.
They ignore Ctrl-C; the parent stops them, so an interrupt prints no
traceback from every worker.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from rnn_shapes.result import Result
from rnn_shapes.spec.case import Case

CHUNK = 8


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from rnn_shapes.keras.backend import configure_worker

    configure_worker(1)


def _run_chunk(
    cases: Sequence[Case], path: str, groups: Mapping[str, tuple[Case, ...]]
) -> list[Result]:
    from rnn_shapes.keras.rows import run_many

    return run_many(cases, groups, path)


def _chunks(cases: Sequence[Case], groups: Mapping[str, tuple[Case, ...]]) -> list[list[Case]]:
    """About CHUNK cases each, a row group's selected members always together."""
    together: dict[str, list[Case]] = {}
    for case in cases:
        anchor = groups[case.id][0].id if case.id in groups else case.id
        together.setdefault(anchor, []).append(case)
    chunks: list[list[Case]] = [[]]
    for members in together.values():
        if len(chunks[-1]) >= CHUNK:
            chunks.append([])
        chunks[-1] += members
    return [c for c in chunks if c]


# Cases that build their own model (options, precisions, predict's traced
# function, a training case's two seeded models) cost a few plain cases each.
EXPENSIVE_FAMILIES = frozenset({"options", "precision", "predict"})


def _cost(chunk: Sequence[Case]) -> int:
    return sum(4 if EXPENSIVE_FAMILIES & set(c.families) else 1 for c in chunk)


def keras_results(
    cases: Sequence[Case], jobs: int = 1, path: str = "call", universe: Sequence[Case] = ()
) -> Iterator[list[Result]]:
    """Yield results chunk by chunk, a row group's cases (in
    `universe`, their matrix: keras.rows.row_groups) side by side. One process
    runs the chunks in the order of `cases`; a pool starts the costliest first
    (so no worker is left alone with them at the end) and yields each chunk as
    it completes: callers order the results themselves."""
    from rnn_shapes.keras.rows import row_groups

    groups = row_groups(universe)
    chunks = _chunks(cases, groups)
    parts = [{c.id: groups[c.id] for c in chunk if c.id in groups} for chunk in chunks]
    if jobs <= 1:
        for chunk, part in zip(chunks, parts, strict=True):
            yield _run_chunk(chunk, path, part)
        return
    ctx = mp.get_context("spawn")
    ex = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker)
    try:
        order = sorted(range(len(chunks)), key=lambda i: -_cost(chunks[i]))  # stable
        futures = [ex.submit(_run_chunk, chunks[i], path, parts[i]) for i in order]
        for future in as_completed(futures):
            yield future.result()
    finally:  # also on Ctrl-C or an error: drop queued chunks, end the workers
        ex.shutdown(wait=True, cancel_futures=True)

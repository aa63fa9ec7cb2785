"""Run cases through Keras in worker processes, TensorFlow imported once per worker.

Workers are spawned, not forked: a forked TensorFlow runtime is not safe.
They never see Ctrl-C (SIGINT is blocked while they start and ignored once
they run, and the parent takes a Ctrl-C only once all are spawned); the parent
stops them at once, so an interrupt prints one line and
no traceback from any worker. A worker whose parent is gone (killed with
SIGKILL, which skips every cleanup) exits by itself, and with the workers goes
multiprocessing's resource tracker, which lives while any of them holds its pipe.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from rnn_shapes.cases.case import Case
from rnn_shapes.interrupts import sigint_deferred
from rnn_shapes.phases import reached
from rnn_shapes.result import Result

CHUNK = 8
PARENT_POLL_SECONDS = 0.5
# The parent waits for results in slices of this: a Ctrl-C that the kernel hands to
# another of its threads (a BLAS thread) raises in the main thread only at its next
# bytecode, and a wait without end would hold it back until a chunk completes.
WAKE_SECONDS = 0.5


def _init_worker(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_without, args=(parent,), daemon=True).start()
    from rnn_shapes.keras.backend import configure_worker

    configure_worker(1)


def _exit_without(parent: int) -> None:
    """Exit the worker once `parent` is no longer its parent (it died: the worker was
    handed to init). os._exit: nothing of a dead run is worth cleaning up."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _stop(ex: ProcessPoolExecutor) -> None:
    """End the pool now: queued chunks dropped, running ones killed (a chunk can take
    seconds; a stopped run wants none of its results)."""
    workers = list((getattr(ex, "_processes", None) or {}).values())
    manager = getattr(ex, "_executor_manager_thread", None)
    ex.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join(5)
    # The pool's manager thread closes its wake-up pipe as it ends; the interpreter's
    # exit handler writes to that pipe: left racing, the write can meet a pipe being
    # closed ("Exception ignored ... Bad file descriptor" after the one line).
    if manager is not None:
        manager.join(5)


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
        yield from _in_process(chunks, parts, path)
        return
    ctx = mp.get_context("spawn")
    ex = ProcessPoolExecutor(
        jobs, mp_context=ctx, initializer=_init_worker, initargs=(os.getpid(),)
    )
    finished = False
    try:
        order = sorted(range(len(chunks)), key=lambda i: -_cost(chunks[i]))  # stable
        with sigint_deferred():  # submitting spawns the workers
            futures = [ex.submit(_run_chunk, chunks[i], path, parts[i]) for i in order]
        reached("workers started")
        pending = set(futures)
        while pending:  # woken twice a second: see WAKE_SECONDS
            done, pending = wait(pending, timeout=WAKE_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
        finished = True
    finally:  # on Ctrl-C, an error or a caller that stopped early: end the workers now
        if finished:
            ex.shutdown(wait=True)
        else:
            reached("stopping workers")
            _stop(ex)


def _in_process(
    chunks: Sequence[Sequence[Case]], parts: Sequence[Mapping[str, tuple[Case, ...]]], path: str
) -> Iterator[list[Result]]:
    try:
        for chunk, part in zip(chunks, parts, strict=True):
            yield _run_chunk(chunk, path, part)
    except KeyboardInterrupt:
        from rnn_shapes.keras.backend import quiet

        quiet()
        raise

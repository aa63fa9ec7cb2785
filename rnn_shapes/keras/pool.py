"""Run cases through Keras in worker processes, TensorFlow imported once per worker.

Workers are spawned, not forked: a forked TensorFlow runtime is not safe.
They ignore Ctrl-C; the parent stops them, so an interrupt prints no
traceback from every worker.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

from rnn_shapes.result import Result
from rnn_shapes.spec.case import Case

CHUNK = 8


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from rnn_shapes.keras.runner import configure_worker

    configure_worker(1)


def _run_chunk(cases: Sequence[Case], path: str) -> tuple[dict[str, str], list[Result]]:
    from rnn_shapes.keras.runner import environment, run_keras

    return environment(), [run_keras(c, path=path) for c in cases]


def keras_results(
    cases: Sequence[Case], jobs: int = 1, path: str = "call"
) -> Iterator[tuple[dict[str, str], list[Result]]]:
    """Yield (environment, results) chunk by chunk, in the order of `cases`."""
    chunks = [list(cases[i : i + CHUNK]) for i in range(0, len(cases), CHUNK)]
    if jobs <= 1:
        for chunk in chunks:
            yield _run_chunk(chunk, path)
        return
    ctx = mp.get_context("spawn")
    ex = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker)
    try:
        yield from ex.map(_run_chunk, chunks, [path] * len(chunks))
    finally:  # also on Ctrl-C or an error: drop queued chunks, end the workers
        ex.shutdown(wait=True, cancel_futures=True)

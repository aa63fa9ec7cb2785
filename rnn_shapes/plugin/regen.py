"""--rnn-regen-golden across pytest-xdist: the root checked writable before any case
runs, each worker's results handed to the controller, which alone writes the set,
once, after the run: the bytes equal a serial `rnn-shapes record`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rnn_shapes.environment import Environment
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.result import Result, from_wire, to_wire

WIRE_KEY = "rnn_records"  # the worker's output that carries its results


def is_worker(config: pytest.Config) -> bool:
    """An xdist worker: it hands its results over and never writes the set."""
    return hasattr(config, "workerinput")


class Recorder:
    """The results this process keeps for the new set, and what became of it."""

    def __init__(self) -> None:
        self.records: dict[str, Result] = {}
        self.summary: str | None = None  # the closing line: recorded where, or why not

    def check_writable(
        self, find_root: Callable[[], Path], environment: str, matrix_name: str
    ) -> None:
        """Before any case runs: the set can be written (a usage error naming why not)."""
        from rnn_shapes.golden.record import ensure_recordable

        try:
            ensure_recordable(find_root(), environment, matrix_name)
        except RnnShapesError as exc:
            raise pytest.UsageError(f"rnn-shapes: --rnn-regen-golden: {exc}") from None

    def keep(self, result: Result) -> None:
        """A case's result, for the new set."""
        self.records[result.case_id] = result

    def gather(self, workeroutput: dict) -> None:
        """Controller side of xdist: a worker's records."""
        for data in workeroutput.get(WIRE_KEY, []):
            self.keep(from_wire(data))

    def finish(
        self,
        session: pytest.Session,
        env: Environment,
        matrix_name: str,
        find_root: Callable[[], Path],
    ) -> None:
        """A worker hands its records over; the controller (or a serial run) writes the
        set, and a set not written fails the run."""
        config = session.config
        if is_worker(config):
            records = [to_wire(r) for r in self.records.values()]
            config.workeroutput[WIRE_KEY] = records  # type: ignore[attr-defined]
            return
        if not self.records:
            return
        from rnn_shapes.golden.record import record

        try:
            _, self.summary = record(list(self.records.values()), env, matrix_name, find_root())
        except RnnShapesError as exc:
            self.summary = f"NOT RECORDED: {exc}"  # it says what became of the set
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

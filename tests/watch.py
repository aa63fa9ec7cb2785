"""Watching a command from outside: wait for the phase it names (rnn_shapes/phases.py),
never for a guessed time, and fail with what was seen when a bound runs out.

Every wait here has a bound: it is there to turn a hang into a failure that says where
the command was, not to decide an outcome. The bounds are generous on purpose (a loaded
2-core machine starts TensorFlow in tens of seconds).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rnn_shapes.phases import PAUSE_VAR, PHASES, PHASES_VAR

ROOT = Path(__file__).resolve().parent.parent
BOUND = 180.0  # seconds: a phase a loaded machine has not reached by then is a hang


class Watched:
    """A `python -m rnn_shapes` run in its own process group (as a terminal's Ctrl-C
    reaches it), saying its phases into a file; optionally stopped at one of them."""

    def __init__(
        self,
        args: list[str],
        folder: Path,
        pause_at: str | None = None,
        python: tuple[str, ...] = ("-m", "rnn_shapes"),
    ) -> None:
        assert pause_at is None or pause_at in PHASES, pause_at
        self.log = folder / f"phases-{time.monotonic_ns()}.txt"
        self.log.write_text("")
        extra = {PHASES_VAR: str(self.log), "RNN_SHAPES_STATUS_SECONDS": "0"}
        if pause_at:
            extra[PAUSE_VAR] = pause_at
        self.proc = subprocess.Popen(
            [sys.executable, *python, *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **extra},
            start_new_session=True,
        )
        self.pid = self.proc.pid

    def phases(self) -> list[str]:
        """The phases the command itself (not its workers) has said, in order."""
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [ph for pid, ph in (line.split(" ", 1) for line in lines) if int(pid) == self.pid]

    def _fail(self, waited_for: str) -> None:
        self.proc.kill()
        _, err = self.proc.communicate(timeout=60)
        raise AssertionError(
            f"{waited_for} not within {BOUND:.0f} s; phases said: {self.phases()}; "
            f"exit {self.proc.returncode}; stderr: {err[-2000:]!r}"
        )

    def wait_for(self, phase: str) -> None:
        """Until the command has said `phase`; fails if it exits or the bound runs out."""
        assert phase in PHASES, phase
        deadline = time.monotonic() + BOUND
        while phase not in self.phases():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self._fail(f"phase {phase!r}")
            time.sleep(0.05)

    def wait_stopped(self, where: str) -> None:
        """Until the command has stopped itself (SIGSTOP), `where` naming the place."""
        deadline = time.monotonic() + BOUND
        while state(self.pid) != "T":
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self._fail(f"a stop {where}")
            time.sleep(0.02)

    def wait_stopped_at(self, phase: str) -> None:
        """Until the command has said `phase` and stopped itself there (pause_at)."""
        self.wait_for(phase)
        self.wait_stopped(f"at {phase!r}")

    def interrupt(self) -> None:
        """Ctrl-C to the whole group, as a terminal sends it, taking effect where the
        command stopped: the parent's pending SIGINT is delivered as it continues."""
        os.killpg(self.pid, signal.SIGINT)
        os.kill(self.pid, signal.SIGCONT)

    def finish(self) -> tuple[str, str]:
        """(stdout, stderr) once it has exited; a command that does not is a failure."""
        try:
            return self.proc.communicate(timeout=BOUND)
        except subprocess.TimeoutExpired:
            self._fail("exit")
            raise  # unreachable: _fail raises

    def group(self) -> set[int]:
        """The live processes of its process group (itself, its workers, the tracker)."""
        return {p for p in pids() if pgrp(p) == self.pid and state(p) not in ("Z", None)}


def pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def state(pid: int) -> str | None:
    """R, S, T (stopped), Z (zombie) ...; None once it is gone."""
    fields = _stat(pid)
    return fields[0] if fields else None


def pgrp(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[2]) if fields else None


def children(pid: int) -> set[int]:
    """The live processes whose parent is `pid` (workers and multiprocessing's tracker)."""
    found = set()
    for p in pids():
        fields = _stat(p)
        if fields and int(fields[1]) == pid and fields[0] != "Z":
            found.add(p)
    return found


def gone_within(pids_: set[int], seconds: float = BOUND) -> set[int]:
    """The pids still alive (not zombies) after at most `seconds`; empty once all exited.
    A bound, not a timing: it returns as soon as every one is gone."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(state(p) not in ("Z", None) for p in pids_):
        time.sleep(0.1)
    return {p for p in pids_ if state(p) not in ("Z", None)}

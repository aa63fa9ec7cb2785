"""Watching a command from outside: wait for the phase it names (rnn_shapes/phases.py),
never for a guessed time, and fail with what was seen when the bound runs out.

Every wait here has a bound: it is there to turn a hang into a failure that says where
the command was, not to decide an outcome. One bound per command, under pytest-timeout's
(pyproject.toml), so the failure that says where comes first; generous on purpose (a
loaded 2-core machine starts TensorFlow in tens of seconds).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

from rnn_shapes.phases import PAUSE_VAR, PHASES, PHASES_VAR

ROOT = Path(__file__).resolve().parent.parent
# `python -m rnn_shapes ARGS` as a terminal starts it, with Python's own SIGINT handler:
# a suite started in the background by a script (`pytest &`) ignores SIGINT, and its
# children would inherit that. HOOK is code to run first.
AS_FROM_A_TERMINAL = """
import runpy, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
{hook}
sys.argv = ["rnn_shapes", *sys.argv[1:]]
runpy.run_module("rnn_shapes", run_name="__main__", alter_sys=True)
"""
BOUND = 300.0  # seconds from a command's start to its end, every wait included
_TGKILL = {"x86_64": 234, "aarch64": 131, "arm64": 131}  # the tgkill system call


class Watched:
    """A `python -m rnn_shapes` run as from a terminal, in its own process group (as a
    terminal's Ctrl-C reaches it), saying its phases into a file; optionally stopped
    at one of them, or by `hook` (code run before the package).
    A context manager: whatever the test's outcome, nothing of the run outlives it."""

    def __init__(
        self,
        args: list[str],
        folder: Path,
        pause_at: str | None = None,
        hook: str = "",
    ) -> None:
        assert pause_at is None or pause_at in PHASES, pause_at
        self.log = folder / f"phases-{time.monotonic_ns()}.txt"
        self.log.write_text("")
        extra = {PHASES_VAR: str(self.log), "RNN_SHAPES_STATUS_SECONDS": "0"}
        if pause_at:
            extra[PAUSE_VAR] = pause_at
        self.deadline = time.monotonic() + BOUND
        self.proc = subprocess.Popen(
            [sys.executable, "-c", AS_FROM_A_TERMINAL.format(hook=hook), *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **extra},
            start_new_session=True,
        )
        self.pid = self.proc.pid

    def __enter__(self) -> Watched:
        return self

    def __exit__(self, *exc: object) -> None:
        """A failed test's run is killed, stopped or not, with all of its group."""
        if self.proc.poll() is None:
            self.proc.kill()
        for pid in self.group():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(60)

    def phases(self) -> list[str]:
        """The phases the command itself (not its workers) has said, in order."""
        return phases_said(self.log, self.pid)

    def _fail(self, waited_for: str) -> None:
        self.proc.kill()
        _, err = self.proc.communicate(timeout=60)
        raise AssertionError(
            f"{waited_for} not within {BOUND:.0f} s of the start; phases said: "
            f"{self.phases()}; exit {self.proc.returncode}; stderr: {err[-2000:]!r}"
        )

    def _until(self, done, waited_for: str, poll: float = 0.02) -> None:
        while not done():
            if self.proc.poll() is not None or time.monotonic() > self.deadline:
                self._fail(waited_for)
            time.sleep(poll)

    def wait_for(self, phase: str) -> None:
        """Until the command has said `phase`; fails if it exits or the bound runs out."""
        assert phase in PHASES, phase
        self._until(lambda: phase in self.phases(), f"phase {phase!r}")

    def wait_stopped(self, where: str) -> None:
        """Until the command has stopped itself (SIGSTOP), `where` naming the place."""
        self._until(lambda: state(self.pid) == "T", f"a stop {where}")

    def wait_stopped_at(self, phase: str) -> None:
        """Until the command has said `phase` and stopped itself there (pause_at)."""
        self.wait_for(phase)
        self.wait_stopped(f"at {phase!r}")

    def interrupt(self) -> None:
        """Ctrl-C as a terminal sends it, to every process of the group, the command's
        own SIGINT to its main thread: there it lands where the command stopped (sent
        to the process, another thread could take it and it would land later)."""
        for pid in self.group() - {self.pid}:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)
        signal_main_thread(self.pid, signal.SIGINT)
        os.kill(self.pid, signal.SIGCONT)

    def finish(self) -> tuple[str, str]:
        """(stdout, stderr) once it has exited; a command that does not is a failure."""
        try:
            return self.proc.communicate(timeout=max(self.deadline - time.monotonic(), 1))
        except subprocess.TimeoutExpired:
            self._fail("exit")
            raise  # unreachable: _fail raises

    def group(self) -> set[int]:
        """The live processes of its process group (itself, its workers, the tracker)."""
        return {p for p in pids() if pgrp(p) == self.pid and state(p) not in ("Z", None)}

    def workers(self) -> set[int]:
        """Its pool's worker processes that have started Python (multiprocessing's
        spawned children, not the resource tracker; one just forked still shows its
        parent's command line)."""
        return {p for p in children(self.pid) if "spawn_main" in cmdline(p)}

    def wait_workers(self, n: int) -> set[int]:
        """Until `n` workers have started Python (the command may be stopped: they are
        not); returns them."""
        self._until(lambda: len(self.workers()) >= n, f"{n} workers")
        assert len(self.workers()) == n, self.workers()
        return self.workers()


def phases_said(log: Path, pid: int) -> list[str]:
    """The phases process `pid` has said into `log` (RNN_SHAPES_PHASES), in order; a
    line still being written (no newline yet) is not read."""
    if not log.exists():
        return []
    lines = log.read_text(encoding="utf-8").split("\n")[:-1]
    return [ph for p, ph in (line.split(" ", 1) for line in lines) if int(p) == pid]


def signal_main_thread(pid: int, sig: int) -> None:
    """Send `sig` to the main thread of process `pid` (its thread id is its pid)."""
    number = _TGKILL.get(platform.machine())
    if number is None:  # pragma: no cover - another architecture: the process instead
        os.kill(pid, sig)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(number, pid, pid, sig) != 0:
        raise OSError(ctypes.get_errno(), "tgkill", pid)


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


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def children(pid: int) -> set[int]:
    """The live processes whose parent is `pid` (workers and multiprocessing's tracker)."""
    found = set()
    for p in pids():
        fields = _stat(p)
        if fields and int(fields[1]) == pid and fields[0] != "Z":
            found.add(p)
    return found


def gone_within(pids_: set[int], seconds: float = 60) -> set[int]:
    """The pids still alive (not zombies) after at most `seconds`; empty once all exited.
    A bound, not a timing: it returns as soon as every one is gone."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(state(p) not in ("Z", None) for p in pids_):
        time.sleep(0.1)
    return {p for p in pids_ if state(p) not in ("Z", None)}

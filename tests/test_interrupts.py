"""Ctrl-C and a killed parent: one line, exit 130, promptly, and no process left behind.

Real `python -m rnn_shapes` runs: the processes are the point.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INTERRUPTED = "rnn-shapes check: interrupted"


def start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "RNN_SHAPES_STATUS_SECONDS": "0"}
    return subprocess.Popen(
        [sys.executable, "-m", "rnn_shapes", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches
    )


def alive(pid: int) -> bool:
    """Running, not a zombie (a container's init may never reap an orphan)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (the workers and multiprocessing's tracker)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def gone_within(pids: set[int], seconds: float) -> set[int]:
    """The pids still alive after `seconds` (empty when every one has exited)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return {p for p in pids if alive(p)}


def said(err: str) -> list[str]:
    """stderr without progress lines."""
    return [line for line in err.splitlines() if not line.startswith("check default")]


def interrupt(proc: subprocess.Popen) -> tuple[str, float]:
    os.killpg(proc.pid, signal.SIGINT)
    started = time.monotonic()
    _, err = proc.communicate(timeout=120)
    return err, time.monotonic() - started


@pytest.mark.keras
def test_ctrl_c_ends_cleanly_with_130():
    proc = start("check", "--matrix", "default", "-j", "2")
    first = proc.stderr.readline()  # the first status line: workers are running cases
    assert first.startswith("check default: "), first
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.strip().splitlines()[-1] == "rnn-shapes check: interrupted"


@pytest.mark.keras
def test_workers_and_the_tracker_exit_when_record_is_killed(tmp_path):
    proc = start("record", "--matrix", "smoke", "-j", "2", "--out", str(tmp_path))
    first = proc.stderr.readline()  # the first status line: workers are running cases
    assert first.startswith("record smoke: "), first
    helpers = children(proc.pid)
    assert len(helpers) >= 2, helpers  # two workers (and the resource tracker)
    proc.kill()
    proc.wait()
    assert gone_within(helpers, 10) == set()
    assert not list(tmp_path.glob("*/*.json"))  # killed before the set: none written


@pytest.mark.keras
# Before about half a second the signal can land in the interpreter's own start-up,
# before any code of the package runs (nothing a program can guard).
@pytest.mark.parametrize("delay", [0.5, 0.8, 1.5, 3.0])
def test_an_early_ctrl_c_is_one_line_from_the_parent_and_no_worker(delay):
    """While the parser, the matrices and the workers start: no traceback anywhere."""
    proc = start("check", "-j", "2")
    time.sleep(delay)
    helpers = children(proc.pid)
    err, took = interrupt(proc)
    assert proc.returncode == 130, err
    assert said(err) in ([INTERRUPTED], ["rnn-shapes: interrupted"]), err  # or parsing
    assert took < 5, took
    assert gone_within(helpers, 5) == set()


@pytest.mark.keras
def test_a_ctrl_c_while_workers_run_ends_within_seconds():
    proc = start("check", "-j", "2")
    first = proc.stderr.readline()
    assert first.startswith("check default: "), first
    helpers = children(proc.pid)
    err, took = interrupt(proc)
    assert proc.returncode == 130, err
    assert said(err) == [INTERRUPTED], err
    assert took < 4, f"{took:.1f} s to stop"
    assert gone_within(helpers, 5) == set()


@pytest.mark.keras
@pytest.mark.parametrize("when", ["starting TensorFlow", "running cases"])
def test_a_ctrl_c_with_one_job_is_one_line(when):
    """In-process Keras: neither TensorFlow's start-up banner nor its complaints about
    the graph left half built reach the terminal."""
    proc = start("check", "-j", "1")
    if when == "running cases":
        first = proc.stderr.readline()
        assert first.startswith("check default: "), first
        time.sleep(3)
    else:
        time.sleep(2.5)
    err, _ = interrupt(proc)
    assert proc.returncode == 130, err
    assert said(err) == [INTERRUPTED], err

"""Ctrl-C and a killed parent: one line, exit 130, the pool stopped, no process left.

Real `python -m rnn_shapes` runs: the processes are the point. Each signal is sent at
a phase the command names (rnn_shapes/phases.py), where it stopped itself, so the test
knows what it interrupted; no delay decides what is tested.
"""

from __future__ import annotations

import os
import signal

import pytest
from watch import Watched, children, gone_within

INTERRUPTED = "rnn-shapes check: interrupted"


def said(err: str) -> list[str]:
    """stderr without progress lines."""
    return [line for line in err.splitlines() if not line.startswith("check default")]


def interrupted_cleanly(run: Watched, line: str = INTERRUPTED) -> list[str]:
    """Interrupt the stopped run; it must exit 130 with `line` alone and leave no process
    of its group behind. Returns the phases it said."""
    run.interrupt()
    _, err = run.finish()
    assert run.proc.returncode == 130, err
    assert said(err) == [line], err
    assert gone_within(run.group()) == set(), run.group()
    return run.phases()


@pytest.mark.keras
def test_a_ctrl_c_while_workers_run_stops_the_pool_with_one_line(tmp_path):
    with Watched(["check", "-j", "2"], tmp_path, pause_at="running cases") as run:
        run.wait_stopped_at("running cases")
        run.wait_workers(2)
        helpers = children(run.pid)  # the workers and multiprocessing's tracker
        phases = interrupted_cleanly(run)
        # the running chunks were killed, not waited for (a default check runs minutes)
        assert phases[-1] == "stopping workers", phases
        assert gone_within(helpers) == set()


@pytest.mark.keras
def test_workers_and_the_tracker_exit_when_record_is_killed(tmp_path):
    out = tmp_path / "out"
    args = ["record", "--matrix", "smoke", "-j", "2", "--out", str(out)]
    with Watched(args, tmp_path, pause_at="running cases") as run:
        run.wait_stopped_at("running cases")
        run.wait_workers(2)
        helpers = children(run.pid)  # the workers and multiprocessing's tracker
        run.proc.kill()  # SIGKILL: no cleanup of the parent's runs
        run.finish()
        assert run.proc.returncode == -signal.SIGKILL
        assert gone_within(helpers) == set()  # each worker notices its parent is gone
        assert not list(out.glob("*/*.json"))  # killed before the set: none written


@pytest.mark.keras
@pytest.mark.parametrize(
    ("phase", "line"),
    [
        ("importing", "rnn-shapes: interrupted"),  # before the command line is read
        ("parsed", INTERRUPTED),  # the matrix and the environment not yet looked at
        ("workers started", INTERRUPTED),  # workers spawned, Python starting in them
    ],
)
def test_an_early_ctrl_c_is_one_line_from_the_parent_and_no_worker(phase, line, tmp_path):
    """While the package, the parser, the matrices and the workers start: no traceback
    anywhere, and no worker left behind."""
    with Watched(["check", "-j", "2"], tmp_path, pause_at=phase) as run:
        run.wait_stopped_at(phase)
        if phase == "workers started":  # spawned: each is starting Python
            run.wait_workers(2)
        else:
            assert run.workers() == set() and run.group() == {run.pid}, run.group()
        helpers = children(run.pid)
        phases = interrupted_cleanly(run, line)
        assert "running cases" not in phases, phases
        assert gone_within(helpers) == set()


# Stops the process (SIGSTOP) as soon as the Keras package starts importing its
# layers: the backend (TensorFlow) is loaded, Keras is half imported.
STOP_IN_KERAS_IMPORT = """
import os
class StopInKeras:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[-1] == "layers" and name.split(".")[0] in {"keras", "tf_keras"}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGSTOP)
sys.meta_path.insert(0, StopInKeras())
"""


@pytest.mark.keras
def test_a_ctrl_c_while_keras_imports_in_process_is_one_line(tmp_path):
    """In-process Keras (-j 1), interrupted half imported: neither TensorFlow's start-up
    banner nor its complaints about a module left half built reach the terminal."""
    with Watched(["check", "-j", "1"], tmp_path, hook=STOP_IN_KERAS_IMPORT) as run:
        run.wait_for("parsed")
        run.wait_stopped("in Keras' import")
        assert not {"tensorflow", "jax", "torch"}.isdisjoint(loaded_modules(run.pid)), (
            "stopped before any backend loaded"
        )
        phases = interrupted_cleanly(run)
        assert "running cases" not in phases, phases


@pytest.mark.keras
def test_a_ctrl_c_with_one_job_while_cases_run_is_one_line(tmp_path):
    with Watched(["check", "-j", "1"], tmp_path, pause_at="running cases") as run:
        run.wait_stopped_at("running cases")
        interrupted_cleanly(run)


def loaded_modules(pid: int) -> set[str]:
    """The top-level Python packages whose shared libraries `pid` has mapped."""
    found = set()
    for line in open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace"):  # noqa: SIM115
        path = line.split()[-1] if line.split() else ""
        parts = path.split(os.sep)
        if "site-packages" in parts:
            found.add(parts[parts.index("site-packages") + 1])
    return found


def test_a_ctrl_c_while_workers_spawn_takes_effect_once_all_are_spawned():
    """The kernel may hand SIGINT to any thread that does not block it (a BLAS thread,
    say) even while the main thread blocks it: Python still raises in the main
    thread. So while workers spawn, the interrupt is noted and raised after."""
    import threading

    from rnn_shapes.interrupts import sigint_deferred

    ready, sent = threading.Event(), threading.Event()

    def other_thread() -> None:  # started before the region: SIGINT not blocked here
        ready.wait(60)
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)
        sent.set()

    helper = threading.Thread(target=other_thread)
    helper.start()
    steps = []
    # Python's handler, as in a terminal (a suite run in the background ignores SIGINT)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), sigint_deferred():
            ready.set()
            assert sent.wait(60)
            for step in range(100):  # bytecodes: Python's handler runs among them
                steps.append(step)
    finally:
        signal.signal(signal.SIGINT, previous)
        helper.join(60)
    assert steps == list(range(100))  # the region ran to its end, then the interrupt


def test_an_ignored_sigint_stays_ignored(capsys):
    """Started with SIGINT ignored (nohup, `cmd &` in a script), the command line does
    not take it back: a Ctrl-C while workers spawn, or later, changes nothing."""
    from rnn_shapes.cli import main
    from rnn_shapes.interrupts import interrupted_once, sigint_deferred

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with sigint_deferred():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # not taken over
            os.kill(os.getpid(), signal.SIGINT)
        with interrupted_once():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert main(["table"]) == 0
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert "| layer" in capsys.readouterr().out

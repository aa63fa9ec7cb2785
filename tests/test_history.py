"""A case's timeline across golden sets: stretches, what changed, lanes, the command."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from synthetic import synthetic_results

from rnn_shapes.analysis.history import lines, timeline
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.signature import signature
from rnn_shapes.golden.writing import write_set
from rnn_shapes.report.releases import labels, load_sets

CASE = Case(layer="LSTM", units=3, batch=2, timesteps=5, features=1, return_state=True)
OTHER = Case(layer="GRU", units=3, batch=2, timesteps=5, features=1)
SIGS = {c.id: signature(c) for c in (CASE, OTHER)}


def env(keras: str, backend: str = "tensorflow", tf: str = "2.21.0") -> dict[str, str]:
    return {
        "tensorflow": tf,
        "keras": keras,
        "backend": backend,
        "backend_version": "0",
        "numpy": "0",
        "python": "0",
        "platform": "test",
    }


def record(root: Path, keras: str, results, **kw) -> None:
    e = env(keras, **kw)
    name = f"k{keras}-{e['backend']}"
    write_set(root, name, "smoke", results, SIGS, e)


def test_a_timeline_has_a_stretch_per_behaviour_and_says_what_changed(tmp_path):
    plain = synthetic_results([CASE, OTHER])
    as_list = [replace(plain[0], container="list"), plain[1]]
    refused = [replace(plain[0], outcome="rejected", container=None, outputs=(), dtypes=(),
                       error="TypeError: no"), plain[1]]  # fmt: skip
    moved = [replace(plain[0], outputs=tuple(o + 1 for o in plain[0].outputs)), plain[1]]
    record(tmp_path, "3.0.0", refused)
    record(tmp_path, "3.1.0", as_list)
    record(tmp_path, "3.2.0", plain)
    record(tmp_path, "3.3.0", plain)
    record(tmp_path, "3.4.0", moved)
    record(tmp_path, "3.16.0.dev2026102704", plain)  # a pre-release: a lane of its own
    record(tmp_path, "3.2.0", plain, backend="jax", tf="none")
    sets = load_sets(tmp_path, "smoke")
    got = timeline(CASE, sets, labels(sets))
    tf = got["tensorflow"]
    assert [s.labels for s in tf] == [("3.0",), ("3.1",), ("3.2 tf2.21", "3.3"), ("3.4",)]
    assert [s.changed for s in tf] == [(), ("outcome",), ("container",), ("values",)]
    assert tf[0].summary.startswith("refused: TypeError")
    assert set(got) == {"tensorflow", "jax", "next tensorflow"}
    text = lines(CASE, sets, labels(sets))
    assert "    until 3.0 (1 set): refused: TypeError: no" in text
    assert any(line.startswith("    since 3.2 tf2.21, until 3.3 (2 sets)") for line in text)
    assert [s.labels for s in timeline(OTHER, sets, labels(sets))["tensorflow"]] == [
        ("3.0", "3.1", "3.2 tf2.21", "3.3", "3.4")
    ]


def test_history_command_needs_a_case_and_reads_the_committed_sets():
    run = [sys.executable, "-m", "rnn_shapes", "history"]
    missing = subprocess.run(run, capture_output=True, text=True, check=False)
    assert missing.returncode == 2 and "name a case id" in missing.stderr
    bogus = subprocess.run([*run, "no-such-case"], capture_output=True, text=True, check=False)
    assert bogus.returncode == 2 and "no-such-case" in bogus.stderr
    case = "LSTM-bi-concat-seq0-state1-fwd-B2T5D1U3-distinct"
    script = (
        "import sys; from rnn_shapes.cli import main; code = main(['history', sys.argv[1]]); "
        "assert not {'keras', 'tensorflow'} & set(sys.modules), 'Keras started'; sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, case], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(case) and "  tensorflow:" in done.stdout


def test_status_says_how_old_a_pre_release_set_is_and_that_a_newer_build_is_installed(tmp_path):
    from datetime import date

    from rnn_shapes.environment import Environment, build_date
    from rnn_shapes.golden.status import NOT_CURRENT, age, status_of

    assert build_date("3.16.0.dev2026102704") == date(2026, 10, 27)
    assert build_date("3.15.1") is None and age("3.15.1", "build") == ""
    assert age("3.16.0.dev2026102704", "build", date(2026, 12, 2)).endswith(
        "build of 2026-10-27, 36 days old"
    )
    write_set(tmp_path, "old-build", "smoke", synthetic_results([CASE, OTHER]), SIGS,
              env("3.16.0.dev2026102004", backend="jax", tf="none"))  # fmt: skip
    installed = Environment(tensorflow="none", keras="3.16.0.dev2026102704", backend="jax")
    state, line = status_of(tmp_path, installed, "smoke")
    assert state == NOT_CURRENT
    assert "newest recorded build of its channel is keras3.16.0.dev2026102004-jax" in line
    assert "7 days older than the installed build" in line
    release = Environment(tensorflow="none", keras="3.15.1", backend="jax")
    assert "newest recorded build" not in status_of(tmp_path, release, "smoke")[1]

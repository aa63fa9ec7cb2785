"""`rnn-shapes status` and `rnn-shapes record-all` (tox driven; tox itself is faked here)."""

from __future__ import annotations

import argparse
import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from synthetic import synthetic_results
from test_golden_io import ENVIRONMENT as ENV  # TensorFlow 2.99 and Keras 3.99: not out yet

from rnn_shapes.cases.matrix import matrix
from rnn_shapes.cli import main, record_all
from rnn_shapes.environment import Environment
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.golden import status
from rnn_shapes.golden.layout import UNRECORDED
from rnn_shapes.golden.record import record

NAME = "tf2.99-keras3.99-tensorflow"


def test_status_of_an_environment_no_set_exists_for(tmp_path):
    """Next year's release: no set, and the line says how to record one."""
    state, line = status.status_of(tmp_path, ENV, "smoke")
    assert state == status.NOT_CURRENT
    assert line == (
        f"{NAME}: no smoke golden set in {tmp_path}; record it with "
        "`rnn-shapes record --matrix smoke` in this environment"
    )


def test_status_is_current_only_for_a_whole_set_of_these_versions(tmp_path):
    path, _ = record(synthetic_results(matrix("smoke")), ENV, "smoke", tmp_path)
    assert status.status_of(tmp_path, ENV, "smoke") == (
        status.CURRENT,
        f"{path}: current ({len(matrix('smoke'))} cases)",
    )
    patched = replace(ENV, keras="3.99.1")
    state, line = status.status_of(tmp_path, patched, "smoke")
    assert state == status.NOT_CURRENT and "recorded with keras 3.99.0 (installed 3.99.1)" in line
    doc = json.loads(path.read_text())
    doc["cases"].popitem()
    path.write_text(json.dumps(doc))
    state, line = status.status_of(tmp_path, ENV, "smoke")
    assert state == status.NOT_CURRENT and "does not hold the smoke matrix" in line
    path.write_text("{")
    state, line = status.status_of(tmp_path, ENV, "smoke")
    assert state == status.UNREADABLE and "not valid JSON" in line and str(path) in line


def test_status_command_exit_codes(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("RNN_SHAPES_EXPECT", raising=False)  # set by tox for its own env
    monkeypatch.setattr(Environment, "installed", staticmethod(lambda: ENV))
    said = tmp_path / "said" / "status.json"  # --result: the outcome as data
    command = ["status", "--matrix", "smoke", "--root", str(tmp_path), "--result", str(said)]
    assert main(command) == 1
    line = capsys.readouterr().out.strip()
    assert "no smoke golden set" in line
    path = tmp_path / ENV.name / "smoke.json"
    assert json.loads(said.read_text()) == {"state": "not current", "line": line, "set": str(path)}
    record(synthetic_results(matrix("smoke")), ENV, "smoke", tmp_path)
    assert main(command) == 0
    assert f"current ({len(matrix('smoke'))} cases)" in capsys.readouterr().out
    assert json.loads(said.read_text())["state"] == "current"


def test_status_of_an_unreadable_set_exits_2_on_stderr_saying_how_to_record(
    tmp_path, monkeypatch, capsys
):
    """Exit 1 means 'not current'; a set that cannot be read is an error (2), whose
    line still says how to record it over (what record-all does)."""
    monkeypatch.delenv("RNN_SHAPES_EXPECT", raising=False)
    monkeypatch.setattr(Environment, "installed", staticmethod(lambda: ENV))
    path, _ = record(synthetic_results(matrix("smoke")), ENV, "smoke", tmp_path)
    path.write_text("{")
    assert main(["status", "--matrix", "smoke", "--root", str(tmp_path)]) == 2
    said = capsys.readouterr()
    (line,) = said.err.strip().splitlines()
    assert said.out == "" and str(path) in line and "record it with `rnn-shapes record" in line
    path.unlink()
    path.mkdir()  # a folder where the set should be: unreadable too
    assert main(["status", "--matrix", "smoke", "--root", str(tmp_path)]) == 2
    assert str(path) in capsys.readouterr().err


def test_record_all_records_over_an_unreadable_set_but_not_past_a_status_error(
    fake_tox, monkeypatch, capsys
):
    folder, calls, _ = fake_tox
    unreadable = (
        "fixtures/u/default.json: not valid JSON: ...; record it with `rnn-shapes record "
        "--matrix default` in this environment"
    )
    status = (2, unreadable, "unreadable")
    monkeypatch.setitem(STEPS, "unreadable", {"run": (0, "ok"), "status": status})
    STEPS["unreadable"]["record"] = (0, "", "recorded")
    promise = "RNN_SHAPES_EXPECT='keras=3.0': keras is 3.1.0, the environment promises 3.0"
    # the environment's error: exit 2 too, but the command says no state
    monkeypatch.setitem(STEPS, "promise", {"run": (0, "ok"), "status": (2, promise, None)})
    assert record_all.record_all(args(folder / "tox.ini", "unreadable", "promise")) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-3:] == ["recorded 1: unreadable", "skipped 0: -", "failed 1: promise"]
    assert ("unreadable", "record") in calls and ("promise", "record") not in calls


# What the fake tox answers, per environment and step: (exit status, output, the
# state the command writes with --result, None where it writes none)
NOT_CURRENT = (
    "tfX: no default golden set in fixtures; record it with `rnn-shapes record "
    "--matrix default` in this environment"
)
STEPS = {
    "good": {
        "run": (0, "ok"),
        "status": (1, NOT_CURRENT, "not current"),
        "record": (0, "", "recorded"),
    },
    "current": {
        "run": (0, "ok"),
        "status": (0, "fixtures/x/default.json: current (2020 cases)", "current"),
    },
    "broken": {
        "run": (
            1,
            "Collecting keras==3.99\nERROR: Could not find a version that satisfies the "
            "requirement keras==3.99 (from versions: 3.0.0)\nERROR: No matching distribution",
        )
    },
    "crashes": {
        "run": (0, "ok"),
        "status": (1, NOT_CURRENT, "not current"),
        "record": (1, "Traceback ...\nRuntimeError: boom", None),
    },
    # a crash exits 1 too, but is no 'not current': nothing is recorded over it
    "status-crashes": {"run": (0, "ok"), "status": (1, "Traceback ...\nImportError: no", None)},
}


@pytest.fixture
def fake_tox(tmp_path, monkeypatch):
    (tmp_path / "tox.ini").write_text("[tox]\n")
    calls: list[tuple[str, str]] = []
    argv: list[tuple[str, ...]] = []

    def tox(ini: Path, *args: str, log: Path | None = None) -> tuple[int, str]:
        if args == ("-l",):
            return 0, "\n".join(STEPS) + "\n"
        env = args[args.index("-e") + 1]
        step = "run" if args[0] == "run" else args[args.index("rnn_shapes") + 1]
        calls.append((env, step))
        argv.append(args)
        code, out, *state = STEPS[env][step]
        if step == "record" and code == 0:
            out = f"record default: done\nrecorded fixtures/{env}/default.json: 2020 cases"
        if state and state[0] is not None:  # what --result FILE receives
            said = {"state": state[0], "line": out.splitlines()[-1], "set": "x"}
            Path(args[args.index("--result") + 1]).write_text(json.dumps(said))
        with log.open("a") as f:
            f.write(out)
        return code, out + f"\n{env}: exit {code} (0.3 seconds) /x> python -m rnn_shapes"

    monkeypatch.setattr(record_all, "run_tox", tox)
    return tmp_path, calls, argv


def args(
    ini: Path,
    *envs: str,
    parallel: int = 1,
    keyword: str | None = None,
    missing: bool = False,
    remove: bool = False,
) -> argparse.Namespace:
    return argparse.Namespace(
        tox_ini=str(ini),
        env=list(envs) or None,
        parallel=parallel,
        matrix="default",
        keyword=keyword,
        missing=missing,
        remove=remove,
    )


@pytest.mark.parametrize("parallel", [1, 3])
def test_record_all_records_skips_and_reports_failures_without_losing_others(
    fake_tox, capsys, parallel
):
    folder, calls, argv = fake_tox
    code = record_all.record_all(args(folder / "tox.ini", parallel=parallel))
    out = capsys.readouterr().out.splitlines()
    assert code == 1  # one environment failed
    progress = sorted(line for line in out if line.startswith("["))
    assert len(progress) == 5  # one line per environment as it ends, one as it starts
    assert sorted(line.split()[0] for line in out if line.endswith(" started")) == sorted(STEPS)
    by_env = {re.split(r"\s+", line)[2]: line for line in progress}
    assert "recorded fixtures/good/default.json: 2020 cases" in by_env["good"]
    assert "skipped" in by_env["current"] and "current (2020 cases)" in by_env["current"]
    assert "install: ERROR: Could not find a version that satisfies" in by_env["broken"]
    assert "record: RuntimeError: boom" in by_env["crashes"]
    assert "status: ImportError: no" in by_env["status-crashes"]
    assert out[-3:] == [
        "recorded 1: good",
        "skipped 1: current",
        "failed 3: broken crashes status-crashes",
    ]
    assert ("current", "record") not in calls and ("good", "record") in calls
    assert ("status-crashes", "record") not in calls
    jobs = str(max(1, (os.cpu_count() or 1) // parallel))
    inside = ("-qq", "--", "python", "-m", "rnn_shapes")
    assert ("run", "-e", "good", "--notest") in argv
    logs = folder / ".tox" / "record-all"
    said = ("--result", str(logs / "good.status.json"))
    assert ("exec", "-e", "good", *inside, "status", "--matrix", "default", *said) in argv
    said = ("--result", str(logs / "good.record.json"))
    assert (
        "exec",
        "-e",
        "good",
        *inside,
        "record",
        "--matrix",
        "default",
        "-j",
        jobs,
        *said,
    ) in argv
    assert ("broken", "status") not in calls
    logs = folder / ".tox" / "record-all"
    assert "RuntimeError: boom" in (logs / "crashes.log").read_text()


def test_record_all_with_a_filter_records_only_those_cases(fake_tox, capsys):
    """-k: the new cases of a grown matrix into each set that lacks them."""
    folder, calls, argv = fake_tox
    assert record_all.record_all(args(folder / "tox.ini", "good", "current", keyword="by_x")) == 0
    jobs = str(os.cpu_count() or 1)
    inside = ("-qq", "--", "python", "-m", "rnn_shapes")
    record = ("exec", "-e", "good", *inside, "record", "--matrix", "default", "-j", jobs)
    said = ("--result", str(folder / ".tox" / "record-all" / "good.record.json"))
    assert (*record, "-k", "by_x", *said) in argv
    assert ("current", "record") not in calls  # a current set is left alone


def test_record_all_missing_records_what_each_set_lacks(fake_tox, capsys):
    folder, _, argv = fake_tox
    assert record_all.record_all(args(folder / "tox.ini", "good", missing=True)) == 0
    jobs = str(os.cpu_count() or 1)
    inside = ("-qq", "--", "python", "-m", "rnn_shapes")
    record = ("exec", "-e", "good", *inside, "record", "--matrix", "default", "-j", jobs)
    said = ("--result", str(folder / ".tox" / "record-all" / "good.record.json"))
    assert (*record, "--missing", *said) in argv
    with pytest.raises(RnnShapesError, match="-k and --missing"):
        record_all.record_all(args(folder / "tox.ini", keyword="x", missing=True))


@pytest.mark.parametrize("remove", [False, True])
def test_record_all_removes_each_environment_when_asked(fake_tox, capsys, remove):
    folder, _, _ = fake_tox
    made = [folder / ".tox" / env / "lib" for env in ("good", "current", "broken")]
    for path in made:
        path.mkdir(parents=True)
    record_all.record_all(args(folder / "tox.ini", "good", "current", "broken", remove=remove))
    assert [path.parent.exists() for path in made] == [not remove] * 3
    assert (folder / ".tox" / "record-all").is_dir()  # the logs stay


def test_record_all_some_environments_and_an_unknown_one(fake_tox, capsys):
    folder, _, _ = fake_tox
    assert record_all.record_all(args(folder / "tox.ini", "current")) == 0
    assert capsys.readouterr().out.splitlines()[-3:] == [
        "recorded 0: -",
        "skipped 1: current",
        "failed 0: -",
    ]
    assert main(["record-all", "--tox-ini", str(folder / "tox.ini"), "-e", "nope"]) == 2
    assert "no tox environment nope" in capsys.readouterr().err


def test_record_all_without_a_tox_ini(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["record-all", "--tox-ini", str(tmp_path / "missing.ini")]) == 2
    assert "missing.ini: no such tox configuration" in capsys.readouterr().err


def test_record_all_refuses_when_tox_names_no_environment(fake_tox, monkeypatch, capsys):
    folder, _, _ = fake_tox
    monkeypatch.setattr(record_all, "run_tox", lambda ini, *a, log=None: (0, "env  description\n"))
    assert main(["record-all", "--tox-ini", str(folder / "tox.ini")]) == 2
    assert "`tox -l` named no environment" in capsys.readouterr().err


def test_error_line_prefers_the_installers_error():
    assert record_all.error_line("a\nERROR: first\nb\nERROR: second\n") == "ERROR: first"
    assert record_all.error_line("a\n\nlast line\n\n") == "last line"
    assert record_all.error_line("") == "no output"


def test_status_and_record_keep_the_environments_promise(tmp_path, monkeypatch, capsys):
    """A tox environment that resolved another Keras than its name promises records
    nothing, and is not called current, under the name of the one it resolved."""
    monkeypatch.setattr(Environment, "installed", staticmethod(lambda: ENV))
    monkeypatch.setenv("RNN_SHAPES_EXPECT", "tensorflow=2.99 keras=3.98 backend=tensorflow")
    for argv in (["status"], ["record", "--out", str(tmp_path / "out")]):
        assert main([*argv, "--matrix", "smoke"]) == 2
        err = capsys.readouterr().err
        assert "keras is 3.99.0, the environment promises 3.98" in err
    assert not (tmp_path / "out").exists()
    monkeypatch.setenv("RNN_SHAPES_EXPECT", "tensorflow=2.99 keras=3.99 backend=tensorflow")
    monkeypatch.setenv("RNN_SHAPES_GOLDEN_ROOT", str(tmp_path))
    assert main(["status", "--matrix", "smoke"]) == 1  # kept: on to the set's status


def test_a_pre_release_that_does_not_install_is_noted_for_the_report(fake_tox):
    """One line in the summary and in the report's next-release section, never more;
    recorded again, its note goes."""
    from types import SimpleNamespace

    from rnn_shapes.golden import unrecorded
    from rnn_shapes.report.markdown import next_release_lines

    folder, _, _ = fake_tox
    (folder / "pyproject.toml").write_text('[tool.rnn-shapes]\ngolden-root = "fx"\n')
    (folder / "fx").mkdir()
    STEPS["next-broken"] = STEPS["broken"]
    STEPS["next-good"] = STEPS["good"]
    try:
        code = record_all.record_all(args(folder / "tox.ini", "next-broken", "next-good", "broken"))
        assert code == 1
        noted = unrecorded.read(folder / "fx")
        assert list(noted) == ["next-broken"]  # a release env's failure is not news of a release
        assert noted["next-broken"]["line"].startswith("install: ERROR: Could not find")
        report = SimpleNamespace(next_changes=[], unrecorded=noted)
        lines = next_release_lines(report)  # type: ignore[arg-type]
        assert any(
            x.startswith("- next-broken: not recorded (") and "Could not find" in x for x in lines
        )
        STEPS["next-broken"] = STEPS["good"]
        assert record_all.record_all(args(folder / "tox.ini", "next-broken")) == 0
        assert unrecorded.read(folder / "fx") == {}
        assert not (folder / "fx" / UNRECORDED).exists()
    finally:
        STEPS.pop("next-broken", None)
        STEPS.pop("next-good", None)


def test_record_missing_needs_a_set_and_something_missing(tmp_path, capsys):
    """--missing reads the installed environment's set before any case runs: none to
    read, or one that holds every case, is one line and exit 2, nothing written."""
    assert main(["record", "--matrix", "smoke", "--missing", "--out", str(tmp_path)]) == 2
    assert "no set to update" in capsys.readouterr().err
    path, _ = record(synthetic_results(matrix("smoke")), Environment.installed(), "smoke", tmp_path)
    before = path.read_bytes()
    assert main(["record", "--matrix", "smoke", "--missing", "--out", str(tmp_path)]) == 2
    assert "nothing is missing" in capsys.readouterr().err
    assert path.read_bytes() == before

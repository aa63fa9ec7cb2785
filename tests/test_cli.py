"""The command line behaves: version, help, filters, report formats, errors, Ctrl-C."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from rnn_shapes import __version__
from rnn_shapes.cases.matrix import matrix, matrix_sizes
from rnn_shapes.cli import main
from rnn_shapes.cli.progress import Progress
from rnn_shapes.cli.summary import check_report
from rnn_shapes.environment import Environment
from rnn_shapes.run_report import render_json, render_junit, render_text
from rnn_shapes.verdict import Problem, Verdict

ROOT = Path(__file__).resolve().parent.parent
ENV = Environment(tensorflow="2.99.0", keras="3.99.0", backend="tensorflow")
AGAINST = "checked against the rules and the oracle only: no set"


def cli(*args: str, cwd: Path = ROOT, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rnn_shapes", *args], cwd=cwd, capture_output=True, text=True, **kw
    )


# The command line in a fresh interpreter, which then says on stderr whether any Keras
# side was imported (the proof that no case ran) and exits with the command's status.
NO_KERAS = """import sys
from rnn_shapes.cli import main
try:
    code = main(sys.argv[1:])
finally:  # also when the command line ends with SystemExit (argparse's errors)
    started = sorted({"tensorflow", "keras", "tf_keras", "jax", "torch"} & set(sys.modules))
    print(f"KERAS STARTED: {started}" if started else "", file=sys.stderr, end="")
sys.exit(code)
"""


def cli_without_keras(*args: str, **kw) -> subprocess.CompletedProcess:
    """`cli`, and a failure if the command imported Keras or a backend."""
    done = subprocess.run(
        [sys.executable, "-c", NO_KERAS, *args], cwd=ROOT, capture_output=True, text=True, **kw
    )
    assert "KERAS STARTED" not in done.stderr, done.stderr
    return done


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"rnn-shapes {__version__}"


COMMANDS = {
    "check",
    "record",
    "status",
    "record-all",
    "audit",
    "compare",
    "report",
    "selftest",
    "explore",
    "table",
    "bench",
    "history",
    "check-model",
    "record-model",
    "advise",
}


def help_of(capsys, *args: str) -> str:
    """What `rnn-shapes ARGS --help` prints, white space folded."""
    with pytest.raises(SystemExit) as info:
        main([*args, "--help"])
    assert info.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def commands() -> set[str]:
    """The commands the parser offers, as its one line for an unknown command lists them."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit):
        main(["no-such-command"])
    (choices,) = re.findall(r"invalid choice: 'no-such-command' \(choose from (.*)\)",
                            err.getvalue())  # fmt: skip
    return set(re.findall(r"'([a-z-]+)'", choices))


def test_every_command_has_a_description_and_shows_defaults(capsys):
    assert commands() == COMMANDS
    listed = help_of(capsys)
    for name in sorted(COMMANDS):
        text = help_of(capsys, name)
        description = text.split(" options: ")[0].split(" ", 2)[-1]  # after "usage: ..."
        summary = re.search(rf" {name} (.+?)(?= (?:{'|'.join(COMMANDS)}) |$)", listed)
        assert summary and summary.group(1).split(" options:")[0].strip(), (name, listed)
        assert summary.group(1).split(" options:")[0].strip() in text, (name, description)
    check_help = help_of(capsys, "check")
    sizes = ", ".join(f"{name} ({n:,} cases)" for name, n in matrix_sizes().items())
    assert sizes in check_help
    assert {name: len(matrix(name)) for name in matrix_sizes()} == matrix_sizes()
    assert "(default: default)" in check_help and "(default: text)" in check_help
    assert "(default: None)" not in check_help
    assert "exit status: 0 agree / identical, 1 disagree / different, 2 error" in listed


# ---------------------------------------------------------------- errors: one line, exit 2


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["record", "--out", "/etc/passwd/x"], "/etc/passwd/x"),
        (["record", "--matrix", "smoke", "--out", "/proc"], "/proc: cannot write there"),
        (["check", "--output", "/etc/passwd/x/report.xml", "--format", "junit"], "/etc/passwd/x"),
        (["check", "--output", "/tmp"], "/tmp: is a folder"),
        (["bench", "--out", "/etc/passwd/figures.json"], "/etc/passwd"),
        (["audit", "/nonexistent/default.json"], "/nonexistent/default.json"),
        (["compare", "nowhere-env", "other-env", "--root", "/nonexistent"], "nowhere-env"),
        (["check", "--matrix", "smoke", "--case", "LSTM-no-such-case"], "LSTM-no-such-case"),
        (["check", "--matrix", "smoke", "-k", "LSTM and (bi"], "unexpected end"),
        (["check", "--matrix", "smoke", "-k", "not " * 2000 + "(LSTM"], "unexpected end"),
        (["check", "--matrix", "smoke", "-k", "(" * 2000 + "LSTM" + ")" * 2000], "nested deeper"),
        (["record", "--matrix", "smoke", "-k", "Transformer"], "no case matches"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_any_case_runs(args, named):
    out = cli_without_keras(*args)  # no case ran
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("command", [["check"], ["record", "--out", "OUT"], ["status"]])
def test_an_unknown_keras_backend_is_one_line_before_any_case_runs(command, tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "nonsense"}
    env.pop("RNN_SHAPES_EXPECT", None)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    out = cli_without_keras(*args, "--matrix", "smoke", env=env)
    assert out.returncode == 2, out.stderr
    (line,) = out.stderr.strip().splitlines()
    assert "KERAS_BACKEND='nonsense': not a Keras backend" in line, line
    assert not (tmp_path / "out").exists()


def test_bad_input_writes_nothing(tmp_path):
    out = tmp_path / "out"
    report = cli("report", "--root", str(tmp_path / "typo"), "--out", str(out))
    assert report.returncode == 2 and "no golden sets" in report.stderr
    record = cli("record", "--matrix", "smoke", "-k", "(", "--out", str(out / "golden"))
    assert record.returncode == 2
    assert not out.exists()  # neither created a folder


@pytest.mark.parametrize(
    ("blocked", "said"),
    [
        ("{env}", "exists and is not a folder"),
        ("{env}/smoke.json/", "is a folder, expected a file"),
        ("store", "exists and is not a folder"),
    ],
)
def test_a_blocked_path_inside_the_golden_root_is_refused_before_any_case_runs(
    blocked, said, tmp_path
):
    """A file where the environment's folder or the store should be, a folder where
    the set should be: found before Keras starts, and nothing is written."""
    name = Environment.installed().name
    target = tmp_path / blocked.format(env=name).rstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if blocked.endswith("/"):
        target.mkdir()
    else:
        target.write_text("in the way")
    before = sorted(tmp_path.rglob("*"))
    out = cli_without_keras("record", "--matrix", "smoke", "--out", str(tmp_path))
    assert out.returncode == 2, out.stderr
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith(f"rnn-shapes record: {target}: {said}"), line
    assert sorted(tmp_path.rglob("*")) == before


def test_record_filtered_needs_an_existing_set(tmp_path):
    out = cli(
        "record", "--matrix", "smoke", "--case", matrix("smoke")[0].id, "--out", str(tmp_path)
    )
    assert out.returncode == 2 and "no set to update" in out.stderr
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_root_not_configured_outside_a_project(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "RNN_SHAPES_GOLDEN_ROOT"}
    out = cli("audit", cwd=tmp_path, env=env)
    assert out.returncode == 2 and "[tool.rnn-shapes]" in out.stderr


@pytest.mark.parametrize("command", ["check", "status", "audit"])
def test_a_golden_root_configured_wrong_is_exit_2_not_judged_without_a_set(command, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "RNN_SHAPES_GOLDEN_ROOT"}
    (tmp_path / "pyproject.toml").write_text("[tool.rnn-shapes]\ngolden-root = 42\n")
    args = [] if command == "audit" else ["--matrix", "smoke"]
    out = cli(command, *args, cwd=tmp_path, env=env)
    assert out.returncode == 2, out.stdout + out.stderr
    (line,) = out.stderr.strip().splitlines()
    assert "pyproject.toml: [tool.rnn-shapes] golden-root must be a path" in line
    (tmp_path / "pyproject.toml").unlink()
    env["RNN_SHAPES_GOLDEN_ROOT"] = str(tmp_path / "pyproject.toml.bak")
    Path(env["RNN_SHAPES_GOLDEN_ROOT"]).write_text("a file")
    out = cli(command, *args, cwd=tmp_path, env=env)
    assert out.returncode == 2 and "not a folder of golden sets" in out.stderr, out.stderr


def test_checkout_finds_its_sets_from_a_subfolder():
    out = cli(
        "compare", "tf2.15-keras2.15-tensorflow", "tf2.14-keras2.14-tensorflow", cwd=ROOT / "docs"
    )
    assert out.returncode == 0, out.stderr  # Keras 2 on TF 2.14 and 2.15: bit-identical
    assert "(identical)" in out.stdout


# ---------------------------------------------------------------- report formats


def verdicts() -> list[Verdict]:
    cases = matrix("smoke")[:3]
    bad = Verdict(cases[2], "ok")
    bad.add("rules", [Problem("shape", "output h: shape expected (2, 3), got (2, 4)", 1)])
    bad.add("oracle", [Problem("values", "output h: 3 of 6 values off", 1)])
    return [Verdict(cases[0], "ok", max_deviation=1e-7), Verdict(cases[1], "rejected"), bad]


def test_text_report_keeps_refusals_apart_from_agreement():
    text = render_text(check_report(verdicts(), ENV, "smoke", AGAINST))
    assert "refused" in text.splitlines()[3]  # the table's header has its own column
    assert "verdict: 1 of 3 cases disagree" in text
    assert "rules, oracle disagree" in text
    assert AGAINST in text.splitlines()[1]


def test_json_report():
    doc = json.loads(render_json(check_report(verdicts(), ENV, "smoke", AGAINST)))
    assert doc["counts"] == {"agree": 1, "refused": 1, "defect": 0, "disagree": 1}
    assert [c["outcome"] for c in doc["cases"]] == ["agree", "refused", "disagree"]
    assert doc["cases"][2]["problems"][0].startswith("rules: ")
    assert doc["checked_against"] == AGAINST


def test_junit_report_is_valid_junit_xml():
    root = ET.fromstring(render_junit(check_report(verdicts(), ENV, "smoke", AGAINST)))
    suite = root.find("testsuite")
    assert suite.get("tests") == "3" and suite.get("failures") == "1"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [v.case.id for v in verdicts()]
    failure = cases[2].find("failure")
    assert failure.get("message") == "rules, oracle disagree" and "3 of 6" in failure.text
    assert cases[0].find("failure") is None and cases[1].find("failure") is None
    assert cases[1].find("system-out").text == "refused as the rule predicts"
    said = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert said == {**{k: str(v) for k, v in ENV.metadata().items()}, "checked_against": AGAINST}


@pytest.mark.keras
def test_check_one_case_as_junit(tmp_path):
    case_id = matrix("smoke")[0].id
    report = tmp_path / "out" / "report.xml"
    out = cli(
        "check",
        "--matrix",
        "smoke",
        "--case",
        case_id,
        "--format",
        "junit",
        "--output",
        str(report),
    )
    assert out.returncode == 0, out.stderr
    assert (
        out.stdout.strip()
        == "verdict: all 1 cases agree (1 computed, 0 refused as the rule predicts)"
    )
    suite = ET.parse(report).getroot().find("testsuite")
    assert [c.get("name") for c in suite.findall("testcase")] == [case_id]


# ---------------------------------------------------------------- progress and Ctrl-C


class Log:
    """A stream that is not a terminal, like a CI log."""

    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return False

    def write(self, s: str) -> None:
        self.text += s

    def flush(self) -> None:
        pass


def test_progress_off_a_terminal_is_a_periodic_line():
    log = Log()
    progress = Progress(10, "check smoke", stream=log, every=0.0)
    progress.advance(3)
    progress.advance(7)
    progress.close()
    lines = log.text.splitlines()
    assert lines[0].startswith("check smoke: 3/10 cases") and "\r" not in log.text
    assert lines[-1].startswith("check smoke: done, 10/10 cases")
    quiet = Log()
    slow = Progress(10, "x", stream=quiet, every=3600)
    slow.advance(5)
    assert quiet.text == ""  # nothing between periods


@pytest.mark.parametrize("value", ["abc", "-1", "nan"])
def test_a_status_period_that_is_no_number_is_one_line_naming_the_variable(value):
    env = {**os.environ, "RNN_SHAPES_STATUS_SECONDS": value}
    out = cli_without_keras("check", "--matrix", "smoke", "--case", matrix("smoke")[0].id, env=env)
    assert out.returncode == 2, out.stderr
    (line,) = out.stderr.strip().splitlines()
    assert f"RNN_SHAPES_STATUS_SECONDS={value!r}: " in line


@pytest.mark.keras
def test_check_judges_against_the_golden_set_unless_told_not_to(tmp_path, capsys):
    """`check` means what pytest means: the recorded set is judged too, when there is one."""
    from dataclasses import replace

    from rnn_shapes import run_keras
    from rnn_shapes.cases.signature import signature
    from rnn_shapes.golden.writing import write_set

    case = matrix("smoke")[0]
    env = Environment.installed()
    live = run_keras(case)
    moved = replace(live, outputs=tuple(o + 1e-3 for o in live.outputs))  # recorded otherwise
    write_set(tmp_path, env.name, "smoke", [moved], {case.id: signature(case)}, env.metadata())
    args = ["check", "--matrix", "smoke", "--case", case.id, "--root", str(tmp_path)]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert f"checked against the rules, the oracle and the golden set {tmp_path}" in out
    assert "golden disagree" in out and "oracle" not in out.split("DISAGREE")[1].split("\n")[0]
    assert main([*args, "--no-golden"]) == 0
    assert "checked against the rules and the oracle only" in capsys.readouterr().out
    empty = tmp_path / "empty"
    assert main([*args[:-1], str(empty)]) == 0  # no set recorded there: said, not failed
    assert f"no golden set for environment {env.name}" in capsys.readouterr().out

"""The packaged pytest plugin: inert in other projects, a golden root that travels,
one clear line for an unwritable root, and the one-case public API."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from synthetic import synthetic_results

from rnn_shapes import Case, check_case
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.cases.signature import signature
from rnn_shapes.environment import environment_name, installed
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.golden.layout import ENV_VAR, golden_root
from rnn_shapes.golden.writing import write_set
from rnn_shapes.pytest_session import NO_MODELS

ROOT = Path(__file__).resolve().parent.parent


def run_pytest(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={k: v for k, v in (env or os.environ).items() if k != ENV_VAR},
    )


# ---------------------------------------------------------------- the golden root


def test_root_from_the_nearest_pyproject(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    (tmp_path / "pyproject.toml").write_text('[tool.rnn-shapes]\ngolden-root = "golden"\n')
    deep = tmp_path / "src" / "pkg"
    deep.mkdir(parents=True)
    (deep / "pyproject.toml").write_text("[tool.other]\nx = 1\n")  # no rnn-shapes table: go on
    assert golden_root(start=deep) == tmp_path / "golden"
    assert golden_root("explicit", start=deep) == Path("explicit")
    monkeypatch.setenv(ENV_VAR, "/from/env")
    assert golden_root(start=deep) == Path("/from/env")


def test_root_errors_name_the_file(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(RnnShapesError, match=r"\[tool.rnn-shapes\]"):
        golden_root(start=tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.rnn-shapes\n")
    with pytest.raises(RnnShapesError, match=r"pyproject\.toml: cannot read it"):
        golden_root(start=tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.rnn-shapes]\ngolden-root = 3\n")
    with pytest.raises(RnnShapesError, match="golden-root must be a path"):
        golden_root(start=tmp_path)


def test_this_checkout_names_its_fixtures(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert golden_root(start=ROOT / "rnn_shapes" / "conformance") == ROOT / "fixtures"


# ---------------------------------------------------------------- inert elsewhere

OTHER_PROJECT_TEST = textwrap.dedent("""
    import gc
    import pytest

    @pytest.fixture(params=[1, 2])
    def case(request):  # a user's own fixture with a common name stays theirs
        return request.param

    def test_unaffected(case):
        assert case in (1, 2)
        assert gc.get_threshold() == {threshold!r}
        assert gc.get_freeze_count() == 0
        import sys
        assert "tensorflow" not in sys.modules and "keras" not in sys.modules
""")


def test_plugin_is_inert_in_other_tests(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_other.py").write_text(
        OTHER_PROJECT_TEST.format(threshold=(700, 10, 10))  # CPython's default
    )
    # even with a golden root configured (and its set stale), another project's run
    # reads no set and says nothing
    golden = tmp_path / "golden"
    cases = matrix("default")[:3]
    installed_env = {**installed(), "numpy": "0", "python": "0", "platform": "test"}
    installed_env["backend_version"] = "0"
    write_set(
        golden,
        environment_name(installed_env),
        "default",
        synthetic_results(cases),
        {c.id: signature(c) for c in cases},
        installed_env,
    )
    env = {**os.environ, ENV_VAR: str(golden)}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-p", "no:xdist"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 passed" in out.stdout and "rnn-shapes" not in out.stdout
    helped = run_pytest(tmp_path, "--help")
    assert "--rnn-matrix" in helped.stdout  # registered, not forced


# ---------------------------------------------------------------- --rnn-regen-golden


def test_regen_into_an_unwritable_root_is_one_line(tmp_path):
    out = run_pytest(
        ROOT,
        "rnn_shapes/conformance",
        "--rnn-matrix",
        "smoke",
        "--rnn-regen-golden",
        "--rnn-golden-root",
        "/etc/passwd/golden",
    )
    assert out.returncode == pytest.ExitCode.USAGE_ERROR, out.stdout + out.stderr
    assert "INTERNALERROR" not in out.stdout + out.stderr
    (line,) = [x for x in out.stderr.splitlines() if "/etc/passwd/golden" in x]
    assert "--rnn-regen-golden" in line and "cannot write there" in line


def test_missing_set_skips_once_or_fails_when_required(tmp_path):
    args = ("rnn_shapes/conformance", "--rnn-matrix", "smoke", "--rnn-golden-root", str(tmp_path))
    select = ("-k", "test_golden_set")
    skipped = run_pytest(ROOT, *args, *select, "-rs")
    assert skipped.returncode == 0 and "1 skipped" in skipped.stdout, skipped.stdout
    assert (
        "no golden set for environment" in skipped.stdout and "rnn-shapes record" in skipped.stdout
    )
    required = run_pytest(ROOT, *args, *select, "--rnn-require-golden")
    assert required.returncode == 1 and "--rnn-require-golden" in required.stdout


SUITE = ("--pyargs", "rnn_shapes.conformance", "--rnn-matrix", "smoke", "-k", "test_golden_set")


@pytest.mark.parametrize("wrong", ["golden-root = 42", "RNN_SHAPES_GOLDEN_ROOT=<a file>"])
def test_a_misconfigured_golden_root_is_an_error_not_a_skip(wrong, tmp_path):
    """Only a root that is not configured at all skips; one configured wrong fails the
    run, naming the file, as the command line exits 2 for it."""
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    if wrong.startswith(ENV_VAR):
        named = tmp_path / "a-file"
        named.write_text("not a folder")
        env[ENV_VAR] = str(named)
    else:
        named = tmp_path / "pyproject.toml"
        named.write_text(f"[tool.rnn-shapes]\n{wrong}\n")
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", *SUITE],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    said = out.stdout + out.stderr
    assert out.returncode in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR), said
    assert str(named) in said and "skipped" not in said.splitlines()[-1]


# ---------------------------------------------------------------- the one-case API


@pytest.mark.keras
def test_check_case_runs_and_judges_one_case():
    case = Case(
        layer="GRU",
        units=2,
        batch=3,
        timesteps=4,
        features=2,
        bidirectional=True,
        merge_mode="ave",
        return_state=True,
    )
    verdict = check_case(case)
    assert verdict.agrees, verdict.explain()
    assert verdict.result.arity == 3 and verdict.max_deviation < 1e-6
    assert not verdict.golden_checked


@pytest.mark.keras
def test_packaged_suite_runs_from_an_empty_directory(tmp_path):
    """`--pyargs rnn_shapes` needs no checkout: the suite and plugin ship in the package."""
    out = run_pytest(tmp_path, "--pyargs", "rnn_shapes", "-n", "2", "--rnn-matrix", "smoke")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert f"matrix smoke: {len(matrix('smoke'))} agree" in out.stdout
    assert NO_MODELS in out.stdout  # the model tests were not collected, and it says so

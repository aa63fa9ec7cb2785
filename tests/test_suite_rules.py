"""The suite's own rules: a skip in CI's run fails unless expected there, a hanging test
fails alone, and the phases the commands name are the ones tests can wait for."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

from rnn_shapes.phases import PHASES

ROOT = Path(__file__).resolve().parent.parent

SKIPPING = """
import time
import pytest

def test_skipped():
    pytest.skip("a browser is missing")

def test_passes():
    pass

def test_hangs():
    time.sleep(60)
"""


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """pytest on `folder` with this checkout's conftest.py."""
    (folder / "conftest.py").write_text((ROOT / "conftest.py").read_text())
    (folder / "test_some.py").write_text(SKIPPING)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", *args, str(folder)],
        cwd=folder,
        capture_output=True,
        text=True,
    )


def test_a_skip_fails_under_strict_skips_and_says_why(tmp_path):
    out = run_pytest(tmp_path, "-k", "skipped or passes", "--strict-skips")
    assert out.returncode == 1, out.stdout
    assert "skipped under --strict-skips: a browser is missing" in out.stdout
    assert "1 failed, 1 passed" in out.stdout
    elsewhere = run_pytest(tmp_path, "-k", "skipped or passes")
    assert elsewhere.returncode == 0 and "1 passed, 1 skipped" in elsewhere.stdout
    assert "SKIPPED" in elsewhere.stdout and "a browser is missing" in elsewhere.stdout  # -rs


def test_ci_runs_the_suite_with_strict_skips():
    for page in ("README.md", ".ci/run"):
        text = (ROOT / page).read_text(encoding="utf-8")
        assert "-m pytest -n auto -rs --strict-skips --rnn-require-golden" in text, page


def test_a_hanging_test_fails_alone_at_the_configured_timeout(tmp_path):
    configured = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert configured["tool"]["pytest"]["ini_options"]["timeout"] > 0
    out = run_pytest(tmp_path, "-o", "timeout=2", "-k", "hangs or passes")
    assert out.returncode == 1, out.stdout
    assert "Timeout" in out.stdout and "1 failed, 1 passed" in out.stdout


def test_every_phase_is_named_in_the_code_and_only_those():
    """Tests wait for PHASES by name: a phase no command reaches would make them wait
    out their bound; one reached but not listed could not be waited for."""
    used = []
    for path in (ROOT / "rnn_shapes").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = getattr(node, "func", None)
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if isinstance(node, ast.Call) and name == "reached":
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                assert len(node.args) == 1 and isinstance(node.args[0], ast.Constant), where
                used.append(node.args[0].value)
    assert len(used) == len(set(used)), f"a phase reached in two places: {sorted(used)}"
    assert set(used) == set(PHASES)

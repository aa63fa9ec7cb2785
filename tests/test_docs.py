"""README stays true: its generated table, its numbers and its CI command."""

from __future__ import annotations

import re
from pathlib import Path

from rnn_shapes.cli.table import shape_table, with_table
from rnn_shapes.spec.matrix import matrix

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_table_is_generated():
    assert with_table(README, "smoke", shape_table(matrix("smoke"))) == README, (
        "README's smoke table is stale: run `rnn-shapes table --write-readme README.md`"
    )


def test_readme_case_counts():
    for name in ("smoke", "default", "full"):
        assert f"{len(matrix(name)):,} cases" in README or f"({len(matrix(name))} cases)" in README


def test_ci_runs_the_readme_test_command():
    blocks = re.findall(r"```\n(python3 -m venv .*)\n```", README)
    test_cmd = next(b for b in blocks if "pytest" in b)
    pytest_part = test_cmd.split("&& ")[-1].replace(".venv/bin/", "")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/" + pytest_part in ci
    install = test_cmd.split("&& ")[1].replace(".venv/bin/pip install", "")
    assert ".venv/bin/pip install -q" + install.rstrip() in ci

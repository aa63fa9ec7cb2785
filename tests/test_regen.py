"""--rnn-regen-golden under pytest-xdist writes what a serial `rnn-shapes record`
writes, and a hand-edited set fails by case, then regenerates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rnn_shapes.cases.matrix import matrix
from rnn_shapes.environment import environment_name, installed

pytestmark = pytest.mark.keras
ROOT = Path(__file__).resolve().parent.parent


def pytest_run(golden_root: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "--rnn-matrix",
        "smoke",
        "--rnn-golden-root",
        str(golden_root),
        "-q",
        "-p",
        "no:cacheprovider",
        "rnn_shapes/conformance/test_conformance.py",
        *extra,
    ]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_parallel_regen_equals_serial_record_and_repairs_an_edit(tmp_path):
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    rec = subprocess.run(
        [sys.executable, "-m", "rnn_shapes", "record", "--matrix", "smoke", "--out", str(serial)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert rec.returncode == 0, rec.stderr
    regen = pytest_run(parallel, "-n", "2", "--rnn-regen-golden")
    assert regen.returncode == 0, regen.stdout[-2000:]
    assert "recorded" in regen.stdout and f"{len(matrix('smoke'))} cases" in regen.stdout
    assert files(parallel) == files(serial)

    path = parallel / environment_name(installed()) / "smoke.json"
    doc = json.loads(path.read_text())
    victim = "LSTM-bi-concat-seq1-state1-fwd-B2T5D1U3-distinct"
    doc["cases"][victim]["outputs"][0]["shape"] = [2, 5, 7]
    path.write_text(json.dumps(doc))
    broken = pytest_run(parallel)
    assert broken.returncode == 2 and victim in broken.stdout  # an unreadable set: collection error

    assert pytest_run(parallel, "-n", "2", "--rnn-regen-golden").returncode == 0
    assert files(parallel) == files(serial)
    assert pytest_run(parallel).returncode == 0

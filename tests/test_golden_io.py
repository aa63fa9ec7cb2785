"""Golden-set files: round trip, deterministic bytes, atomic writes, strict reading."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from synthetic import synthetic_results

from rnn_shapes.cli import main
from rnn_shapes.golden import GoldenError, changes, encode, read_set, write_set
from rnn_shapes.matrix import matrix
from rnn_shapes.record import record
from rnn_shapes.result import Result
from rnn_shapes.signature import signature

ENV = {
    "tensorflow": "2.99.0",
    "keras": "3.99.0",
    "backend": "tensorflow",
    "numpy": "2.0.0",
    "python": "3.11.0",
    "platform": "test",
}
CASES = matrix("smoke")[:3]
SIGS = {c.id: signature(c) for c in CASES}


def fake_results(shift: float = 0.0) -> list[Result]:
    return synthetic_results(CASES, shift)


def write(tmp_path: Path, results=None) -> Path:
    return write_set(tmp_path, "env", "smoke", results or fake_results(), SIGS, ENV)


def test_round_trip(tmp_path):
    path = write(tmp_path)
    golden = read_set(path, expect_matrix="smoke")
    assert golden.metadata["tensorflow"] == "2.99.0" and golden.matrix == "smoke"
    for r in fake_results():
        got = golden.results[r.case_id]
        assert (got.container, got.dtypes, got.shapes) == (r.container, r.dtypes, r.shapes)
        for a, b in zip(got.outputs, r.outputs, strict=True):
            assert a.tobytes() == b.tobytes()


def test_same_results_same_bytes(tmp_path):
    first = encode(fake_results(), SIGS, ENV, "smoke")
    assert encode(list(reversed(fake_results())), SIGS, ENV, "smoke") == first
    path = write(tmp_path)
    before = {p.name: p.read_bytes() for p in path.parent.iterdir()}
    write(tmp_path)
    assert {p.name: p.read_bytes() for p in path.parent.iterdir()} == before
    assert json.loads(path.read_text())  # valid JSON, each case on a line of its own
    lines = path.read_text().splitlines()
    for case in CASES:
        (line,) = [x for x in lines if case.id in x]
        assert line.strip().startswith(f'"{case.id}": {{"container"')


def test_rewrite_replaces_values_file(tmp_path):
    write(tmp_path)
    path = write(tmp_path, fake_results(shift=0.5))
    assert len(list(path.parent.glob("smoke.*.npz"))) == 1
    got = read_set(path).results[CASES[0].id].outputs[0]
    np.testing.assert_array_equal(got, fake_results(shift=0.5)[0].outputs[0])


def test_changes_counts_new_changed_removed():
    old = {r.case_id: r for r in fake_results()}
    new = {r.case_id: r for r in fake_results()}
    moved = fake_results(shift=1e-7)[1]
    new[moved.case_id] = moved
    gone = CASES[2].id
    del new[gone]
    assert changes(old, new) == {"new": [], "changed": [moved.case_id], "removed": [gone]}


def test_record_refuses_a_partial_set(tmp_path):
    path = write(tmp_path)
    before = path.read_bytes()
    with pytest.raises(GoldenError, match="refusing to record"):
        record(fake_results(), ENV, "smoke", tmp_path)
    assert path.read_bytes() == before


# ---------------------------------------------------------------- bad input


def edit_json(path: Path, change) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def first_case(doc):
    return doc["cases"][CASES[0].id]


BAD = {
    "malformed JSON": (lambda p: p.write_text(p.read_text()[:-20]), "not valid JSON"),
    "missing key": (
        lambda p: edit_json(p, lambda d: first_case(d).pop("container")),
        "missing keys \\['container'\\]",
    ),
    "extra key": (
        lambda p: edit_json(p, lambda d: d["metadata"].update(extra="x")),
        "unexpected keys \\['extra'\\]",
    ),
    "wrong type": (
        lambda p: edit_json(p, lambda d: first_case(d)["outputs"][0].update(shape="2x3")),
        "shape must be a list",
    ),
    "hand-edited shape": (
        lambda p: edit_json(p, lambda d: first_case(d)["outputs"][0].update(shape=[2, 7])),
        "says float32\\[2, 7\\]",
    ),
    "unknown schema": (
        lambda p: edit_json(p, lambda d: d.update(schema=99)),
        "unknown schema version 99",
    ),
    "values of another set": (
        lambda p: next(p.parent.glob("*.npz")).write_bytes(
            encode(fake_results(shift=3.0), SIGS, ENV, "smoke")[1]
        ),
        "sha256 differs",
    ),
    "values file missing": (lambda p: next(p.parent.glob("*.npz")).unlink(), "is missing"),
    "another matrix": (
        lambda p: edit_json(p, lambda d: d["metadata"].update(matrix="full")),
        "a set of matrix 'full', expected 'smoke'",
    ),
}


@pytest.mark.parametrize("kind", BAD)
def test_bad_set_is_one_clear_error_and_nothing_is_overwritten(kind, tmp_path, capsys):
    path = write(tmp_path)
    corrupt, message = BAD[kind]
    corrupt(path)
    files = {p: p.read_bytes() for p in path.parent.iterdir()}
    with pytest.raises(GoldenError, match=message) as info:
        read_set(path, expect_matrix="smoke")
    assert str(path.parent) in str(info.value)
    if kind in ("missing key", "wrong type", "hand-edited shape"):
        assert CASES[0].id in str(info.value)  # names the case
    assert main(["audit", str(path)]) == 2  # the CLI: exit status 2, the file named
    assert str(path.parent) in capsys.readouterr().err
    assert {p: p.read_bytes() for p in path.parent.iterdir()} == files


# ---------------------------------------------------------------- interrupted writes

KILL = textwrap.dedent("""
    import os, signal, sys
    import rnn_shapes.golden as golden
    sys.path.insert(0, {tests!r})
    from test_golden_io import ENV, SIGS, fake_results
    stage = sys.argv[1]
    real_bytes, real_text = golden.atomic_write_bytes, golden.atomic_write_text
    def die(*a, **k):
        os.kill(os.getpid(), signal.SIGKILL)
    if stage == "values":
        golden.atomic_write_bytes = die
    else:
        golden.atomic_write_text = die
    golden.write_set(sys.argv[2], "env", "smoke", fake_results(shift=9.0), SIGS, ENV)
""")


@pytest.mark.parametrize("stage", ["values", "json"])
def test_killed_record_leaves_previous_set_intact(stage, tmp_path):
    path = write(tmp_path)
    before = read_set(path)
    script = KILL.format(tests=str(Path(__file__).parent))
    proc = subprocess.run(
        [sys.executable, "-c", script, stage, str(tmp_path)], capture_output=True, text=True
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    after = read_set(path)
    for cid, r in before.results.items():
        assert after.results[cid].outputs[0].tobytes() == r.outputs[0].tobytes()
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")] or stage == "values"
    assert os.path.exists(path)

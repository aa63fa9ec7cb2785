"""Golden-set files: round trip, deterministic bytes, atomic writes, strict reading."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from synthetic import synthetic_results

from rnn_shapes.cli import main
from rnn_shapes.golden.record import record
from rnn_shapes.golden.sets import GoldenError, changes, encode, read_set, write_set
from rnn_shapes.result import Result
from rnn_shapes.spec.matrix import matrix
from rnn_shapes.spec.signature import signature

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


def test_masks_round_trip_and_stay_out_of_unmasked_entries(tmp_path):
    results = fake_results()
    masked = replace(results[0], masks=("1100/1110", None)[: results[0].arity])
    failed = replace(results[1], masks="TypeError: no masks")
    path = write(tmp_path, [masked, failed, results[2]])
    golden = read_set(path)
    assert golden.results[masked.case_id].masks == masked.masks
    assert golden.results[failed.case_id].masks == "TypeError: no masks"
    assert golden.results[results[2].case_id].masks is None
    assert "masks" not in json.loads(path.read_text())["cases"][results[2].case_id]


def test_symbolic_outputs_round_trip_in_ok_and_refused_entries(tmp_path):
    results = fake_results()
    said = (((None, 5, 3), "float32"), ((None, None), "float16"))[: results[0].arity]
    built = replace(results[0], symbolic=said)
    refused = Result(results[1].case_id, "rejected", None, error="ValueError: no", symbolic=said)
    path = write(tmp_path, [built, refused, results[2]])
    golden = read_set(path)
    assert golden.results[built.case_id].symbolic == said
    assert golden.results[refused.case_id].symbolic == said
    assert golden.results[results[2].case_id].symbolic is None
    entry = json.loads(path.read_text())["cases"][built.case_id]
    assert entry["symbolic"][0] == "float32[None, 5, 3]"


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


def test_filtered_record_updates_only_its_cases(tmp_path):
    """`rnn-shapes record -k ...`: the chosen cases are replaced, the rest kept bit for bit."""
    every = synthetic_results(matrix("smoke"))
    path, _ = record(every, ENV, "smoke", tmp_path)
    moved = synthetic_results(matrix("smoke")[:1], shift=0.25)
    _, summary = record(moved, ENV, "smoke", tmp_path, partial=True)
    assert "changed 1" in summary and moved[0].case_id in summary
    after = read_set(path).results
    assert after[moved[0].case_id].outputs[0].tobytes() == moved[0].outputs[0].tobytes()
    for r in every[1:]:
        assert after[r.case_id].outputs[0].tobytes() == r.outputs[0].tobytes()


def test_filtered_record_drops_cases_gone_from_the_matrix(tmp_path):
    every = synthetic_results(matrix("smoke"))
    path, _ = record(every, ENV, "smoke", tmp_path)
    doc = json.loads(path.read_text())
    gone = "LSTM-uni-seq0-state0-fwd-B9T9D9U9-distinct"  # a case the matrix no longer has
    doc["cases"][gone] = doc["cases"][every[0].case_id]
    path.write_text(json.dumps(doc))
    values = next(path.parent.glob("*.npz"))
    from rnn_shapes.golden.sets import encode_values

    renamed = [replace(every[0], case_id=gone), *every]
    data = encode_values(sorted(renamed, key=lambda r: r.case_id))
    values.write_bytes(data)
    edit_json(path, lambda d: d["metadata"].update(values_sha256=hashlib.sha256(data).hexdigest()))
    _, summary = record(synthetic_results(matrix("smoke")[:1], 0.5), ENV, "smoke", tmp_path, True)
    assert "removed 1" in summary and gone in summary
    assert gone not in read_set(path).results


def test_filtered_record_without_a_set_is_refused(tmp_path):
    with pytest.raises(GoldenError, match="no set to update"):
        record(fake_results(), ENV, "smoke", tmp_path, partial=True)
    assert not list(tmp_path.rglob("*"))


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
    "bad masks": (
        lambda p: edit_json(p, lambda d: first_case(d).update(masks=["12"])),
        "masks must be an error text or, per output",
    ),
    "bad symbolic": (
        lambda p: edit_json(p, lambda d: first_case(d).update(symbolic=["float32(None, 3)"])),
        "symbolic must be a list of 'dtype\\[n, None, ...\\]' strings",
    ),
    "bad facts": (
        lambda p: edit_json(p, lambda d: first_case(d).update(facts={"repeatable": "yes"})),
        "facts must be an object of true/false values",
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

# Runs write_set in a child that SIGKILLs itself at the rename (os.replace, as
# files.atomic_write_bytes does it) that would publish a file ending in argv[1]:
# that file's temporary copy is written and synced, its target not yet replaced.
KILL = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from rnn_shapes.golden.sets import write_set
    from test_golden_io import ENV, SIGS, fake_results
    suffix, root = sys.argv[1], sys.argv[2]
    real_replace = os.replace
    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith(suffix):
            os.kill(os.getpid(), signal.SIGKILL)
        real_replace(src, dst, *args, **kwargs)
    os.replace = replace
    write_set(root, "env", "smoke", fake_results(shift=9.0), SIGS, ENV)
""")


@pytest.mark.parametrize("stage", ["values", "json"])
def test_killed_record_leaves_previous_set_intact(stage, tmp_path):
    path = write(tmp_path)
    folder = path.parent
    old_values = read_set(path).metadata["values"]
    old_files = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert set(old_files) == {"smoke.json", old_values}
    new_text, new_values, new_name = encode(fake_results(shift=9.0), SIGS, ENV, "smoke")
    assert new_name != old_values

    published = {"values": new_name, "json": path.name}[stage]  # the rename that is killed
    script = KILL.format(tests=str(Path(__file__).parent))
    proc = subprocess.run(
        [sys.executable, "-c", script, Path(published).suffix, str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr

    # On disk: the old files untouched, the killed rename's temporary file, and after
    # the "json" kill the new values file, written first and now named by nothing.
    (tmp,) = folder.glob(f".{published}.*.tmp")
    orphans = {new_name} if stage == "json" else set()
    assert {p.name for p in folder.iterdir()} == {*old_files, tmp.name, *orphans}
    for name, data in old_files.items():
        assert (folder / name).read_bytes() == data, name
    assert tmp.read_bytes() == (new_values if stage == "values" else new_text.encode())
    for orphan in orphans:
        assert (folder / orphan).read_bytes() == new_values

    # The previous set reads back bit for bit, from its own values file: neither
    # the temporary file nor the orphan is picked up.
    after = read_set(path, expect_matrix="smoke")
    assert after.metadata["values"] == old_values
    assert set(after.results) == {c.id for c in CASES}
    for r in fake_results():
        got = after.results[r.case_id]
        assert (got.container, got.dtypes, got.shapes) == (r.container, r.dtypes, r.shapes)
        assert [o.tobytes() for o in got.outputs] == [o.tobytes() for o in r.outputs]

    # The next record of the environment removes the orphan; the hidden temporary
    # file is left alone (it is no set's file, and nothing reads it).
    write(tmp_path)
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p != tmp} == old_files
    assert tmp.exists()

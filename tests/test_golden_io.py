"""Golden-set files: round trip, deterministic bytes, atomic writes, strict reading."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from synthetic import synthetic_results
from watch import phases_said, state

from rnn_shapes.cases.matrix import matrix
from rnn_shapes.cases.signature import signature
from rnn_shapes.cli import main
from rnn_shapes.differences import changes
from rnn_shapes.environment import Environment
from rnn_shapes.golden import layout, store
from rnn_shapes.golden.record import record
from rnn_shapes.golden.sets import SCHEMA, GoldenError, read_set
from rnn_shapes.golden.writing import encode, write_set
from rnn_shapes.phases import PAUSE_VAR, PHASES_VAR
from rnn_shapes.result import Result

ENV = {
    "tensorflow": "2.99.0",
    "keras": "3.99.0",
    "backend": "tensorflow",
    "numpy": "2.0.0",
    "python": "3.11.0",
    "platform": "test",
    "backend_version": "0",
}
ENVIRONMENT = Environment.of(ENV)
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


def test_received_masks_round_trip_strictly_and_stay_out_where_not_observed(tmp_path):
    results = fake_results()
    seen = ("1100/1110", None, None)[: results[0].arity]
    observed = replace(results[0], masks=seen, received=seen)
    path = write(tmp_path, [observed, *results[1:]])
    golden = read_set(path)
    assert golden.results[observed.case_id].received == seen
    assert golden.results[results[1].case_id].received is None
    assert "received" not in json.loads(path.read_text())["cases"][results[1].case_id]
    edit_json(path, lambda d: d["cases"][observed.case_id].update(received=["11x0"]))
    with pytest.raises(GoldenError, match="received must be"):
        read_set(path)


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


def files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and p.name != ".lock"}


def test_same_results_same_bytes(tmp_path):
    first = encode(fake_results(), SIGS, ENV, "smoke")
    assert encode(list(reversed(fake_results())), SIGS, ENV, "smoke")[0] == first[0]
    path = write(tmp_path)
    before = files(tmp_path)
    write(tmp_path)
    assert files(tmp_path) == before
    assert json.loads(path.read_text())  # valid JSON, each case on a line of its own
    lines = path.read_text().splitlines()
    for case in CASES:
        (line,) = [x for x in lines if case.id in x]
        assert line.strip().startswith(f'"{case.id}": {{"container"')


def test_values_are_stored_once_for_every_set_that_has_them(tmp_path):
    """Two environments with bit-identical values share the files; one differing case
    adds one file; each environment's JSON names its own."""
    a = write_set(tmp_path, "env-a", "smoke", fake_results(), SIGS, ENV)
    assert len(store.stored(tmp_path)) == len(CASES)
    moved = [*fake_results()[:2], fake_results(shift=0.5)[2]]
    b = write_set(tmp_path, "env-b", "smoke", moved, SIGS, ENV)
    assert len(store.stored(tmp_path)) == len(CASES) + 1
    names = [json.loads(p.read_text())["cases"][CASES[2].id]["values"] for p in (a, b)]
    assert names[0] != names[1] and set(names) <= set(store.stored(tmp_path))
    for path, want in ((a, fake_results()), (b, moved)):
        got = read_set(path).results
        assert [got[r.case_id].outputs[0].tobytes() for r in want] == [
            r.outputs[0].tobytes() for r in want
        ]


def test_a_rerecord_removes_the_values_no_set_names_any_more(tmp_path):
    every = synthetic_results(matrix("smoke"))
    path, _ = record(every, ENVIRONMENT, "smoke", tmp_path)
    other = write_set(
        tmp_path, "other", "smoke", every, {c.id: signature(c) for c in matrix("smoke")}, ENV
    )
    before = set(store.stored(tmp_path))
    path, summary = record(synthetic_results(matrix("smoke"), 0.5), ENVIRONMENT, "smoke", tmp_path)
    # the other set still names the old values: nothing removed
    assert "store:" not in summary and before <= set(store.stored(tmp_path))
    other.unlink()
    _, summary = record(synthetic_results(matrix("smoke"), 0.5), ENVIRONMENT, "smoke", tmp_path)
    assert f"store: {len(before)} value files no set names removed" in summary
    assert set(store.stored(tmp_path)).isdisjoint(before)
    got = read_set(path).results[every[0].case_id].outputs[0]
    np.testing.assert_array_equal(got, synthetic_results(matrix("smoke"), 0.5)[0].outputs[0])


def flip_a_byte(path: Path, at: int = -5) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_record_repairs_a_value_file_with_a_flipped_byte(tmp_path):
    """The store is content-addressed, but a file of the right name may hold damage:
    a record must rewrite it rather than skip it, or the set stays unreadable."""
    every = synthetic_results(matrix("smoke"))
    path, _ = record(every, ENVIRONMENT, "smoke", tmp_path)
    damaged = first_value_file(path)
    flip_a_byte(damaged)
    store.forget()
    with pytest.raises(GoldenError, match=r"altered|cannot read it"):
        read_set(path)
    _, summary = record(every, ENVIRONMENT, "smoke", tmp_path)
    assert "previous set unreadable, replaced" in summary
    store.forget()
    got = read_set(path, expect_matrix="smoke").results
    assert [got[r.case_id].outputs[0].tobytes() for r in every] == [
        r.outputs[0].tobytes() for r in every
    ]


def waiting_for_the_lock(root: Path) -> bool:
    """Whether some process or thread is blocked asking for the store's lock (the
    kernel lists a blocked flock request with '->' in /proc/locks)."""
    inode = layout.store_lock(root).stat().st_ino
    locks = Path("/proc/locks").read_text().splitlines()
    return any("->" in line and "FLOCK" in line and f":{inode} " in line for line in locks)


def test_prune_waits_for_a_writer_or_reader_holding_the_lock(tmp_path):
    import threading

    write(tmp_path)
    orphan = store.put(tmp_path, (np.zeros(2, np.float32),))  # named by no set
    done = threading.Event()
    with store.locked(tmp_path, exclusive=False):  # a record between values and JSON
        pruner = threading.Thread(target=lambda: (store.prune(tmp_path), done.set()))
        pruner.start()
        deadline = time.monotonic() + 60
        while not waiting_for_the_lock(tmp_path):  # the pruner has asked, and waits
            assert not done.is_set(), "prune went ahead while the lock was held"
            assert time.monotonic() < deadline, "prune never asked for the lock"
            time.sleep(0.01)
        assert not done.is_set() and orphan in store.stored(tmp_path)
    pruner.join(60)
    assert done.is_set() and orphan not in store.stored(tmp_path)


def test_a_set_of_schema_4_reads_and_its_rerecord_moves_into_the_store(tmp_path):
    """Sets written before the store kept their values in a .npz beside the JSON."""
    path = write(tmp_path)
    doc = json.loads(path.read_text())
    arrays = {}
    for cid, entry in doc["cases"].items():
        if "values" in entry:
            got = store.get(tmp_path, entry.pop("values"), len(entry["outputs"]))
            arrays |= {f"{cid}/{i}": a for i, a in enumerate(got)}
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    npz = path.parent / "smoke.0123456789ab.npz"
    npz.write_bytes(buf.getvalue())
    digest = hashlib.sha256(buf.getvalue()).hexdigest()
    doc["metadata"] |= {"values": npz.name, "values_sha256": digest}
    del doc["metadata"]["backend_version"]  # schema 6's
    doc["schema"] = 4
    path.write_text(json.dumps(doc))
    for p in store.stored(tmp_path).values():
        p.unlink()
    old = read_set(path)
    assert old.schema == 4
    for r in fake_results():
        assert [o.tobytes() for o in old.results[r.case_id].outputs] == [
            o.tobytes() for o in r.outputs
        ]
    write(tmp_path)  # a re-record: today's schema, values in the store, the .npz gone
    assert read_set(path).schema == SCHEMA and not npz.exists()
    assert store.prune(tmp_path) == ""


@pytest.mark.parametrize("schema", ["5", 5.0, True, 99])
def test_a_schema_that_is_not_a_known_integer_is_refused(tmp_path, schema):
    path = write(tmp_path)
    edit_json(path, lambda d: d.update(schema=schema))
    with pytest.raises(GoldenError, match="unknown schema version"):
        read_set(path)


def test_prune_keeps_everything_while_a_set_is_unreadable(tmp_path):
    path = write(tmp_path)
    write_set(tmp_path, "env-b", "smoke", fake_results(shift=0.5), SIGS, ENV)
    (tmp_path / "env-b" / "smoke.json").write_text("{")
    before = files(tmp_path)
    broken = tmp_path / "env-b" / "smoke.json"
    assert store.prune(tmp_path) == f"store not pruned: {broken} cannot be read as a golden set"
    assert files(tmp_path) == before
    assert read_set(path).results


def test_reading_and_comparing_sets_create_no_lock_file(tmp_path, capsys):
    """A read creates nothing: not the store's lock (a clean checkout has none)."""
    path = write(tmp_path)
    lock = layout.store_lock(tmp_path)
    lock.unlink()
    store.forget()
    read_set(path)
    assert main(["compare", str(path), "no-such-env", "--root", str(tmp_path)]) == 2
    assert "no-such-env" in capsys.readouterr().err
    assert main(["compare", str(path), str(path)]) == 0
    assert not lock.exists()


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
        record(fake_results(), ENVIRONMENT, "smoke", tmp_path)
    assert path.read_bytes() == before


def test_filtered_record_updates_only_its_cases(tmp_path):
    """`rnn-shapes record -k ...`: the chosen cases are replaced, the rest kept bit for bit."""
    every = synthetic_results(matrix("smoke"))
    path, _ = record(every, ENVIRONMENT, "smoke", tmp_path)
    moved = synthetic_results(matrix("smoke")[:1], shift=0.25)
    _, summary = record(moved, ENVIRONMENT, "smoke", tmp_path, partial=True)
    assert "changed 1" in summary and moved[0].case_id in summary
    after = read_set(path).results
    assert after[moved[0].case_id].outputs[0].tobytes() == moved[0].outputs[0].tobytes()
    for r in every[1:]:
        assert after[r.case_id].outputs[0].tobytes() == r.outputs[0].tobytes()


def test_filtered_record_drops_cases_gone_from_the_matrix(tmp_path):
    every = synthetic_results(matrix("smoke"))
    path, _ = record(every, ENVIRONMENT, "smoke", tmp_path)
    doc = json.loads(path.read_text())
    gone = "LSTM-uni-seq0-state0-fwd-B9T9D9U9-distinct"  # a case the matrix no longer has
    doc["cases"][gone] = doc["cases"][every[0].case_id]  # its values: already in the store
    path.write_text(json.dumps(doc))
    _, summary = record(
        synthetic_results(matrix("smoke")[:1], 0.5), ENVIRONMENT, "smoke", tmp_path, True
    )
    assert "removed 1" in summary and gone in summary
    assert gone not in read_set(path).results


def test_filtered_record_without_a_set_is_refused(tmp_path):
    with pytest.raises(GoldenError, match="no set to update"):
        record(fake_results(), ENVIRONMENT, "smoke", tmp_path, partial=True)
    assert not list(tmp_path.rglob("*"))


# ---------------------------------------------------------------- bad input


def edit_json(path: Path, change) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def first_case(doc):
    return doc["cases"][CASES[0].id]


def second_name(path: Path) -> str:
    """The values of a case whose outputs have other shapes than the first case's."""
    doc = json.loads(path.read_text())
    shapes = [o["shape"] for o in first_case(doc)["outputs"]]
    return next(
        e["values"]
        for e in doc["cases"].values()
        if "values" in e and [o["shape"] for o in e["outputs"]] != shapes
    )


def first_value_file(path: Path) -> Path:
    return layout.value_path(path.parent.parent, first_case(json.loads(path.read_text()))["values"])


def second_value_file(path: Path) -> Path:
    return layout.value_path(path.parent.parent, second_name(path))


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
    "altered value file": (
        lambda p: first_value_file(p).write_bytes(second_value_file(p).read_bytes()),
        "altered \\(its values do not hash to its name\\)",
    ),
    "value file missing": (
        lambda p: first_value_file(p).unlink(),
        "missing from the shared values store",
    ),
    "value file not zlib": (
        lambda p: first_value_file(p).write_bytes(b"not zlib"),
        "cannot read it",
    ),
    "values of another case": (
        lambda p: edit_json(p, lambda d: first_case(d).update(values=second_name(p))),
        "holds \\d arrays, the set has \\d outputs|says float32",
    ),
    "bad values name": (
        lambda p: edit_json(p, lambda d: first_case(d).update(values="../../etc")),
        "values must name a value file",
    ),
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
    before = files(tmp_path)
    store.forget()  # a fresh process: nothing read before the damage
    with pytest.raises(GoldenError, match=message) as info:
        read_set(path, expect_matrix="smoke")
    message = str(info.value)
    assert str(path) in message or str(path.parent) in message
    if "value file" in kind:  # the shared file is named, and the set and case that name it
        assert str(first_value_file(path)) in message and CASES[0].id in message
    if kind in ("missing key", "wrong type", "hand-edited shape", "values of another case"):
        assert CASES[0].id in message  # names the case
    assert main(["audit", str(path)]) == 2  # the CLI: exit status 2, the file named
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(path.parent) in err
    assert files(tmp_path) == before


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("keras", "abc", "metadata keras 'abc' is not a version"),
        ("tensorflow", "latest", "metadata tensorflow 'latest' is not a version"),
        ("backend", "no such/backend", "metadata backend 'no such/backend' is not a backend"),
        ("matrix", "bogus", "metadata matrix 'bogus' is not a matrix"),
    ],
)
def test_metadata_naming_no_release_or_matrix_is_refused(key, value, message, tmp_path, capsys):
    """Metadata the judge, audit and compare read: a set that names no release or
    matrix is one error naming the file, not a traceback or an 'identical'."""
    path = write(tmp_path)
    edit_json(path, lambda d: d["metadata"].update({key: value}))
    if key == "matrix":  # its file name then matches, as a hand-made set's would
        path = path.rename(path.with_name(f"{value}.json"))
    store.forget()
    with pytest.raises(GoldenError, match=re.escape(f"{path}: {message}")):
        read_set(path)
    assert main(["audit", str(path)]) == 2
    assert main(["compare", str(path), str(write(tmp_path / "other"))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(str(path) in line for line in err)


def test_json_nested_too_deep_is_one_error_naming_the_file(tmp_path, capsys):
    path = write(tmp_path)
    path.write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(GoldenError, match=re.escape(f"{path}: not valid JSON")):
        read_set(path)
    assert main(["audit", str(path)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert str(path) in line
    assert "cannot be read" in store.prune(tmp_path)  # nothing pruned, no traceback


def disk_full_after(monkeypatch, writes: int) -> None:
    """Every file write after the first `writes` fails as a full disk does: in the
    write itself, with no file name in the error."""
    import rnn_shapes.files as files_module

    real_fdopen, count = files_module.os.fdopen, [0]

    class Full:
        def __init__(self, f) -> None:
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.f.close()

        def write(self, data: bytes) -> int:
            count[0] += 1
            if count[0] > writes:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.f.write(data)

        def __getattr__(self, name: str):
            return getattr(self.f, name)

    monkeypatch.setattr(files_module.os, "fdopen", lambda *a, **k: Full(real_fdopen(*a, **k)))


@pytest.mark.parametrize("previous", [False, True])
def test_a_disk_full_record_cleans_what_it_wrote_and_names_the_file(
    previous, tmp_path, monkeypatch
):
    every = synthetic_results(matrix("smoke"))
    if previous:
        record(every, ENVIRONMENT, "smoke", tmp_path)
    before = files(tmp_path)
    disk_full_after(monkeypatch, 3)
    with pytest.raises(GoldenError) as info:
        record(synthetic_results(matrix("smoke"), 0.5), ENVIRONMENT, "smoke", tmp_path)
    monkeypatch.undo()
    message = str(info.value)
    (failed,) = re.findall(r"^(\S+\.npy\.z): cannot write the set \(No space left", message)
    assert Path(failed).parent.parent == layout.store_dir(tmp_path), message
    assert ("previous set is untouched" in message) == previous, message
    assert files(tmp_path) == before  # the values it had written are gone again
    assert not list(tmp_path.rglob("*.tmp"))


# ---------------------------------------------------------------- interrupted writes

# Runs write_set in a child that SIGKILLs itself at the rename (os.replace, as
# files.atomic_write_bytes does it) that would publish a file ending in argv[1]:
# that file's temporary copy is written and synced, its target not yet replaced.
KILL = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from rnn_shapes.golden.writing import write_set
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
    old = files(tmp_path)
    new_text, new_values = encode(fake_results(shift=9.0), SIGS, ENV, "smoke")
    assert not set(new_values) & set(store.stored(tmp_path))

    # the rename that is killed
    suffix = {"values": layout.VALUE_SUFFIX, "json": layout.SET_SUFFIX}[stage]
    script = KILL.format(tests=str(Path(__file__).parent))
    proc = subprocess.run(
        [sys.executable, "-c", script, suffix, str(tmp_path)], capture_output=True, text=True
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr

    # On disk: the old files untouched, the killed rename's temporary file, and after
    # the "json" kill the new value files, written first and now named by nothing.
    for p, data in old.items():
        assert p.read_bytes() == data, p
    (tmp,) = tmp_path.rglob(f".*{suffix}.*.tmp")
    orphans = set(store.stored(tmp_path)) - {p.name.split(".")[0] for p in old}
    assert orphans == (set(new_values) if stage == "json" else set())
    if stage == "json":
        assert tmp.read_bytes() == new_text.encode()

    # The previous set reads back bit for bit: neither the temporary file nor an
    # orphan is picked up.
    store.forget()
    after = read_set(path, expect_matrix="smoke")
    assert set(after.results) == {c.id for c in CASES}
    for r in fake_results():
        got = after.results[r.case_id]
        assert (got.container, got.dtypes, got.shapes) == (r.container, r.dtypes, r.shapes)
        assert [o.tobytes() for o in got.outputs] == [o.tobytes() for o in r.outputs]

    # Pruning (every record ends with it) removes the orphans and, in the store, the
    # killed write's temporary file; the set's own files stay.
    said = store.prune(tmp_path)
    assert set(store.stored(tmp_path)).isdisjoint(orphans)
    assert files(tmp_path).keys() >= old.keys()
    assert tmp.exists() == (stage == "json")  # the JSON's temporary file is beside it
    assert ("temporary files of killed writes" in said) == (stage == "values")


# ---------------------------------------------------------------- concurrent and killed records

# Records the smoke matrix's synthetic set into argv[1], its values moved by each of
# the shifts argv[2] lists in turn, argv[3] times (0: until killed).
RECORDER = textwrap.dedent("""
    import itertools, sys
    sys.path.insert(0, {tests!r})
    from synthetic import synthetic_results
    from rnn_shapes.golden.record import record
    from rnn_shapes.cases.matrix import matrix
    from test_golden_io import ENVIRONMENT
    root, shifts, times = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
    sets = itertools.cycle([synthetic_results(matrix("smoke"), float(s)) for s in shifts])
    for _ in range(times) if times else itertools.count():
        record(next(sets), ENVIRONMENT, "smoke", root)
""")


def recorder(
    root: Path, *shifts: float, times: int = 0, phases: Path | None = None, pause_at: str = ""
) -> subprocess.Popen:
    """The RECORDER script; with `phases`, saying them there and stopping at `pause_at`."""
    script = RECORDER.format(tests=str(Path(__file__).parent))
    listed = ",".join(map(str, shifts))
    env = dict(os.environ)
    if phases is not None:
        env |= {PHASES_VAR: str(phases), PAUSE_VAR: pause_at}
    return subprocess.Popen(
        [sys.executable, "-c", script, str(root), listed, str(times)],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def recorded_shift(path: Path) -> float:
    """The one shift every case of the set was recorded with; AssertionError for a mix."""
    store.forget()
    got = read_set(path, expect_matrix="smoke").results
    shifts = set()
    for shift in SHIFTS:
        want = synthetic_results(matrix("smoke"), shift)
        if all(got[r.case_id].outputs[0].tobytes() == r.outputs[0].tobytes() for r in want):
            shifts.add(shift)
    assert len(shifts) == 1 and len(got) == len(matrix("smoke")), shifts
    return shifts.pop()


SHIFTS = (0.0, 0.5)


def test_two_records_at_once_leave_one_whole_set_and_a_store_of_just_its_values(tmp_path):
    procs = [recorder(tmp_path, shift, times=6) for shift in SHIFTS]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    path = tmp_path / ENVIRONMENT.name / "smoke.json"
    recorded_shift(path)
    named = {e["values"] for e in json.loads(path.read_text())["cases"].values()}
    assert set(store.stored(tmp_path)) == named  # the last prune came after the last JSON
    assert not list(tmp_path.rglob("*.tmp"))


# Where a record is killed, and which shift the set holds then: before its JSON is
# replaced the set is the old one, from then on the new one.
KILLED_AT = {"values written": SHIFTS[0], "set written": SHIFTS[1]}


@pytest.mark.parametrize("phase", sorted(KILLED_AT))
def test_a_killed_record_leaves_a_whole_set_and_a_later_record_repairs(phase, tmp_path):
    """SIGKILL at a named phase of a real record (rnn_shapes/phases.py): after the new
    values went into the store but before the JSON names them, or after the JSON but
    before the prune. The set reads whole, the old or the new as the phase says;
    recording again leaves a store of exactly the set's values, no temporary file."""
    record(synthetic_results(matrix("smoke"), SHIFTS[0]), ENVIRONMENT, "smoke", tmp_path)
    path = tmp_path / ENVIRONMENT.name / "smoke.json"
    before = set(store.stored(tmp_path))
    log = tmp_path / "phases.txt"
    flipping = recorder(tmp_path, SHIFTS[1], times=1, phases=log, pause_at=phase)
    try:
        deadline = time.monotonic() + 120
        while phase not in phases_said(log, flipping.pid) or state(flipping.pid) != "T":
            assert flipping.poll() is None, flipping.communicate()[1]
            assert time.monotonic() < deadline, f"the record never stopped at {phase!r}"
            time.sleep(0.02)
    finally:  # stopped or not, it goes: a failed test leaves nothing stopped behind
        flipping.kill()
        flipping.wait()
    # the kill came mid-record: the new values are in the store beside the old
    assert set(store.stored(tmp_path)) > before
    assert recorded_shift(path) == KILLED_AT[phase]  # whole, never a mix
    record(synthetic_results(matrix("smoke"), SHIFTS[0]), ENVIRONMENT, "smoke", tmp_path)
    assert recorded_shift(path) == SHIFTS[0]
    named = {e["values"] for e in json.loads(path.read_text())["cases"].values()}
    assert set(store.stored(tmp_path)) == named
    assert not list(layout.store_dir(tmp_path).rglob("*.tmp"))

"""Faults in a golden set: a copy of the slice's set, edited the way a bad fixture is.

Each fault writes the baseline set into a temporary root, breaks it one way,
and returns the results the harness then reads from it, or the error reading
it raised (which is how a corrupt set must be reported: not as agreement).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np

from rnn_shapes.cases.case import Case
from rnn_shapes.cases.signature import signature
from rnn_shapes.environment import Environment
from rnn_shapes.golden.sets import GoldenError, GoldenSet, read_set
from rnn_shapes.golden.store import value_path
from rnn_shapes.golden.writing import write_set
from rnn_shapes.result import Result
from rnn_shapes.tolerance import tolerance

MATRIX = "smoke"  # the name the slice's set is written under (its cases are the slice's)
EXTRA_ID = "LSTM-uni-seq1-state1-fwd-B9T9D9U9-distinct"  # a case the slice does not have


def write(
    root: Path, env: Environment, cases: Mapping[str, Case], results: Mapping[str, Result]
) -> Path:
    sigs = {c.id: signature(c) for c in cases.values()}
    sigs.setdefault(EXTRA_ID, signature(next(iter(cases.values()))))
    return write_set(root, env.name, MATRIX, list(results.values()), sigs, env.metadata())


def _moved(case: Case, result: Result, backend: str) -> Result:
    """One value moved past the tolerance by a few ULPs of its dtype."""
    atol, rtol = tolerance(case, backend)
    first = result.outputs[0].copy()
    flat = first.reshape(-1)
    v = float(flat[0])
    # the tolerance at the moved value, plus its own dtype's rounding, plus 4 ULPs
    target = flat.dtype.type(v + (atol + rtol * abs(v)) * (1 + 3 * rtol))
    flat[0] = target + 4 * np.spacing(abs(target))  # spacing is signed
    return replace(result, outputs=(first, *result.outputs[1:]))


Fault = Callable[[Path, Environment, Mapping[str, Case], dict[str, Result]], GoldenSet]


def shape_edited(root: Path, env: Environment, cases, results) -> GoldenSet:
    path = write(root, env, cases, results)
    doc = json.loads(path.read_text(encoding="utf-8"))
    entry = next(e for e in doc["cases"].values() if e.get("outcome") == "ok")
    entry["outputs"][0]["shape"][-1] += 1
    path.write_text(json.dumps(doc), encoding="utf-8")
    return read_set(path)


def value_moved(root: Path, env: Environment, cases, results) -> GoldenSet:
    cid = next(cid for cid, r in results.items() if r.outcome == "ok")
    case = next(c for c in cases.values() if c.id == cid)
    edited = {**results, cid: _moved(case, results[cid], env.backend)}
    return read_set(write(root, env, cases, edited))


def case_removed(root: Path, env: Environment, cases, results) -> GoldenSet:
    first = next(iter(results))
    return read_set(write(root, env, cases, {k: v for k, v in results.items() if k != first}))


def case_added(root: Path, env: Environment, cases, results) -> GoldenSet:
    some = next(iter(results.values()))
    extra = replace(some, case_id=EXTRA_ID)
    return read_set(write(root, env, cases, {**results, EXTRA_ID: extra}))


def store_byte_flipped(root: Path, env: Environment, cases, results) -> GoldenSet:
    path = write(root, env, cases, results)
    doc = json.loads(path.read_text(encoding="utf-8"))
    name = next(e["values"] for e in doc["cases"].values() if "values" in e)
    file = value_path(root, name)
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    file.write_bytes(bytes(data))
    return read_set(path)


GOLDEN_FAULTS: dict[str, Fault] = {
    "set: one shape edited": shape_edited,
    "set: one value moved past the tolerance": value_moved,
    "set: one case removed": case_removed,
    "set: one case added": case_added,
    "set: one store file's byte flipped": store_byte_flipped,
}


def broken(
    fault: Fault, root: Path, env: Environment, cases: Mapping[str, Case], results: dict
) -> GoldenSet | GoldenError:
    """The set the fault left, or the error reading it raised."""
    try:
        return fault(root, env, cases, results)
    except GoldenError as exc:
        return exc

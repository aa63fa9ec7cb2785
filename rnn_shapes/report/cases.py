"""Per-case, per-environment summaries: what the site's views are computed from.

A cell's cases, a case's timeline and any two environments side by side are
worked out in the browser from these, rather than precomputed per pair (34 x 33
comparisons would not fit a page). So each summary holds what compare.py reads
of a result: the fields its structural check compares (interned as
signatures), and which values an environment has (a value class: environments
with bit-identical outputs share one), with the ULP distance between every two
classes of a case that line up, as compare measures it.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from rnn_shapes.analysis.support import CaseState
from rnn_shapes.cases.case import Case, families
from rnn_shapes.differences import random_values
from rnn_shapes.golden.sets import GoldenSet
from rnn_shapes.result import Result
from rnn_shapes.tolerance import ulp_bucket, ulp_distance

# What compare's structural check reads of a result, JSON-ready:
# (outcome, container, shapes, dtypes, error, masks, facts, symbolic)
Signature = tuple


@dataclass(frozen=True)
class SetFile:
    """A golden set the report was read from: its environment, file and digest."""

    name: str
    path: str  # below the root's parent, e.g. fixtures/tf2.21-keras3.15-tensorflow/default.json
    sha256: str


@dataclass(frozen=True)
class CaseTable:
    """Every case of the report's sets; per case, one entry per set, in release order."""

    ids: list[str]  # the matrix's cases in order, then any only a set holds (sorted)
    cases: dict[str, Case]  # those of the matrix
    families: list[tuple[str, ...]]  # per case
    signatures: list[Signature]  # interned, in order of first use
    results: list[list[int]]  # per case, per set: its signature, -1 not recorded
    values: list[list[int]]  # per case, per set: its value class, -1 none to compare
    ulps: list[list[float | None]]  # per case: classes (i, j), i < j, in order; None: no line-up
    states: list[list[CaseState | None]]  # per case, per set: as the support table counts it
    files: list[SetFile]  # per set


def signature(r: Result) -> Signature:
    """The fields of `r` that compare's structural check compares, as JSON values."""
    masks = list(r.masks) if isinstance(r.masks, tuple) else r.masks
    symbolic = None if r.symbolic is None else [[list(s), d] for s, d in r.symbolic]
    return (
        r.outcome,
        r.container,
        [list(s) for s in r.shapes],
        list(r.dtypes),
        r.error,
        masks,
        None if r.facts is None else dict(sorted(r.facts.items())),
        symbolic,
    )


def _value_key(r: Result) -> tuple | None:
    """What makes two results' values one class: dtypes, shapes and every bit."""
    if r.outcome != "ok" or random_values(r):
        return None
    return (r.dtypes, r.shapes, tuple(o.tobytes() for o in r.outputs))


def short_ulp(ulp: float) -> float:
    """`ulp` in 4 significant digits where that keeps it in its compare bucket."""
    if ulp == 0 or not math.isfinite(ulp):
        return ulp
    short = float(f"{ulp:.4g}")
    return short if ulp_bucket(short) == ulp_bucket(ulp) else ulp


def _classes(results: list[Result | None]) -> tuple[list[int], list[float | None]]:
    """Each set's value class of one case, and the ULPs between classes (i < j)."""
    keys: dict[tuple, int] = {}
    firsts: list[Result] = []
    out = []
    for r in results:
        key = None if r is None else _value_key(r)
        if key is None:
            out.append(-1)
            continue
        if key not in keys:
            keys[key] = len(firsts)
            firsts.append(r)  # type: ignore[arg-type]
        out.append(keys[key])
    ulps: list[float | None] = []
    for a, b in combinations(firsts, 2):
        if (a.shapes, a.dtypes) != (b.shapes, b.dtypes):
            ulps.append(None)
            continue
        ulp = max(
            (ulp_distance(x, y, d) for x, y, d in zip(a.outputs, b.outputs, a.dtypes, strict=True)),
            default=0.0,
        )
        ulps.append(short_ulp(ulp))
    return out, ulps


def _relative(path: Path) -> str:
    """A set's file as its root names it ('fixtures/<environment>/default.json'): the
    same on every machine, whatever folder the checkout is in."""
    return "/".join(path.parts[-3:])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def case_table(
    sets: list[GoldenSet], cases: list[Case], states: list[dict[str, CaseState]]
) -> CaseTable:
    """The table of `sets` (in release order) over the matrix `cases`, with each set's
    case states (support.case_states)."""
    by_id = {c.id: c for c in cases}
    extra = sorted({cid for s in sets for cid in s.results} - by_id.keys())
    ids = [c.id for c in cases] + extra
    interned: dict[str, int] = {}
    signatures: list[Signature] = []

    def index(r: Result | None) -> int:
        if r is None:
            return -1
        sig = signature(r)
        key = json.dumps(sig, sort_keys=True)
        if key not in interned:
            interned[key] = len(signatures)
            signatures.append(sig)
        return interned[key]

    results, values, ulps, per_case = [], [], [], []
    for cid in ids:
        recorded = [s.results.get(cid) for s in sets]
        results.append([index(r) for r in recorded])
        classes, distances = _classes(recorded)
        values.append(classes)
        ulps.append(distances)
        per_case.append([st.get(cid) for st in states])
    return CaseTable(
        ids=ids,
        cases=by_id,
        families=[by_id[cid].families if cid in by_id else families(cid) for cid in ids],
        signatures=signatures,
        results=results,
        values=values,
        ulps=ulps,
        states=per_case,
        files=[
            SetFile(s.environment.name, _relative(Path(s.path)), _digest(Path(s.path)))
            for s in sets
        ],
    )

"""What changes between golden sets, as the conformance report says it: a pair's
counts per kind and family, the support-table cells from one Keras 3 minor to the
next, a pre-release against the newest release of its kind, and each cell's history
along its lane.

The report model (model.py) computes these once from the sets, their audits and
their support-table cells; the renderers only lay them out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from rnn_shapes.analysis.audit import Audit
from rnn_shapes.analysis.compare import Comparison, compare, summary_counts
from rnn_shapes.analysis.history import lane
from rnn_shapes.analysis.support import CaseState, Cell, Row
from rnn_shapes.environment import channel
from rnn_shapes.golden.sets import GoldenSet
from rnn_shapes.report.releases import newest_release_like


@dataclass(frozen=True)
class PairChange:
    """What changes from one set to another: counts by kind, and per family."""

    before: str  # environment names
    after: str
    shared: int
    counts: Counter  # kind of change -> cases (summary_counts)
    families: dict[str, Counter]  # family -> counts (Comparison.by_family)

    @property
    def moved(self) -> dict[str, Counter]:
        """The families where something other than the shared count is non-zero."""
        return {
            f: n for f, n in self.families.items() if any(v for k, v in n.items() if k != "shared")
        }


@dataclass(frozen=True)
class MinorChange:
    """The support-table cells that change from one Keras 3 minor to the next."""

    before: str  # Keras versions
    after: str
    cells: list[tuple[Row, list[tuple[str, int, int]]]]  # row, [(part, count before, after)]


@dataclass(frozen=True)
class NextChange:
    """A pre-release set against the newest release of its Keras major on its backend:
    what its release would change."""

    pre: str  # environment names
    release: str | None  # None: no release of its kind is recorded
    cells: list[tuple[Row, list[tuple[str, int, int]], list[str]]]  # row, parts, example ids
    fixed: dict[str, list[str]]  # listed defect -> the cases it no longer shows in
    refusals: list[str]  # cases the pre-release refuses and the release builds
    unexplained: list[str]  # its audit's problems: what no rule or defect entry explains
    previous: PairChange | None = None  # against the build before it in its lane, if recorded


@dataclass(frozen=True)
class CellStretch:
    """Consecutive environments of one lane where a support-table cell read the same."""

    first: str  # column labels
    last: str
    text: str


def cell_history(
    sets: list[GoldenSet],
    columns: list[str],
    rows: list[Row],
    cells: list[dict[Row, Cell]],
    names: dict[str, str],
) -> dict[Row, dict[str, list[CellStretch]]]:
    """Per row and lane (a backend's releases; the pre-release channel apart), the
    stretches of release order where its cell said the same: 'until 3.10', 'since 3.11'.
    Only rows whose cell changed in some lane."""
    out: dict[Row, dict[str, list[CellStretch]]] = {}
    for row in rows:
        lanes: dict[str, list[CellStretch]] = {}
        for label, s, per_set in zip(columns, sets, cells, strict=True):
            cell = per_set.get(row)
            text = "-" if cell is None else cell.text(names)
            stretches = lanes.setdefault(lane(s), [])
            if stretches and stretches[-1].text == text:
                stretches[-1] = CellStretch(stretches[-1].first, label, text)
            else:
                stretches.append(CellStretch(label, label, text))
        if any(len(st) > 1 for st in lanes.values()):
            out[row] = {k: v for k, v in lanes.items() if len(v) > 1}
    return out


def pair_change(comparison: Comparison) -> PairChange:
    """A comparison's counts, in all and per family."""
    return PairChange(
        comparison.a.environment.name,
        comparison.b.environment.name,
        comparison.shared,
        summary_counts(comparison),
        comparison.by_family(),
    )


def minor_changes(
    sets: list[GoldenSet],
    path: list[GoldenSet],
    rows: list[Row],
    cells: list[dict[Row, Cell]],
    names: dict[str, str],
) -> list[MinorChange] | None:
    """What changes in each support-table cell from one Keras 3 minor to the next (on
    TensorFlow, the upgrade path's sets), part by part."""
    keras3 = [s for s in path if s.keras_major >= 3]
    if len(keras3) < 2:
        return None
    index = {id(s): i for i, s in enumerate(sets)}
    out = []
    for a, b in pairwise(keras3):
        ca, cb = cells[index[id(a)]], cells[index[id(b)]]
        moved = []
        for row in rows:
            if row not in ca or row not in cb:
                continue
            parts = _changed_parts(ca[row], cb[row], names)
            if parts:
                moved.append((row, parts))
        out.append(MinorChange(a.metadata["keras"], b.metadata["keras"], moved))
    return out


def _changed_parts(a: Cell, b: Cell, names: dict[str, str]) -> list[tuple[str, int, int]]:
    """The parts of a cell whose counts differ from `a` to `b`: (part, before, after)."""
    before, after = a.counts(names), b.counts(names)
    return [
        (part, before.get(part, 0), after.get(part, 0))
        for part in {**before, **after}
        if before.get(part, 0) != after.get(part, 0)
    ]


EXAMPLES = 3  # case ids shown per changed cell


def next_changes(
    sets: list[GoldenSet],
    audits: list[Audit],
    states: list[dict[str, CaseState]],
    rows: list[Row],
    cells: list[dict[Row, Cell]],
    names: dict[str, str],
) -> list[NextChange]:
    """Each pre-release set against the newest release of its kind, and against the
    build before it in its lane."""
    out = []
    index = {id(s): i for i, s in enumerate(sets)}
    for i, pre in enumerate(sets):
        if channel(pre.metadata) != "next":
            continue
        fixed: dict[str, list[str]] = {}
        for v in audits[i].verdicts:
            for name in v.fixed:
                fixed.setdefault(name, []).append(v.case.id)
        release = newest_release_like(pre, sets)
        earlier = [s for s in sets[:i] if lane(s) == lane(pre) and s.keras_major == pre.keras_major]
        previous = pair_change(compare(earlier[-1], pre)) if earlier else None
        if release is None:
            out.append(
                NextChange(pre.environment.name, None, [], fixed, [], audits[i].problems, previous)
            )
            continue
        j = index[id(release)]
        moved = []
        for row in rows:
            if row in cells[i] and row in cells[j]:
                parts = _changed_parts(cells[j][row], cells[i][row], names)
                if parts:
                    moved.append((row, parts, _examples(audits[i], states[i], states[j], row)))
        refusals = sorted(
            cid
            for cid, r in pre.results.items()
            if r.outcome == "rejected"
            and cid in release.results
            and release.results[cid].outcome == "ok"
        )
        out.append(
            NextChange(
                pre.environment.name,
                release.environment.name,
                moved,
                fixed,
                refusals,
                audits[i].problems,
                previous,
            )
        )
    return out


def _examples(
    pre: Audit, now: dict[str, CaseState], before: dict[str, CaseState], row: Row
) -> list[str]:
    """A few cases of the row whose state differs between the two sets."""
    family, layer = row
    return [
        v.case.id
        for v in pre.verdicts
        if v.case.layer == layer
        and family in v.case.families
        and now.get(v.case.id) != before.get(v.case.id)
    ][:EXAMPLES]

"""The conformance report as data: everything docs/CONFORMANCE.md and its pictures say,
computed once from one matrix's golden sets.

The renderers (markdown.py, svg.py) only lay this out, so each set is read and
audited once and each pair of sets compared once, whichever file shows the result.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

from rnn_shapes.analysis.audit import Audit, audit
from rnn_shapes.analysis.compare import Comparison, compare, summary_counts
from rnn_shapes.analysis.history import lane
from rnn_shapes.analysis.support import (
    CaseState,
    Cell,
    Row,
    case_states,
    cells_of,
    defect_labels,
    rows_of,
)
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.defects import Defect
from rnn_shapes.defects import load as load_defects
from rnn_shapes.environment import Environment, channel
from rnn_shapes.golden import unrecorded
from rnn_shapes.golden.sets import GoldenSet
from rnn_shapes.report.cases import CaseTable, case_table
from rnn_shapes.report.releases import (
    labels,
    load_sets,
    newest_release_like,
    reference,
    upgrade_path,
)
from rnn_shapes.result import Result

REFERENCE_SHAPE = (2, 5, 1, 3)  # (B, T, D, U) of the per-configuration table


class ReportPaths(NamedTuple):
    """The report's files, relative to the output folder; the Markdown links the pictures."""

    markdown: Path
    heatmap: Path
    support: Path


DEFAULT_PATHS = ReportPaths(
    Path("docs/CONFORMANCE.md"), Path("docs/drift.svg"), Path("docs/support.svg")
)


def report_paths(matrix_name: str = "default") -> ReportPaths:
    """The files of a matrix's report: the default's keep their plain, linked-to names."""
    if matrix_name == "default":
        return DEFAULT_PATHS
    return ReportPaths(*(p.with_name(f"{p.stem}-{matrix_name}{p.suffix}") for p in DEFAULT_PATHS))


@dataclass(frozen=True)
class EnvironmentRow:
    """One environment's line of the environments table, counted from its audit."""

    label: str  # its column name
    metadata: dict[str, str]
    cases: int
    agree: int  # with the oracle and the rules, no defect involved
    defects: int  # agree with what a listed defect says
    refused: int
    worst: float  # largest deviation from the oracle, over the agreeing cases

    @property
    def name(self) -> str:
        return Environment.of(self.metadata).name


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
class ConfigRow:
    """A configuration at REFERENCE_SHAPE whose container, arity or shapes differ somewhere."""

    case: Case
    results: tuple[Result | None, ...]  # per set; None where it is not recorded
    marked: tuple[bool, ...]  # per set: differs from the reference's


@dataclass(frozen=True)
class ConformanceReport:
    """One matrix's report: the support table, the environments, what changes on the
    upgrade path and against the reference, value drift, and the per-configuration table."""

    matrix: str
    labels: list[str]  # a column name per set, in release order
    reference: str  # the environment every other is measured against
    rows: list[Row]  # the support table's (family, layer) rows
    cells: list[dict[Row, Cell]]  # per set, against the reference
    defect_labels: dict[str, str]  # every listed defect's 'Dn', in the file's order
    defects_shown: list[Defect]  # those some cell shows, in the file's order
    environments: list[EnvironmentRow]
    upgrade: list[PairChange]  # consecutive sets of the upgrade path
    minor_changes: list[MinorChange] | None  # None: fewer than two Keras 3 minors on TF
    next_changes: list[NextChange]  # each pre-release set against its newest release
    others: list[PairChange]  # the reference against each set off the upgrade path
    drift: dict[str, dict[str, float]]  # environment -> layer -> largest ULP distance
    configurations: int  # at REFERENCE_SHAPE, in all
    config_rows: list[ConfigRow]  # those that differ somewhere
    cases: CaseTable  # per case and set: what the site's views are computed from
    cell_history: dict[Row, dict[str, list[CellStretch]]] = field(default_factory=dict)
    unrecorded: dict[str, dict[str, str]] = field(default_factory=dict)  # golden/unrecorded.py

    @property
    def paths(self) -> ReportPaths:
        return report_paths(self.matrix)


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


def read_report(root: Path, matrix_name: str = "default") -> ConformanceReport:
    """The report of every committed set of `matrix_name` under `root`."""
    sets = load_sets(root, matrix_name)
    if not sets:
        raise ValueError(f"no golden sets of matrix {matrix_name!r} under {root}")
    return replace(build_report(sets), unrecorded=unrecorded.read(root))


def build_report(sets: list[GoldenSet]) -> ConformanceReport:
    """The report of `sets` (one matrix's, in release order)."""
    ref = reference(sets)
    cases = matrix(sets[0].matrix)
    memo: dict = {}  # the oracle's outputs, shared by the sets' audits
    audits = [audit(s, memo) for s in sets]
    against_ref = {id(s): compare(ref, s) for s in sets}

    def compared(a: GoldenSet, b: GoldenSet) -> Comparison:  # a pair of the upgrade path
        return against_ref[id(b)] if a is ref else compare(a, b)

    states = [case_states(a, against_ref[id(s)]) for s, a in zip(sets, audits, strict=True)]
    cells = [cells_of(a, st) for a, st in zip(audits, states, strict=True)]
    rows = rows_of(cells)
    names = defect_labels()
    path = upgrade_path(sets)
    on_path = {id(s) for s in path}
    columns = labels(sets)
    configurations, config_rows = _configurations(sets, ref, cases)
    return ConformanceReport(
        matrix=sets[0].matrix,
        labels=columns,
        reference=ref.environment.name,
        rows=rows,
        cells=cells,
        defect_labels=names,
        defects_shown=_defects_shown(cells),
        environments=[
            _environment(label, s, a) for label, s, a in zip(columns, sets, audits, strict=True)
        ],
        upgrade=[_pair_change(compared(a, b)) for a, b in pairwise(path)],
        minor_changes=_minor_changes(sets, path, rows, cells, names),
        next_changes=_next_changes(sets, audits, states, rows, cells, names),
        others=[_pair_change(against_ref[id(s)]) for s in sets if id(s) not in on_path],
        drift=_drift_by_layer(sets, against_ref, cases),
        configurations=configurations,
        config_rows=config_rows,
        cases=case_table(sets, cases, states),
        cell_history=cell_history(sets, columns, rows, cells, names),
    )


def _defects_shown(cells: list[dict[Row, Cell]]) -> list[Defect]:
    shown = {d for c in cells for cell in c.values() for d in cell.defects}
    return [d for d in load_defects() if d.name in shown]


def _environment(label: str, s: GoldenSet, a: Audit) -> EnvironmentRow:
    plain = [v for v in a.verdicts if v.defect is None]
    return EnvironmentRow(
        label=label,
        metadata=s.metadata,
        cases=len(s.results),
        agree=sum(v.agrees for v in plain),
        defects=sum(v.agrees for v in a.verdicts if v.defect is not None),
        refused=sum(r.outcome == "rejected" for r in s.results.values()),
        worst=max((v.max_deviation for v in plain), default=0.0),
    )


def _pair_change(comparison: Comparison) -> PairChange:
    return PairChange(
        comparison.a.environment.name,
        comparison.b.environment.name,
        comparison.shared,
        summary_counts(comparison),
        comparison.by_family(),
    )


def _minor_changes(
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


def _next_changes(
    sets: list[GoldenSet],
    audits: list[Audit],
    states: list[dict[str, CaseState]],
    rows: list[Row],
    cells: list[dict[Row, Cell]],
    names: dict[str, str],
) -> list[NextChange]:
    out = []
    index = {id(s): i for i, s in enumerate(sets)}
    for i, pre in enumerate(sets):
        if channel(pre.metadata) != "next":
            continue
        fixed: dict[str, list[str]] = {}
        for v in audits[i].verdicts:
            if v.fixed is not None:
                fixed.setdefault(v.fixed, []).append(v.case.id)
        release = newest_release_like(pre, sets)
        earlier = [s for s in sets[:i] if lane(s) == lane(pre) and s.keras_major == pre.keras_major]
        previous = _pair_change(compare(earlier[-1], pre)) if earlier else None
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


def _drift_by_layer(
    sets: list[GoldenSet], against_ref: dict[int, Comparison], cases: list[Case]
) -> dict[str, dict[str, float]]:
    """environment -> layer -> largest ULP distance from the reference set."""
    by_id = {c.id: c for c in cases}
    out: dict[str, dict[str, float]] = {}
    for s in sets:
        per_layer: dict[str, float] = defaultdict(float)
        for cid, (_, ulp) in against_ref[id(s)].drift.items():
            tag = by_id[cid].layer_tag if cid in by_id else "?"
            per_layer[tag] = max(per_layer[tag], ulp)
        out[s.environment.name] = dict(per_layer)
    return out


def _shown(r: Result | None) -> tuple | None:
    """What the per-configuration table shows of a result: refused, or container and shapes."""
    if r is None or r.outcome == "rejected":
        return None if r is None else ("refused",)
    return (r.container, r.shapes)


def _configurations(
    sets: list[GoldenSet], ref: GoldenSet, cases: list[Case]
) -> tuple[int, list[ConfigRow]]:
    """(how many configurations are at REFERENCE_SHAPE, those whose outputs differ somewhere)."""
    b, t, d, u = REFERENCE_SHAPE
    at_shape = [
        c
        for c in cases
        if (c.batch, c.timesteps, c.features, c.units) == (b, t, d, u)
        and c.weights == "distinct"
        and c.sample is None
    ]
    i_ref = next(i for i, s in enumerate(sets) if s is ref)
    rows = []
    for c in at_shape:
        results = tuple(s.results.get(c.id) for s in sets)
        shown = [_shown(r) for r in results]
        if len(set(shown)) > 1:
            rows.append(ConfigRow(c, results, tuple(x != shown[i_ref] for x in shown)))
    return len(at_shape), rows

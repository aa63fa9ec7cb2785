"""The conformance report as data: everything docs/CONFORMANCE.md and its pictures say,
computed once from one matrix's golden sets.

The renderers (markdown.py, svg.py) only lay this out, so each set is read and
audited once and each pair of sets compared once, whichever file shows the result.
What changes from one set to another (a pair, a minor, a pre-release, a cell along
its lane) is computed in changes.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

from rnn_shapes.analysis.audit import Audit, audit
from rnn_shapes.analysis.compare import Comparison, compare
from rnn_shapes.analysis.support import Cell, Row, case_states, cells_of, defect_labels, rows_of
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.defects import Defect
from rnn_shapes.defects import load as load_defects
from rnn_shapes.environment import Environment
from rnn_shapes.golden import unrecorded
from rnn_shapes.golden.sets import GoldenSet
from rnn_shapes.report.cases import CaseTable, case_table
from rnn_shapes.report.changes import (
    CellStretch,
    MinorChange,
    NextChange,
    PairChange,
    cell_history,
    minor_changes,
    next_changes,
    pair_change,
)
from rnn_shapes.report.releases import labels, load_sets, reference, upgrade_path
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
        upgrade=[pair_change(compared(a, b)) for a, b in pairwise(path)],
        minor_changes=minor_changes(sets, path, rows, cells, names),
        next_changes=next_changes(sets, audits, states, rows, cells, names),
        others=[pair_change(against_ref[id(s)]) for s in sets if id(s) not in on_path],
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

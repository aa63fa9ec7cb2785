"""The support table: per semantic family and layer, what each environment does.

A cell is one environment's cases of one family and layer, summed up as a
browser-support table would: it agrees (every case agrees with the oracle and
its version's rules, and with the reference environment), differs from the
reference (how, with a count: by a documented rule, e.g. Keras 2's lists; values
only beyond the oracle's tolerance), is
refused by Keras as its rules say (with a count), or shows a listed defect
(with its link). A case that listed defects explain counts under each of them only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from rnn_shapes.analysis.audit import Audit
from rnn_shapes.analysis.compare import Comparison
from rnn_shapes.cases.case import FAMILIES, Case
from rnn_shapes.check import value_problems
from rnn_shapes.defects import load as load_defects
from rnn_shapes.differences import Difference
from rnn_shapes.tolerance import ULP_BUCKETS
from rnn_shapes.verdict import SAID

LAYERS = ("SimpleRNN", "LSTM", "GRU")
# a case's state against the reference, as the picture's bars and the site say it
STATES = tuple(SAID[s] for s in ("agree", "refused", "disagree", "defect"))


@dataclass
class Cell:
    cases: int = 0
    refused: int = 0
    differs: Counter = field(default_factory=Counter)  # how -> cases
    defects: Counter = field(default_factory=Counter)  # defect name -> cases
    states: Counter = field(default_factory=Counter)  # each case's own state -> cases

    def counts(self, defect_label: dict[str, str]) -> dict[str, int]:
        """Each part of the cell and its count, in the order the text says them:
        '≠ container', ..., 'D7' (the defects file's order), '⊘'."""
        out = {f"≠ {k}": n for k, n in sorted(self.differs.items())}
        order = list(defect_label)
        for d in sorted(self.defects, key=order.index):
            out[defect_label[d]] = self.defects[d]
        if self.refused:
            out["⊘"] = self.refused
        return out

    def text(self, defect_label: dict[str, str]) -> str:
        """'✓', '✓ ⊘12', '≠ container 55, values 3', 'D2 6' and combinations."""
        counts = self.counts(defect_label)
        differs = [f"{k[2:]} {n}" for k, n in counts.items() if k.startswith("≠ ")]
        parts = []
        if differs:
            parts.append("≠ " + ", ".join(differs))
        elif not self.defects:
            parts.append("✓")
        parts += [f"{k} {n}" for k, n in counts.items() if not k.startswith(("≠ ", "⊘"))]
        if self.refused:
            parts.append(f"⊘{self.refused}")
        return " ".join(parts)


Row = tuple[str, str]  # (family, layer)


# How a case differs from the reference, in the table's short words, by the
# aspect of compare's difference (rnn_shapes/differences.py)
HOW = {
    "symbolic": "symbolic",
    "error": "refusal",
    "container": "container",
    "arity": "arity",
    "output": "shapes",
    "masks": "output",
    "facts": "facts",
    "dtypes": "dtypes",
}


def how(d: Difference) -> str:
    """The short name of a difference: a container's change -> 'container'."""
    if d.aspect == "outcome":  # against the reference, which built / refused it
        return "refused here" if d.now == "rejected" else "built here"
    return HOW[d.aspect]


@dataclass(frozen=True)
class CaseState:
    """One case in one environment, as the support table counts it: its state, how it
    differs from the reference (short kinds, sorted), the listed defects it shows (in
    defects.toml's order), whether refused."""

    state: str  # one of STATES
    kinds: tuple[str, ...] = ()
    defects: tuple[str, ...] = ()
    refused: bool = False


def case_states(verdicts_audit: Audit, comparison: Comparison) -> dict[str, CaseState]:
    """Each audited case's state in one environment: its audit, and its comparison with
    the reference (what the site shows per case, and the cells sum up)."""
    kinds: dict[str, set[str]] = {}
    for cid, changed in comparison.changed.items():
        kinds[cid] = {how(d) for d in changed}
    cases = {v.case.id: v.case for v in verdicts_audit.verdicts}
    for cid in comparison.buckets()[ULP_BUCKETS[-1][1]]:
        if cid in cases and values_differ(cases[cid], comparison, cid):
            kinds.setdefault(cid, set()).add("values")
    out = {}
    for v in verdicts_audit.verdicts:
        if v.defects:
            out[v.case.id] = CaseState(SAID["defect"], defects=tuple(v.defects))
            continue
        refused = v.result is not None and v.result.outcome == "rejected"
        found = tuple(sorted(kinds.get(v.case.id, ())))
        state = "disagree" if v.case.id in kinds else "refused" if refused else "agree"
        out[v.case.id] = CaseState(SAID[state], found, refused=refused)
    return out


def cells_of(verdicts_audit: Audit, states: dict[str, CaseState]) -> dict[Row, Cell]:
    """The cells summing up one environment's case states, per family and layer."""
    cells: dict[Row, Cell] = {}
    for v in verdicts_audit.verdicts:
        s = states[v.case.id]
        for fam in v.case.families:
            cell = cells.setdefault((fam, v.case.layer), Cell())
            cell.cases += 1
            cell.states[s.state] += 1
            if s.defects:
                cell.defects.update(s.defects)
                continue
            for k in s.kinds:
                cell.differs[k] += 1
            cell.refused += s.refused
    return cells


def values_differ(case: Case, comparison: Comparison, cid: str) -> bool:
    """Values apart by more than the oracle's tolerance: a difference of semantics, where
    a few ULPs more than 4 are another kernel's rounding (docs/drift.svg shows those)."""
    ref, got = comparison.a.results[cid], comparison.b.results[cid]
    want = tuple(o.astype(np.float64) for o in ref.outputs)
    return bool(value_problems(case, got.outputs, want, comparison.b.metadata["backend"]))


def rows_of(cells: list[dict[Row, Cell]]) -> list[Row]:
    present = {row for c in cells for row in c}
    return [(f, layer) for f in FAMILIES for layer in LAYERS if (f, layer) in present]


def defect_labels() -> dict[str, str]:
    """'D1', 'D2', ... for the listed defects, in the file's order."""
    return {d.name: f"D{i}" for i, d in enumerate(load_defects(), start=1)}

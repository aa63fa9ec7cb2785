"""Audit a golden set without TensorFlow: every recorded result against the
rules and the oracle, and the set's case ids against its matrix."""

from __future__ import annotations

from dataclasses import dataclass, field

from rnn_shapes.cases.matrix import cases_by_id
from rnn_shapes.golden.sets import GoldenSet, stale_and_missing
from rnn_shapes.judge import Expected, Judge
from rnn_shapes.verdict import Verdict


@dataclass
class Audit:
    verdicts: list[Verdict] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # in the set, not in the matrix
    missing: list[str] = field(default_factory=list)  # in the matrix, not in the set

    @property
    def problems(self) -> list[str]:
        out = [f"{v.case.id}: {p}" for v in self.verdicts for p in v.problems]
        out += [f"{cid}: in the set, no longer in the matrix" for cid in self.stale]
        out += [f"{cid}: in the matrix, missing from the set" for cid in self.missing]
        return out


def audit(golden: GoldenSet, oracle_memo: dict[tuple[str, int], Expected] | None = None) -> Audit:
    """Judge every case of `golden` as if Keras had just returned it, in the
    environment that recorded it."""
    judge = Judge(golden.environment, oracle_memo=oracle_memo)
    cases = cases_by_id(golden.matrix)
    stale, missing = stale_and_missing(golden, golden.matrix)
    result = Audit(stale=stale, missing=missing)
    for cid in sorted(golden.results.keys() & cases.keys()):
        result.verdicts.append(judge(cases[cid], golden.results[cid]))
    return result

"""Running the catalogue: a baseline of the slice, then each fault on its cases.

The baseline must agree (with the rules, the oracle and itself, no listed
defect involved): a fault is only tried on cases where that holds, so what it
breaks is the fault's doing. A fault is caught when the judge reports a
problem on at least one of its cases (or a corrupt set cannot be read); the
control must not be reported on any.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from rnn_shapes import oracle as oracle_module
from rnn_shapes.cases.case import Case
from rnn_shapes.environment import Environment
from rnn_shapes.explore.search import Plan, Search
from rnn_shapes.golden.sets import GoldenError, stale_and_missing
from rnn_shapes.judge import Judge
from rnn_shapes.result import Result
from rnn_shapes.selftest.golden_faults import GOLDEN_FAULTS, MATRIX, broken
from rnn_shapes.selftest.keras_faults import KERAS3_ONLY, KERAS_FAULTS
from rnn_shapes.selftest.keras_outputs import returned, scaled
from rnn_shapes.selftest.oracle_faults import ORACLE_FAULTS, SHAPE
from rnn_shapes.selftest.patches import RNNS
from rnn_shapes.tolerance import RTOL
from rnn_shapes.verdict import Verdict

SLICE: dict[str, Case] = {
    "lstm": Case(layer="LSTM", **SHAPE),
    "gru": Case(layer="GRU", reset_after=True, **SHAPE),
    "gru_before": Case(layer="GRU", reset_after=False, **SHAPE),
    "simple": Case(layer="SimpleRNN", **SHAPE),
    "bi_lstm": Case(layer="LSTM", bidirectional=True, **SHAPE),
    "bi_ave": Case(layer="GRU", reset_after=True, bidirectional=True, merge_mode="ave", **SHAPE),
    "bi_none": Case(layer="SimpleRNN", bidirectional=True, merge_mode=None, **SHAPE),
    "backwards": Case(layer="LSTM", go_backwards=True, **SHAPE),
    "masked": Case(layer="GRU", reset_after=True, mask="right", **SHAPE),
    "masked_call": Case(layer="LSTM", mask="left", mask_via="call", **SHAPE),
    "h0": Case(layer="LSTM", initial_state="input", **SHAPE),
    "stateful": Case(layer="GRU", reset_after=True, stateful=True, **SHAPE),
}
# Inside the documented tolerance (a quarter of RTOL, relative): must not be reported.
CONTROL = "control: outputs moved by RTOL/4 relative"
CONTROL_FAULT = (returned(RNNS, scaled(1 + RTOL / 4)), ("lstm", "simple", "bi_lstm"))


@dataclass
class Outcome:
    """One fault tried: on how many cases, how many reported it, by which aspects."""

    name: str
    where: str  # keras, oracle, golden, explore or control
    tried: int = 0
    reported: int = 0
    aspects: set[str] = field(default_factory=set)
    note: str = ""  # why it was not tried here
    # Not tried for a reason the environment states: the fault is of Keras 3's cell, or
    # each of its cases is refused here as the rules predict or carries a listed defect.
    # A fault left untried for any other reason fails: nothing proved it is caught.
    excused: bool = False

    @property
    def caught(self) -> bool:
        return self.reported > 0

    @property
    def passed(self) -> bool:
        """A fault must be caught, the control tried and not caught; an untried fault
        passes only when excused."""
        if not self.tried:
            return self.excused and self.where != "control"
        return not self.caught if self.where == "control" else self.caught


@dataclass
class Baseline:
    """The slice as this environment returns it, and the set that records it."""

    env: Environment
    results: dict[str, Result]  # by case id: what the judge reads as a recorded set
    usable: set[str]  # slice names whose baseline agrees, no listed defect involved
    # the others: why each cannot carry a fault, and whether that is excused
    why_not: dict[str, tuple[str, bool]] = field(default_factory=dict)
    path: Path = Path("<the self-test's baseline>")

    def of(self, name: str) -> Result:
        return self.results[SLICE[name].id]


def unusable(v: Verdict, result: Result) -> tuple[str, bool] | None:
    """Why a case cannot carry a fault, and whether that is excused; None if it can."""
    if v.defects:
        return f"listed defect {', '.join(map(repr, v.defects))}", True
    if not v.agrees:
        return "disagrees at baseline", False
    if result.outcome != "ok":
        return "refused here, as the rules predict", True
    return None


def baseline(env: Environment, run: Callable[[Case], Result]) -> Baseline:
    results = {case.id: run(case) for case in SLICE.values()}
    judge = Judge(env)
    why_not = {}
    for name, case in SLICE.items():
        why = unusable(judge(case, results[case.id]), results[case.id])
        if why is not None:
            why_not[name] = why
    return Baseline(env, results, set(SLICE) - set(why_not), why_not)


def _untried(outcome: Outcome, whys: Iterable[tuple[str, bool]]) -> Outcome:
    listed = list(whys)
    outcome.note = "; ".join(sorted({text for text, _ in listed}))
    outcome.excused = all(excused for _, excused in listed)
    return outcome


def _note(outcome: Outcome, verdicts: Iterable[Verdict]) -> Outcome:
    for v in verdicts:
        outcome.tried += 1
        if not v.agrees:
            outcome.reported += 1
            outcome.aspects |= set(v.failed_aspects())
    return outcome


def keras_fault(
    name: str,
    fault: tuple[Callable[[], Any], tuple[str, ...]],
    base: Baseline,
    run: Callable[[Case], Result],
    where: str = "keras",
) -> Outcome:
    """Run the fault's cases under it; judge against the rules, the oracle and the baseline."""
    factory, names = fault
    outcome = Outcome(name, where)
    if name in KERAS3_ONLY and base.env.keras_major < 3:
        return _untried(outcome, [("Keras 3's cell only", True)])
    if not any(n in base.usable for n in names):
        return _untried(outcome, (base.why_not[n] for n in names))
    names = tuple(n for n in names if n in base.usable)
    with factory():
        results = {n: run(SLICE[n]) for n in names}
    judge = Judge(base.env, golden=base)
    return _note(outcome, (judge(SLICE[n], results[n]) for n in names))


def oracle_fault(name: str, base: Baseline, run: Callable[[Case], Result]) -> Outcome:
    """The oracle broken, live Keras (run once, outside the fault) as it is."""
    attr, replacement, case = ORACLE_FAULTS[name]
    result = run(case)
    outcome = Outcome(name, "oracle")
    why = unusable(Judge(base.env)(case, result), result)
    if why is not None:
        return _untried(outcome, [why])
    with mock.patch.object(oracle_module, attr, replacement):
        return _note(outcome, [Judge(base.env)(case, result)])  # a fresh judge: no memo


def golden_fault(name: str, base: Baseline) -> Outcome:
    """The baseline's set broken one way; the baseline judged against what is left."""
    outcome = Outcome(name, "golden")
    cases = {n: c for n, c in SLICE.items() if n in base.usable}  # in the slice's order
    results = {c.id: base.of(n) for n, c in cases.items()}
    with tempfile.TemporaryDirectory() as tmp:
        golden = broken(GOLDEN_FAULTS[name], Path(tmp), base.env, cases, results)
    if isinstance(golden, GoldenError):
        outcome.tried = outcome.reported = len(cases)
        outcome.aspects.add("golden (unreadable)")
        return outcome
    judge = Judge(base.env, golden=golden)
    _note(outcome, (judge(c, base.of(n)) for n, c in cases.items()))
    stale, missing = stale_and_missing(golden, MATRIX, ids=list(results))
    if stale or missing:
        outcome.aspects.add("golden (stale)")
        outcome.reported = max(outcome.reported, len(stale) + len(missing))
    return outcome


EXPLORE_FAULT = "bias ignored"
EXPLORE_PLAN = Plan(examples=30, seed=0, shrink_runs=60)  # no database: each run afresh


def explore_row(env: Environment, fault: str | None) -> Outcome:
    """Exploration under a Keras fault must find it and shrink it to a core case (the
    layer and its shapes, nothing else set); without one it must stay quiet."""
    name = f"explore: {fault}" if fault else "control: explore without a fault"
    outcome = Outcome(name, "explore" if fault else "control")
    with KERAS_FAULTS[fault][0]() if fault else nullcontext():
        tally = Search(EXPLORE_PLAN, Judge(env)).run()
    outcome.tried = tally.examples
    for signature, trial in tally.findings.items():
        outcome.aspects |= {key.split("/")[0] for key in signature}
        if trial.case.families == ("core",):
            outcome.reported += 1
            outcome.aspects.add("shrunk to core")
    if not fault:
        outcome.reported = len(tally.findings)
    return outcome


def selftest(
    env: Environment, run: Callable[[Case], Result], only: str | None = None
) -> tuple[Baseline, list[Outcome]]:
    """Every fault of the catalogue (or those whose name contains `only`), then the control."""
    base = baseline(env, run)

    def wanted(name: str) -> bool:
        return only is None or only.lower() in name.lower()

    outcomes = [keras_fault(n, f, base, run) for n, f in KERAS_FAULTS.items() if wanted(n)]
    outcomes += [oracle_fault(n, base, run) for n in ORACLE_FAULTS if wanted(n)]
    outcomes += [golden_fault(n, base) for n in GOLDEN_FAULTS if wanted(n)]
    outcomes.append(keras_fault(CONTROL, CONTROL_FAULT, base, run, where="control"))
    if wanted("explore"):
        outcomes += [explore_row(base.env, EXPLORE_FAULT), explore_row(base.env, None)]
    return base, outcomes


def table(base: Baseline, outcomes: list[Outcome]) -> str:
    """The kill table: each fault, caught or not, by which aspects, on how many cases."""
    head = f"{'fault':<44} {'where':<8} {'caught':<7} {'by':<32} cases"
    lines = [
        f"rnn-shapes selftest on {base.env.name} ({len(base.usable)} of {len(SLICE)} slice "
        "cases agree at baseline)",
        "",
        head,
        "-" * len(head),
    ]
    for o in outcomes:
        caught = "-" if not o.tried else "yes" if o.caught else "no"
        by = ", ".join(sorted(o.aspects)) or ("" if o.tried else f"not tried: {o.note}")
        lines.append(f"{o.name:<44} {o.where:<8} {caught:<7} {by:<32} {o.reported}/{o.tried}")
    faults = [o for o in outcomes if o.where != "control" and not (o.excused and not o.tried)]
    survived = [o.name for o in faults if o.tried and not o.caught]
    untried = [o.name for o in faults if not o.tried]
    said = "".join(
        f"; {'the control' if c.name == CONTROL else c.name} was "
        + ("NOT TRIED" if not c.tried else "REPORTED" if c.caught else "not reported")
        for c in outcomes
        if c.where == "control"
    )
    lines += [
        "",
        f"verdict: {sum(o.tried and o.caught for o in faults)} of {len(faults)} faults caught"
        + (f"; SURVIVED: {', '.join(survived)}" if survived else "")
        + (f"; NOT TRIED: {', '.join(untried)}" if untried else "")
        + said,
    ]
    return "\n".join(lines) + "\n"

"""The one judge of a case's result: Judge(environment, golden set)(case, result).

It owns what a verdict depends on: the environment (its Keras major picks the
refusal rules and the oracle's activations, its backend the dtypes and the
tolerance), the oracle (memoised), the listed defects and, where one is
recorded, the environment's golden set. `rnn-shapes check`, the pytest
session, `audit`, `check_case` and `bench` all judge through it, so they mean
the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np

from rnn_shapes.cases.case import Case
from rnn_shapes.cases.signature import expected_rejection, output_dtype
from rnn_shapes.check import (
    REGEN_HINT,
    golden_problems,
    rejection_problems,
    relation_problems,
    signature_problems,
    value_problems,
)
from rnn_shapes.defect_values import PREDICTIONS
from rnn_shapes.defects import Defect, concerning
from rnn_shapes.environment import Environment, channel
from rnn_shapes.oracle import rounding_spread, run_oracle
from rnn_shapes.result import Result
from rnn_shapes.tolerance import max_deviation, well_conditioned
from rnn_shapes.verdict import Problem, Verdict

Expected = tuple[np.ndarray, ...] | None  # the oracle's outputs; None: random values


class Recorded(Protocol):
    """What the judge needs of a golden set (golden.sets.GoldenSet has it)."""

    @property
    def path(self) -> Path: ...

    @property
    def results(self) -> Mapping[str, Result]: ...


class Related(Protocol):
    """A relation's two sides run on live Keras (keras.relations.Sides has them)."""

    name: str
    left_case: Case
    left: tuple[np.ndarray, ...]
    right: tuple[np.ndarray, ...]
    error: str | None


class Judge:
    """Judges results of one environment; `golden`, when given, is its recorded set
    (a case the set lacks is then a problem, never a skipped check).

    `oracle_memo` may be shared between judges (audits of many sets): the
    oracle's outputs depend on the case and the Keras major only.
    """

    def __init__(
        self,
        env: Environment,
        golden: Recorded | None = None,
        oracle_memo: dict[tuple[str, int], Expected] | None = None,
    ) -> None:
        self.env = env
        self.golden = golden
        self._memo: dict[tuple[str, int], Expected] = {} if oracle_memo is None else oracle_memo
        self._spreads: dict[tuple[str, int], Expected] = {}  # rounding_spread, where asked

    @property
    def keras_major(self) -> int:
        return self.env.keras_major

    @property
    def backend(self) -> str:
        return self.env.backend

    def _key(self, case: Case) -> tuple[str, int]:
        return (case.id, self.keras_major)  # activations are defined per Keras major

    def expected(self, case: Case) -> Expected:
        """The oracle's outputs for the case under this environment's Keras major."""
        key = self._key(case)
        if key not in self._memo:
            self._memo[key] = run_oracle(case, keras_major=self.keras_major)
        return self._memo[key]

    def _cannot_show(self, entry: Defect, case: Case) -> bool:
        """Whether the values the entry says Keras computes (its `predicts`,
        defect_values.py), held as the compute dtype holds them (float16 overflows
        past 65504), are within the tolerance of the case's right ones (and what
        rounding alone moves them by, as Keras' own values are judged): then the
        defect cannot show here, and its not showing says nothing."""
        oracle = self.expected(case)
        if not entry.predicts or not oracle:
            return False
        predicted = PREDICTIONS[entry.predicts](case, self.keras_major)
        if not predicted or [p.shape for p in predicted] != [o.shape for o in oracle]:
            return False
        held = np.float16 if output_dtype(case, self.backend) == "float16" else np.float64
        with np.errstate(over="ignore"):  # as the compute dtype holds them: inf beyond it
            as_kept = tuple(p.astype(held) for p in predicted)
        return not value_problems(case, as_kept, oracle, self.backend, self._spread(case))

    def _rounding_unsettles(
        self, case: Case, problem: Problem, oracle: tuple, spread: Callable[[], Expected]
    ) -> bool:
        """A predict run that is not the direct call's within the value tolerance
        (`values_as_call` False) where rounding alone moves the case's values beyond
        that tolerance (tolerance.well_conditioned): a compiled and an op-by-op run
        round differently, so the fact is recorded, not asserted, there."""
        if problem.kind != "fact" or problem.expected != {"values_as_call": True}:
            return False
        spreads = spread()
        return spreads is not None and not well_conditioned(case, oracle, spreads, self.backend)

    def _saturation_hides(self, case: Case, problem: Problem) -> bool:
        """A training call that dropout did not change (`differs_from_inference` False)
        where every value of the call at inference is within one float32 step of ±1:
        gates that saturate give the same rounded values with and without the dropped
        entries, as relu's zero region can (cases/signature.py), so the fact is
        recorded, not asserted, there (an explored case of 2026-12-07: Constant(1, ...)
        over a wide stack)."""
        if problem.kind != "fact" or problem.expected != {"differs_from_inference": True}:
            return False
        inference = self.expected(replace(case, training=False))
        if not inference:
            return False
        edge = 1 - np.finfo(np.float32).epsneg  # the largest float32 below 1
        return all(bool(np.all(np.abs(v.astype(np.float32)) >= edge)) for v in inference)

    def _spread(self, case: Case) -> Callable[[], Expected]:
        """How far rounding alone moves the case's values (oracle.rounding_spread), for
        the case's own oracle only: computed when first asked (a value is off), once
        per case, whether Keras' values or a listed defect's predicted ones ask."""
        key = self._key(case)

        def spread() -> Expected:
            if key not in self._spreads:
                dtype = output_dtype(case, self.backend)
                exact = self.expected(case)
                self._spreads[key] = rounding_spread(case, self.keras_major, dtype, exact)
            return self._spreads[key]

        return spread

    def __call__(self, case: Case, result: Result, related: Sequence[Related] = ()) -> Verdict:
        """The whole judgement of one result: refusal rule, rules (signature), oracle
        values, the relations run beside it (`related`, explore's), the listed
        defects and the golden set."""
        return self.against(
            case, result, self.expected(case), spread=self._spread(case), related=related
        )

    def against(
        self,
        case: Case,
        result: Result,
        oracle: Expected,
        mask: np.ndarray | None = None,
        nominal: bool = False,
        spread: Callable[[], Expected] | None = None,
        related: Sequence[Related] = (),
    ) -> Verdict:
        """The judgement with `oracle` as the expected values (a test's own, say).

        A defect listed for the case turns a disagreement with the rules and the
        oracle into an expected difference, and an agreement into a problem: a
        listed defect that no longer shows must be noticed. The golden set stays
        exact.

        `nominal`: the case stands for a layer of a user's model (check-model),
        given `mask` instead of the case's own; a listed defect that does not show
        there is no problem (the model need not exercise it).

        `spread`: how far rounding alone moves the oracle's values (the case's own
        oracle only: `_spread`), asked where a value is off.
        """
        verdict = Verdict(case, result.outcome, result=result)
        minor = self.env.keras_release[1]
        refusal = expected_rejection(case, self.keras_major, self.backend, minor)
        verdict.add(
            "refusal", rejection_problems(case, result, self.keras_major, self.backend, minor)
        )
        if result.outcome == "ok" and refusal is None:
            rules = signature_problems(case, result, self.backend, mask)
            if oracle and spread is not None:
                rules = [p for p in rules if not self._rounding_unsettles(case, p, oracle, spread)]
            if case.training:
                rules = [p for p in rules if not self._saturation_hides(case, p)]
            verdict.add("rules", rules)
            if oracle is not None:  # None: random values, the rules judge their effects
                problems = value_problems(case, result.outputs, oracle, self.backend, spread)
                verdict.add("oracle", problems)
                if [o.shape for o in result.outputs] == [w.shape for w in oracle]:
                    verdict.max_deviation = max_deviation(result.outputs, oracle)
            for side in related:
                verdict.add("relation", self._relation(case, side, spread))
        if not (refusal is not None and verdict.agrees):  # refused by rule: nothing to show
            self._apply_defects(verdict, nominal, related)
        if self.golden is not None:
            self._against_golden(verdict, self.golden)
        return verdict

    def _relation(
        self, case: Case, side: Related, spread: Callable[[], Expected] | None
    ) -> list[Problem]:
        return relation_problems(
            case, side.name, side.left, side.right, side.error, self.backend, spread
        )

    def _apply_defects(
        self, verdict: Verdict, nominal: bool = False, related: Sequence[Related] = ()
    ) -> None:
        """Each problem to the first listed defect that concerns the case and explains
        it (a relation's problem: or the configuration its left side ran). Where none
        shows, each entry that concerns the case no longer shows, unless it may hide
        there, or it shows as values and Keras refused the case. Where one shows, the
        others may not: one defect can keep another from showing (a refusal stops the
        run; a dropped mask leaves nothing masked)."""
        case, result = verdict.case, verdict.result
        entries = list(concerning(case, self.env))
        # a relation's problem: also the entries that concern the configuration its
        # left side ran (a mask added to an unmasked case), judged on that case
        sides = {side.name: side.left_case for side in related}
        beside = [d for c in sides.values() for d in concerning(c, self.env) if d not in entries]
        if not entries and not beside:
            return
        explained: dict[str, list[Problem]] = {d.name: [] for d in entries + beside}
        rest: list[Problem] = []
        for p in verdict.problems:
            on = sides.get(p.kind, case) if p.aspect == "relation" else case
            candidates = entries + beside if p.aspect == "relation" else entries
            entry = next((d for d in candidates if d.explained(p, on, result)), None)
            (rest if entry is None else explained[entry.name]).append(p)
        verdict.problems = rest
        verdict.defects = {name: found for name, found in explained.items() if found}
        if verdict.defects or nominal:
            return  # one defect can keep another from showing; a model need not show it
        refused = result is not None and result.outcome == "rejected"
        for entry in entries:
            if entry.may_hide(case) or (refused and not entry.refusing()):
                continue  # it may hide here; or the case never ran and only a refusal shows it
            if self._cannot_show(entry, case):
                continue  # what it computes is within the tolerance of the right values
            if channel(self.env.versions()) == "next":
                verdict.fixed.append(entry.name)
                continue
            text = (
                f"listed defect {entry.name!r} no longer shows in Keras "
                f"{self.env.keras} ({self.env.backend}): narrow or remove its entry in "
                "rnn_shapes/defects.toml"
            )
            verdict.add("defect", [Problem("no-longer-shows", text, expected=entry.name)])

    def _against_golden(self, verdict: Verdict, golden: Recorded) -> None:
        case, result = verdict.case, verdict.result
        assert result is not None
        recorded = golden.results.get(case.id)
        if recorded is None:
            text = f"not recorded in {golden.path}; {REGEN_HINT}"
            verdict.add("golden", [Problem("missing", text)])
            return
        verdict.add("golden", golden_problems(case, recorded, result, self.backend))
        verdict.golden_checked = True

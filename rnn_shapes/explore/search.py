"""The search: hypothesis draws examples (rnn_shapes.strategies.examples) in rounds,
each example tried once (explore/trial.py); an example whose failure signature is
new raises, so hypothesis shrinks it, keeping the signature (one exception class
per signature: hypothesis tells failures apart by their class). Found signatures
pass in later rounds, so the search goes on past them.

Each minimal finding is saved in a hypothesis example database (a local folder,
`ExampleDatabase.save` under one key, the case's fields as JSON), and the next
search tries those first, as explicit examples: a seeded hypothesis run keeps
no database of its own, and `--seed` must draw the same cases every time.

Shrinking is hypothesis': it moves each draw towards its first choice, which
the strategies make Keras' default (cases off fewer axes, smaller B/T/D/U,
simpler weights). Each example is run once (a cache by case and relation), and a
round's shrinking runs at most `shrink_runs` new examples.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, assume, event, example, given, settings
from hypothesis import seed as seeded
from hypothesis.database import DirectoryBasedExampleDatabase

from rnn_shapes.cases.axes import Constant, Lower
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.select import parse
from rnn_shapes.explore.trial import Trial, attempt, release_models
from rnn_shapes.judge import Judge
from rnn_shapes.strategies import MAX_SIZE, examples

ROUND = 50  # examples hypothesis draws per round (time and budget are checked between)
SHRINK_RUNS = 150  # new examples shrinking may run, per new signature of a round
RELEASE_EVERY = 50  # examples run between forgetting every model built (memory)
STALE_ROUNDS = 3  # rounds in a row that draw nothing new: the held axes hold no more cases


@dataclass(frozen=True)
class Plan:
    """What one search does: `examples` distinct examples (or until `seconds`), from
    `seed`, with `held` axes fixed and only cases whose id matches `keyword`."""

    examples: int = 300
    seconds: float | None = None
    seed: int = 0
    held: tuple[tuple[str, Any], ...] = ()
    keyword: str | None = None
    database: Path | None = None
    shrink_runs: int = SHRINK_RUNS
    max_size: int = MAX_SIZE


@dataclass
class Tally:
    """What a search did: examples tried, by verdict state; runs spent shrinking;
    relations checked; the findings (the minimal trial of each new signature)."""

    examples: int = 0
    shrink_runs: int = 0
    states: Counter = field(default_factory=Counter)
    relations: Counter = field(default_factory=Counter)
    unset: int = 0  # relations Keras' known refusals kept from being set up
    findings: dict[tuple[str, ...], Trial] = field(default_factory=dict)
    firsts: dict[tuple[str, ...], Trial] = field(default_factory=dict)  # before shrinking
    seconds: float = 0.0


class Finding(Exception):
    """An example with a failure signature not found before (one subclass per signature)."""

    key: tuple[str, str | None] = ("", None)


_CLASSES: dict[tuple[str, ...], type[Finding]] = {}


def finding_class(signature: tuple[str, ...]) -> type[Finding]:
    if signature not in _CLASSES:
        digest = hashlib.sha1(repr(signature).encode()).hexdigest()[:10]
        _CLASSES[signature] = type(f"Finding_{digest}", (Finding,), {})
    return _CLASSES[signature]


def _failures(exc: BaseException) -> list[Finding]:
    """The findings a round raised: one, or a group of them (several signatures)."""
    if isinstance(exc, Finding):
        return [exc]
    if isinstance(exc, BaseExceptionGroup):
        found = [f for e in exc.exceptions for f in _failures(e)]
        if len(found) == len(exc.exceptions):
            return found
    raise exc


DATABASE_KEY = b"rnn-shapes explore findings"


def case_json(case: Case, relation: str | None) -> bytes:
    """A finding's case and relation as JSON bytes (what the database keeps)."""
    fields = dict(vars(case))
    if isinstance(case.weights, Constant):
        fields["weights"] = {
            "constant": [case.weights.kernel, case.weights.recurrent, case.weights.bias]
        }
    fields["stack"] = [list(vars(lower).values()) for lower in case.stack]
    return json.dumps({"case": fields, "relation": relation}, sort_keys=True).encode()


def from_json(data: bytes) -> tuple[Case, str | None] | None:
    """The example a database entry holds; None where this version's Case refuses it
    (an entry of another version: skipped, not an error)."""
    try:
        record = json.loads(data)
        fields = record["case"]
        if isinstance(fields["weights"], dict):
            fields["weights"] = Constant(*fields["weights"]["constant"])
        fields["stack"] = tuple(Lower(*lower) for lower in fields["stack"])
        return Case(**fields), record["relation"]
    except (ValueError, KeyError, TypeError):
        return None


class Search:
    """One process's search (a worker's, with -j): rounds until the plan is met."""

    def __init__(self, plan: Plan, judge: Judge, tick: Callable[[int], None] | None = None):
        self.plan, self.judge, self.tick = plan, judge, tick
        self.tally = Tally()
        self.trials: dict[tuple[str, str | None], Trial] = {}
        self.known: set[tuple[str, ...]] = set()
        self.matches = parse(plan.keyword) if plan.keyword else None
        self.start = time.monotonic()
        self.shrinking = False  # a new signature raised in this round: what runs now shrinks
        self.shrunk = 0
        self.raised = 0  # new signatures raised in this round
        self.database = (
            None if plan.database is None else DirectoryBasedExampleDatabase(plan.database)
        )

    def out_of_time(self) -> bool:
        return self.plan.seconds is not None and time.monotonic() - self.start > self.plan.seconds

    def done(self) -> bool:
        return self.tally.examples >= self.plan.examples or self.out_of_time()

    def _try(self, example: tuple[Case, str | None]) -> None:
        case, relation = example
        if self.matches is not None:
            assume(self.matches(case.id))
        for family in case.families:  # labelled draws: hypothesis' statistics count them
            event("family", family)
        event("relation", str(relation))
        key = (case.id, relation)
        trial = self.trials.get(key)
        if trial is None:
            if self.done() and not self.shrinking:
                return  # the budget is spent: the round runs out without running more
            budget = self.plan.shrink_runs * self.raised
            if self.shrinking and (self.shrunk >= budget or self.out_of_time()):
                return  # the shrinking budget is spent: no new example is interesting
            trial = self.trials[key] = attempt(case, relation, self.judge)
            self._count(trial)
            if len(self.trials) % RELEASE_EVERY == 0:
                release_models()
        if trial.signature and trial.signature not in self.known:
            self.shrinking = True
            if trial.signature not in self.tally.firsts:
                self.tally.firsts[trial.signature] = trial
                self.raised += 1  # each new signature brings its own shrinking budget
            failure = finding_class(trial.signature)(trial.signature)
            failure.key = key
            raise failure

    def _count(self, trial: Trial) -> None:
        if self.shrinking:
            self.shrunk += 1
            self.tally.shrink_runs += 1
            return
        self.tally.examples += 1
        state = trial.verdict.state if trial.verdict is not None else "harness error"
        self.tally.states[state] += 1
        if trial.relation is not None and not trial.unset:
            self.tally.relations[trial.relation] += 1
        self.tally.unset += trial.unset
        if self.tick is not None:
            self.tick(1)

    def _saved(self) -> list[tuple[Case, str | None]]:
        """The findings earlier searches saved (tried first, in the first round)."""
        if self.database is None:
            return []
        found = (from_json(entry) for entry in self.database.fetch(DATABASE_KEY))
        return sorted((e for e in found if e is not None), key=lambda e: (e[0].id, e[1] or ""))

    def _round(self, number: int) -> None:
        plan = self.plan
        phases = [Phase.explicit, Phase.generate, Phase.shrink]

        @seeded(plan.seed * 1_000_003 + number)
        @settings(
            max_examples=ROUND,
            phases=phases,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            report_multiple_bugs=True,
            print_blob=False,
        )
        @given(examples(plan.max_size, **dict(plan.held)))
        def explore_case(example: tuple[Case, str | None]) -> None:
            self._try(example)

        if number == 0:  # the findings of earlier runs first
            for saved in reversed(self._saved()):
                explore_case = example(saved)(explore_case)
        self.shrinking, self.shrunk, self.raised = False, 0, 0
        try:
            explore_case()
        except BaseException as exc:
            for failure in _failures(exc):
                trial = self.trials[failure.key]
                self.tally.findings[trial.signature] = trial
                self.known.add(trial.signature)
                if self.database is not None:
                    self.database.save(DATABASE_KEY, case_json(trial.case, trial.relation))
        self.shrinking = False

    def run(self) -> Tally:
        number, stale = 0, 0
        while not self.done() and stale < STALE_ROUNDS:
            before = self.tally.examples
            self._round(number)
            number += 1
            stale = stale + 1 if self.tally.examples == before else 0
        self.tally.seconds = time.monotonic() - self.start
        return self.tally

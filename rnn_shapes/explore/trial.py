"""One example tried: the case run on live Keras with one relation beside it
(keras/relations.py), judged by the Judge; its failure signature."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from rnn_shapes.cases.case import Case
from rnn_shapes.judge import Judge
from rnn_shapes.keras.backend import release
from rnn_shapes.keras.cache import default_cache
from rnn_shapes.keras.relations import Sides, sides
from rnn_shapes.keras.run import run_keras
from rnn_shapes.verdict import Verdict

HARNESS = "harness"  # the aspect of a signature whose trial raised in the harness itself


@dataclass
class Trial:
    case: Case
    relation: str | None
    verdict: Verdict | None  # None: the harness raised (`error`)
    signature: tuple[str, ...]  # the unexplained problems' aspect/kind, sorted; () passes
    sides: Sides | None = None
    error: str | None = None
    # the relation could not be set up: Keras refuses its other configuration as the
    # rules or a listed defect say (not a problem of the relation)
    unset: bool = False

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.case.id, self.relation)


def release_models() -> None:
    """Forget every model built so far: the run's cache, Keras' session, JAX's compiled
    functions (a search builds thousands of models, none of them twice)."""
    default_cache().reset()
    release()


def signature_of(verdict: Verdict) -> tuple[str, ...]:
    """How a verdict fails: its unexplained problems' aspect/kind, each once, sorted."""
    return tuple(sorted({p.key for p in verdict.problems}))


def _refused_as_known(case: Case, judge: Judge) -> bool:
    """Whether Keras refuses `case` (a relation's other configuration) as the rules
    or a listed defect say: then the relation cannot be set up there."""
    result = run_keras(case)
    return result.outcome == "rejected" and judge(case, result).state in ("refused", "defect")


def attempt(case: Case, relation: str | None, judge: Judge) -> Trial:
    """The case and its relation run and judged; an exception of the harness itself
    is a trial too (its signature names it), never lost."""
    try:
        result = run_keras(case)
        related: list[Sides] = []
        unset = False
        if relation is not None and result.outcome == "ok":
            side = sides(case, relation)
            unset = side.error is not None and _refused_as_known(side.left_case, judge)
            related = [] if unset else [side]
        verdict = judge(case, result, related)
        side_run = related[0] if related else None
        return Trial(case, relation, verdict, signature_of(verdict), side_run, unset=unset)
    except Exception as exc:  # the harness's own error: a finding about rnn-shapes
        line = traceback.format_exception_only(exc)[-1].strip()
        return Trial(case, relation, None, (f"{HARNESS}/{type(exc).__name__}",), error=line)

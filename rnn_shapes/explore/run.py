"""`rnn-shapes explore` put together: searches in worker processes (or this one),
their tallies merged, each signature's smallest finding kept, its reproduction
and issue text written, and the run reported as text or JSON."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rnn_shapes.cases.axes import AXES, COUNTS
from rnn_shapes.environment import Environment
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.explore.search import Plan, Search, Tally
from rnn_shapes.explore.trial import Trial
from rnn_shapes.files import atomic_write_text

JOIN_SECONDS = 0.5


@dataclass
class Found:
    """One finding as data: the minimal trial, what it was first seen as, and the
    reproduction (script and issue text, written by the worker that found it)."""

    trial: Trial
    first: str
    script: str | None = None
    issue: str | None = None
    paths: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    environment: str
    tally: Tally
    found: list[Found]
    workers: int
    out: Path | None

    def record(self) -> dict[str, Any]:
        """The run as JSON-ready data (`--format json`)."""
        t = self.tally
        return {
            "environment": self.environment,
            "examples": t.examples,
            "shrink_runs": t.shrink_runs,
            "seconds": round(t.seconds, 1),
            "workers": self.workers,
            "states": dict(sorted(t.states.items())),
            "relations": dict(sorted(t.relations.items())),
            "relations_not_set_up": t.unset,
            "findings": [_finding_record(f) for f in self.found],
        }


def _finding_record(found: Found) -> dict[str, Any]:
    trial = found.trial
    problems = trial.verdict.problems if trial.verdict is not None else []
    return {
        "signature": list(trial.signature),
        "case": trial.case.id,
        "families": list(trial.case.families),
        "relation": trial.relation,
        "first_seen_as": found.first,
        "problems": [
            {
                "aspect": p.aspect,
                "kind": p.kind,
                "output": p.output,
                "expected": repr(p.expected),
                "got": repr(p.got),
                "text": p.text,
            }
            for p in problems
        ],
        "harness_error": trial.error,
        "reproduction": found.paths.get("script"),
        "issue": found.paths.get("issue"),
    }


def size(trial: Trial) -> tuple[int, int, str]:
    """How far a finding's case is from a minimal one: axes off Keras' default, then
    B+T+D+U; the id breaks ties (the same finding from two workers: one kept)."""
    case = trial.case
    off = sum(getattr(case, n) != a.default for n, a in AXES.items() if n not in ("layer", *COUNTS))
    return (off, sum(getattr(case, n) for n in COUNTS), case.id)


def _search(plan: Plan, tick: Callable[[int], None] | None) -> tuple[Tally, dict]:
    """One process's search and the reproductions of what it found (Keras needed)."""
    from rnn_shapes.explore.reproduce import issue_text, reproduction, script
    from rnn_shapes.judge import Judge

    env = Environment.installed()
    judge = Judge(env)
    tally = Search(plan, judge, tick).run()
    texts = {}
    for signature, trial in tally.findings.items():
        rep = reproduction(trial, judge)
        title = f"rnn-shapes explore: {', '.join(signature)} in {env.name}"
        texts[signature] = (
            None if rep is None else script(rep, title),
            issue_text(trial, env, "reproduce.py", judge.backend),
        )
    return tally, texts


def _worker(plan: Plan, queue: Any) -> tuple[Tally, dict]:
    return _search(plan, queue.put)


def _merge(parts: list[tuple[Tally, dict]]) -> tuple[Tally, list[Found]]:
    total = Tally()
    best: dict[tuple[str, ...], Found] = {}
    for tally, texts in parts:
        total.examples += tally.examples
        total.shrink_runs += tally.shrink_runs
        total.states += tally.states
        total.relations += tally.relations
        total.unset += tally.unset
        total.seconds = max(total.seconds, tally.seconds)
        for signature, trial in tally.findings.items():
            first = tally.firsts.get(signature, trial).case.id
            found = Found(trial, first, *texts.get(signature, (None, None)))
            if signature not in best or size(trial) < size(best[signature].trial):
                best[signature] = found
    return total, [best[s] for s in sorted(best)]


def _slug(signature: tuple[str, ...]) -> str:
    return re.sub(r"[^a-z0-9]+", "-", "-".join(signature).lower()).strip("-")[:60]


def write_findings(found: list[Found], out: Path) -> None:
    """Each finding's script and issue text under `out` (atomic writes)."""
    out.mkdir(parents=True, exist_ok=True)
    for n, f in enumerate(found, 1):
        stem = f"finding-{n}-{_slug(f.trial.signature)}"
        if f.script is not None:
            atomic_write_text(out / f"{stem}.py", f.script)
            f.paths["script"] = str(out / f"{stem}.py")
        if f.issue is not None:
            issue = f.issue.replace("python reproduce.py", f"python {stem}.py")
            atomic_write_text(out / f"{stem}.md", issue)
            f.paths["issue"] = str(out / f"{stem}.md")


def explore(
    plan: Plan, workers: int, out: Path | None, tick: Callable[[int], None] | None = None
) -> Outcome:
    """Search with `workers` processes (1: this one), each its share of the examples
    from its own seed; the findings written under `out`."""
    env = Environment.installed()
    parts = [_search(plan, tick)] if workers <= 1 else _in_workers(plan, workers, tick)
    tally, found = _merge(parts)
    if out is not None and found:
        write_findings(found, out)
    return Outcome(env.name, tally, found, workers, out)


def _in_workers(
    plan: Plan, workers: int, tick: Callable[[int], None] | None
) -> list[tuple[Tally, dict]]:
    import multiprocessing as mp
    from concurrent.futures import wait

    from rnn_shapes.keras.pool import _init_worker

    share = -(-plan.examples // workers)
    plans = [replace(plan, examples=share, seed=plan.seed * 7919 + i) for i in range(workers)]
    context = mp.get_context("spawn")
    with context.Manager() as manager:
        queue = manager.Queue()
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(os.getpid(),)
        ) as pool:
            futures = [pool.submit(_worker, p, queue) for p in plans]
            pending = set(futures)
            while pending:
                _, pending = wait(pending, timeout=JOIN_SECONDS)
                while not queue.empty():
                    n = queue.get()
                    if tick is not None:
                        tick(n)
            try:
                return [f.result() for f in futures]
            except BrokenProcessPool:
                raise RnnShapesError(
                    "explore: a worker process died (Keras or its backend crashed it, or the "
                    "machine ran out of memory); run with -j 1 to see which case, and fewer "
                    "--examples per run"
                ) from None


def summary(outcome: Outcome) -> str:
    """The run as text: counts, relations, each finding with its files."""
    t = outcome.tally
    rate = t.examples / max(t.seconds, 1e-9)
    states = ", ".join(f"{k} {v}" for k, v in sorted(t.states.items()))
    lines = [
        f"explore {outcome.environment}: {t.examples} examples in {t.seconds:.0f} s "
        f"({rate:.1f}/s, {outcome.workers} worker(s)), {t.shrink_runs} more run shrinking",
        f"verdicts: {states}",
        "relations checked: "
        + (", ".join(f"{k} {v}" for k, v in sorted(t.relations.items())) or "none")
        + (f"; {t.unset} not set up (Keras refuses the other side, as known)" if t.unset else ""),
    ]
    if not outcome.found:
        lines.append("findings: none unexplained")
    else:
        lines.append(f"findings: {len(outcome.found)} (one per failure signature, shrunk)")
    for n, f in enumerate(outcome.found, 1):
        trial = f.trial
        lines.append(f"  {n}. {', '.join(trial.signature)}")
        lines.append(
            f"     minimal case: {trial.case.id}"
            + (f" (relation {trial.relation})" if trial.relation else "")
        )
        lines.append(f"     first seen as: {f.first}")
        problems = trial.verdict.problems if trial.verdict is not None else []
        for p in problems[:3]:
            lines.append(f"     {p}")
        if trial.error:
            lines.append(f"     harness error: {trial.error}")
        for what, path in sorted(f.paths.items()):
            lines.append(f"     {what}: {path}")
    return "\n".join(lines)


def as_json(outcome: Outcome) -> str:
    return json.dumps(outcome.record(), indent=2, sort_keys=True)

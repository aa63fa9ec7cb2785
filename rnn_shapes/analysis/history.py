"""A case's timeline across the committed sets: what it did in each environment and
where that changed ("since 3.2", "until 3.10"), read from the sets alone (no Keras).

Environments are walked in release order, one lane per backend (releases) and one
for the pre-release channel, so a step is a change of Keras or TensorFlow, not of
backend. Consecutive environments where the case did the same (outcome and
refusal message, container, arity, shapes, dtypes, masks, and values within the
oracle's tolerance of the one before) are one stretch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnn_shapes.cases.case import Case
from rnn_shapes.check import value_problems
from rnn_shapes.differences import differences
from rnn_shapes.environment import channel
from rnn_shapes.golden.sets import GoldenSet
from rnn_shapes.result import Result

# What a result is, aspect by aspect (the one comparison's, symbolic outputs and
# facts aside): a change of any is a new stretch.
ASPECTS = ("outcome", "container", "arity", "shapes", "dtypes", "masks", "received")


@dataclass(frozen=True)
class Stretch:
    """Consecutive environments (by column label) where the case did the same."""

    labels: tuple[str, ...]
    summary: str  # what it did there
    changed: tuple[str, ...]  # the aspects that changed from the stretch before ('values' too)

    @property
    def span(self) -> str:
        first, last = self.labels[0], self.labels[-1]
        return first if first == last else f"{first} .. {last}"


def lane(s: GoldenSet) -> str:
    """'tensorflow', 'jax', ...; 'next tensorflow' for the pre-release channel."""
    backend = s.metadata["backend"]
    return f"next {backend}" if channel(s.metadata) == "next" else backend


def summary(result: Result | None) -> str:
    """'ok, tuple 3: 3x6 3x3 3x3', 'refused: ValueError: ...', 'not recorded'."""
    if result is None:
        return "not recorded"
    if result.outcome == "rejected":
        return f"refused: {result.error}"
    shapes = " ".join("x".join(map(str, s)) for s in result.shapes)
    dtypes = sorted(set(result.dtypes))
    return f"ok, {result.container} {result.arity}: {shapes} ({', '.join(dtypes)})"


def changes(case: Case, before: Result | None, after: Result | None, backend: str) -> list[str]:
    """The aspects that differ from `before` to `after` (rnn_shapes/differences.py),
    in ASPECTS' order; 'values' where the outputs line up and differ beyond the
    oracle's tolerance."""
    if before is None or after is None:
        return [] if before is after else ["outcome"]
    found: set[str] = set()
    for d in differences(before, after):
        if d.aspect in ("outcome", "error"):
            return ["outcome"]  # built / refused, or another refusal: the rest follows
        if d.aspect == "arity":  # the lists of shapes and dtypes change with it
            found |= {"arity", "shapes", "dtypes"}
        elif d.aspect == "output":
            found |= {"shapes"} if d.was[0] != d.now[0] else set()
            found |= {"dtypes"} if d.was[1] != d.now[1] else set()
        elif d.aspect in ASPECTS:
            found.add(d.aspect)
    if found or after.outcome != "ok":
        return [k for k in ASPECTS if k in found]
    want = tuple(o.astype(np.float64) for o in before.outputs)
    return ["values"] if value_problems(case, after.outputs, want, backend) else []


def timeline(case: Case, sets: list[GoldenSet], labels: list[str]) -> dict[str, list[Stretch]]:
    """Per lane, the case's stretches in release order (`sets` in release order,
    `labels` their column names)."""
    lanes: dict[str, list[tuple[str, GoldenSet]]] = {}
    for label, s in zip(labels, sets, strict=True):
        lanes.setdefault(lane(s), []).append((label, s))
    out = {}
    for name, members in lanes.items():
        stretches: list[Stretch] = []
        previous: Result | None = None
        for i, (label, s) in enumerate(members):
            result = s.results.get(case.id)
            moved = changes(case, previous, result, s.metadata["backend"]) if i else []
            if i and not moved:
                last = stretches[-1]
                stretches[-1] = Stretch((*last.labels, label), last.summary, last.changed)
            else:
                stretches.append(Stretch((label,), summary(result), tuple(moved)))
            previous = result
        out[name] = stretches
    return out


def lines(case: Case, sets: list[GoldenSet], labels: list[str]) -> list[str]:
    """The timeline as text: per lane, 'since X' / 'until Y' and what it did."""
    out = [case.id]
    for name, stretches in timeline(case, sets, labels).items():
        out.append(f"  {name}:")
        for i, st in enumerate(stretches):
            when = (
                f"{st.span}"
                if len(stretches) == 1
                else f"until {st.labels[-1]}"
                if i == 0
                else f"since {st.labels[0]}"
                + ("" if i == len(stretches) - 1 else f", until {st.labels[-1]}")
            )
            what = f" [{', '.join(st.changed)} changed]" if st.changed else ""
            n = len(st.labels)
            out.append(f"    {when} ({n} set{'s' * (n != 1)}): {st.summary}{what}")
    return out

"""What differs between two results of one case: the one comparison of two results.

The judge's golden check (a live result against the recorded one), compare (two
environments' sets), a model's records (two environments' records of one
model) and advise all ask `differences` and `drift`, and each words the
records it gets in its own report; the site's compare.js follows the same
rules on the same fields (the browser test keeps the two equal). Nothing reads
a difference back out of its text.

The rules, in the order the records come:
- symbolic: what the built model said before it ran; a side that did not record
  it (a set older than schema 4) holds None, and readers skip such a record;
- outcome: built or refused; where it differs, nothing else is compared;
- error: the refusal's message (where both refused, nothing else is compared);
- container, then arity, or where the arity is the same, each output's
  (shape, dtype) that differs;
- masks (what `compute_mask` hands on), facts (what a training run showed);
- dtypes: the sets of output dtypes (one more float32 output is the arity's change);
- received: the masks attached to the returned tensors.
Values are not a difference but a distance (`drift`), measured only where the
outputs line up and are not drawn at random.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rnn_shapes.result import Result
from rnn_shapes.tolerance import max_deviation, ulp_distance

ASPECTS = (
    "symbolic",
    "outcome",
    "error",
    "container",
    "arity",
    "output",
    "masks",
    "facts",
    "dtypes",
    "received",
)


@dataclass(frozen=True)
class Difference:
    """One aspect in which result b differs from result a: a's value, b's value, and
    for an output's (shape, dtype) the output's index."""

    aspect: str  # one of ASPECTS
    was: Any
    now: Any
    output: int | None = None


@dataclass(frozen=True)
class Drift:
    """How far the values of two results that line up are apart."""

    max_abs: float  # the largest absolute difference, in float64
    ulps: float  # the largest distance in ULPs of each output's dtype, at its scale


def differences(a: Result, b: Result) -> list[Difference]:
    """Every way `b` differs from `a` but values, in ASPECTS' order (rules above)."""
    out = []
    if a.symbolic != b.symbolic:
        out.append(Difference("symbolic", a.symbolic, b.symbolic))
    if a.outcome != b.outcome:
        return [*out, Difference("outcome", a.outcome, b.outcome)]
    if a.error != b.error:
        out.append(Difference("error", a.error, b.error))
    return out if a.outcome == "rejected" else out + _built(a, b)


def _built(a: Result, b: Result) -> list[Difference]:
    """The differences of two results that were both built."""
    out = []
    if a.container != b.container:
        out.append(Difference("container", a.container, b.container))
    if a.arity != b.arity:
        out.append(Difference("arity", a.arity, b.arity))
    else:
        pairs = zip(a.shapes, b.shapes, a.dtypes, b.dtypes, strict=True)
        out += [
            Difference("output", (sa, da), (sb, db), i)
            for i, (sa, sb, da, db) in enumerate(pairs)
            if (sa, da) != (sb, db)
        ]
    for aspect in ("masks", "facts"):
        if getattr(a, aspect) != getattr(b, aspect):
            out.append(Difference(aspect, getattr(a, aspect), getattr(b, aspect)))
    if set(a.dtypes) != set(b.dtypes):
        out.append(Difference("dtypes", frozenset(a.dtypes), frozenset(b.dtypes)))
    if a.received != b.received:
        out.append(Difference("received", a.received, b.received))
    return out


def recorded_on_both(d: Difference) -> bool:
    """Whether both sides recorded the aspect (a set older than schema 4 has no symbolic)."""
    return d.aspect != "symbolic" or None not in (d.was, d.now)


def random_values(result: Result) -> bool:
    """A training run's values are drawn at random (its facts say what it showed)."""
    return "repeatable" in (result.facts or {})


def lined_up(a: Result, b: Result) -> bool:
    """Whether the values of two results can be compared: both built, the same shapes
    and dtypes output by output (the container is packaging only), not drawn at random."""
    return (
        a.outcome == b.outcome == "ok"
        and (a.shapes, a.dtypes) == (b.shapes, b.dtypes)
        and not random_values(a)
    )


def drift(a: Result, b: Result) -> Drift | None:
    """How far apart the values are where they line up; None where they do not."""
    if not lined_up(a, b):
        return None
    ulps = max(
        (ulp_distance(x, y, d) for x, y, d in zip(a.outputs, b.outputs, a.dtypes, strict=True)),
        default=0.0,
    )
    return Drift(max_deviation(a.outputs, b.outputs), ulps)


def identical(a: Result, b: Result) -> bool:
    """No difference in any field and none in any bit of the values."""
    return not differences(a, b) and all(
        x.tobytes() == y.tobytes() for x, y in zip(a.outputs, b.outputs, strict=True)
    )


def changes(old: dict[str, Result], new: dict[str, Result]) -> dict[str, list[str]]:
    """Case ids new, changed (any field or any bit) and removed from `old` to `new`."""
    return {
        "new": sorted(new.keys() - old.keys()),
        "changed": sorted(k for k in new.keys() & old.keys() if not identical(old[k], new[k])),
        "removed": sorted(old.keys() - new.keys()),
    }

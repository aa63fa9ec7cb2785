"""What differs between two results of one case: the one comparison that the
judge's golden check, compare, a model's records and advise all read.
"""

from __future__ import annotations

from rnn_shapes.result import Result


def changes(old: dict[str, Result], new: dict[str, Result]) -> dict[str, list[str]]:
    """Case ids new, changed (any field or any bit) and removed from `old` to `new`."""

    def same(a: Result, b: Result) -> bool:
        fields = (
            "outcome",
            "container",
            "dtypes",
            "error",
            "shapes",
            "masks",
            "received",
            "facts",
            "symbolic",
        )
        return all(getattr(a, f) == getattr(b, f) for f in fields) and all(
            x.tobytes() == y.tobytes() for x, y in zip(a.outputs, b.outputs, strict=True)
        )

    return {
        "new": sorted(new.keys() - old.keys()),
        "changed": sorted(k for k in new.keys() & old.keys() if not same(old[k], new[k])),
        "removed": sorted(old.keys() - new.keys()),
    }


def random_values(result: Result) -> bool:
    """A training run's values are drawn at random (its facts say what it showed)."""
    return "repeatable" in (result.facts or {})

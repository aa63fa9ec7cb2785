"""Random valid cases over every axis, shapes and constants included: the cases a new
user might build that no matrix holds (T=1, U=1, B=1, a backward layer of another
width, Constant(kernel=0.3, recurrent=0.2)).

A draw picks each field from the axes' table (cases/axes.py): a listed value, a small
count, a rate, a flag; an option that only matters beside another (a merge mode, a
backward layer, how a mask is given) is drawn only where it does. The Case's own
rules then accept or refuse the draw, so a drawn case is one the Case accepts;
refused draws are counted, never repaired. Seeded: the same seed draws the same cases.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rnn_shapes.cases.axes import AXES, LAYERS, Constant, Lower
from rnn_shapes.cases.case import Case

COUNTS = (1, 1, 2, 3, 4, 5, 7, 9)  # shapes and units: 1 is where rules are tested hardest
RATES = (0.0, 0.0, 0.0, 0.3, 0.5)
CONSTANTS = (0.0, 0.1, 0.2, 0.3, -0.25, 0.5)
# Fields drawn only where the field named beside them is set (else Keras' default)
ONLY_WITH = {
    "merge_mode": "bidirectional",
    "backward_layer": "bidirectional",
    "mask_via": "mask",
    "state_form": "initial_state",
}
DRAWN_APART = ("weights", "stack", "sample", "backward_units", "call_batch")


def _value(rng: random.Random, name: str) -> Any:
    axis = AXES[name]
    if axis.values is not None:
        values = [v for v in axis.values if v is not None]
        unset = [None] * (len(values) // 2 + 1) if axis.default is None else []
        return rng.choice(values + unset)  # an optional axis is more often unset
    if axis.kind == "bool":  # off Keras' default now and then
        return (not axis.default) if rng.random() < 0.3 else axis.default
    if axis.kind == "rate":
        return rng.choice(RATES)
    return rng.choice(COUNTS)


def _fields(rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in AXES:
        if name in DRAWN_APART:
            continue
        beside = ONLY_WITH.get(name)
        if beside is not None and out.get(beside) in (None, False):
            continue
        if "layer" in out and not AXES[name].of(out["layer"]):
            continue  # an option of other layers (GRU's reset_after)
        out[name] = _value(rng, name)
    if rng.random() < 0.5:
        out["weights"] = Constant(*(rng.choice(CONSTANTS) for _ in range(3)))
    if rng.random() < 0.2:
        out["stack"] = tuple(
            Lower(
                rng.choice(LAYERS),
                rng.choice(COUNTS[2:]),
                rng.random() < 0.4,
                rng.random() < 0.3,
            )
            for _ in range(rng.choice((1, 2)))
        )
    if out.get("backward_layer") is not None and rng.random() < 0.5:
        out["backward_units"] = rng.choice(COUNTS)
    below = any(lower.stateful for lower in out.get("stack", ()))  # no Case yet to ask
    if (out.get("stateful") or below) and rng.random() < 0.3:
        out["call_batch"] = rng.choice(COUNTS)
    return out


@dataclass
class Drawn:
    """The valid cases drawn, and why the Case refused the other draws (counted)."""

    cases: list[Case] = field(default_factory=list)
    refused: Counter = field(default_factory=Counter)

    @property
    def tried(self) -> int:
        return len(self.cases) + sum(self.refused.values())


def draw_cases(n: int, seed: int = 0, max_tries: int = 200) -> Drawn:
    """`n` valid cases (distinct ids), drawn with `seed`; at most `max_tries` draws each."""
    rng = random.Random(seed)
    drawn = Drawn()
    seen: set[str] = set()
    while len(drawn.cases) < n and drawn.tried < max_tries * n:
        try:
            case = Case(**_fields(rng))
        except ValueError as exc:
            drawn.refused[str(exc).split(":")[0]] += 1
            continue
        if case.id not in seen:
            seen.add(case.id)
            drawn.cases.append(case)
    return drawn

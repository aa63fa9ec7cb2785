"""Covering designs: the new axes crossed with each other, built rather than enumerated.

The family blocks of the full matrix (cases/matrix.py) are exhaustive: each new
axis against every layer, direction, flag and walking direction. What they do
not cross is the new axes with one another (a masked stateful unrolled case with
initial states, at B = 1 and T = 1), and the full product would run to millions
of cases. A t-wise covering design holds every combination of any t axis values
in at least one case, in a few hundred.

Built by covertable (a maintained pairwise/t-wise library, pinned in
pyproject.toml): its greedy criterion with the FNV-1a hash sorter and a fixed
salt is deterministic, so every machine builds the same cases. The cases are
then sorted by id, so their order depends on nothing but the ids. Constraints
are the Case's own rules (cases/rules.py), read over the design's labels and
turned into covertable conditions here, plus one exclusion that would only waste
rows on Keras 3, which refuses it outright: Bidirectional with go_backwards (the
exhaustive core covers it).

Layer and direction are one axis of 24 values, so a pairwise design puts every
other axis value with every layer in every direction (144 rows at least: 24
layer-directions x 6 mask values; covertable reaches that bound).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations, product
from typing import Any

from covertable import make

from rnn_shapes.cases.axes import (
    AXES,
    DIRECTIONS,
    LAYER_VARIANTS,
    TUTORIAL_CONSTANT,
    direction_tag,
    layer_tag,
)
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.constraints import (
    Labels,
    among,
    case_rules,
    eq,
    holds,
    implies,
    negate,
    reads,
)
from rnn_shapes.cases.design_cache import cached

SALT = "rnn-shapes"


def _flags(rs: int, st: int) -> dict[str, bool]:
    return {"return_sequences": bool(rs), "return_state": bool(st)}


def _values(field: str, absent: bool = False) -> dict[str, dict[str, object]]:
    """An axis of a field's values (cases/axes.py), each labelled by its value, the
    default setting nothing; with `absent`, a "-" label first (see MASK_VIA)."""
    axis = AXES[field]
    labels: dict[str, dict[str, object]] = {"-": {}} if absent else {}
    for value in axis.values or ():
        labels[str(value)] = {} if value == axis.default else {field: value}
    return labels


# Each axis: label -> the Case fields it sets. Labels are what the design works on.
LAYER = {
    layer_tag(layer, ra): {"layer": layer, **({} if ra is None else {"reset_after": ra})}
    for layer, ra in LAYER_VARIANTS
}
DIRECTION = {
    direction_tag(bi, m): ({"bidirectional": True, "merge_mode": m} if bi else {})
    for bi, m in DIRECTIONS
}
FLAGS = {f"seq{rs}-state{st}": _flags(rs, st) for rs in (0, 1) for st in (0, 1)}
WALK = {"fwd": {}, "back": {"go_backwards": True}}
MASK = _values("mask", absent=True)
# An axis that only means something beside another (how a mask is given, with
# no mask) has a "-" label for "not applicable", so that its real values are
# counted only where they apply.
# (Embedding's masks have a block of their own, cases/blocks.py: a label more here
# would move every row of the designs, and so every case id they made.)
MASK_VIA = {k: v for k, v in _values("mask_via", absent=True).items() if k != "embedding"}
ZERO = {"-": {}, "no": {}, "zero": {"zero_output_for_mask": True}}
INITIAL = _values("initial_state", absent=True)
FORM = _values("state_form", absent=True)
UNROLL = {"loop": {}, "unroll": {"unroll": True}}
STATEFUL = {"-": {}, "stateful": {"stateful": True}}
# A stateful layer's second batch: its size comes from the shape, so the labels
# hold stand-ins (the rules read them as "set") that Design.case replaces.
OTHER_BATCH: Labels = {
    "-": {},
    "same": {},
    "fewer": {"call_batch": "fewer"},
    "more": {"call_batch": "more"},
}
WEIGHTS = {"distinct": {}, "constant": {"weights": TUTORIAL_CONSTANT}}


LAYER_DIRECTION = {
    f"{layer}-{direction}": {**lf, **df}
    for layer, lf in LAYER.items()
    for direction, df in DIRECTION.items()
}
UNI = [label for label in LAYER_DIRECTION if label.endswith("-uni")]
UNI_AND_CONCAT = [label for label in LAYER_DIRECTION if label.endswith(("-uni", "-bi-concat"))]


def _shapes(*shapes: tuple[int, int, int, int]) -> dict[str, dict[str, int]]:
    return {
        f"B{b}T{t}D{d}U{u}": {"batch": b, "timesteps": t, "features": d, "units": u}
        for b, t, d, u in shapes
    }


# ---------------------------------------------------------------- constraints


# Keras 3 refuses Bidirectional with go_backwards outright: it would only waste rows.
BI_FORWARD = implies(negate(among("layer_direction", UNI)), eq("walk", "fwd"))
# `predict` and training runs meet every layer alone and in Bidirectional with
# concat, not every merge mode: the merge only combines the two copies' outputs
# after the recurrence, where dropout acts and `predict` changes nothing, and
# each of these runs costs several direct calls (the full matrix crosses them
# with every merge mode).
RUNS_UNI_AND_CONCAT = implies(
    among("run", ("predict", "train")), among("layer_direction", UNI_AND_CONCAT)
)


# ---------------------------------------------------------------- designs


@dataclass(frozen=True)
class Design:
    """A t-wise covering design over named axes (label -> Case fields), under the
    Case's rules and `exclusions` (covertable conditions of the design's own)."""

    axes: Mapping[str, Labels]
    strength: int
    exclusions: tuple[dict, ...] = (BI_FORWARD,)

    def constraints(self) -> list[dict]:
        return case_rules(self.axes) + list(self.exclusions)

    def rows(self) -> list[dict[str, str]]:
        """The design's rows, as {axis: label}; every t labels of t axes that some
        valid case can hold together are in at least one row.

        Building takes covertable about a second; the rows are kept in a cache
        file named by everything they depend on (cases/design_cache.py), and a
        cached copy is used only once it proves to be such a design (`covers`).
        """
        factors = {axis: list(labels) for axis, labels in self.axes.items()}
        constraints = self.constraints()
        return cached(
            {
                "salt": SALT,
                "axes": self.axes,
                "strength": self.strength,
                "constraints": constraints,
            },
            lambda: make(factors, strength=self.strength, salt=SALT, constraints=constraints),
            self.covers,
        )

    def covers(self, rows: object) -> bool:
        """Whether `rows` are this design's: a list of rows of its axes and labels, each
        meeting every constraint, together holding every feasible t-tuple."""
        if not (isinstance(rows, list) and rows and all(self._is_row(r) for r in rows)):
            return False
        conditions = self.constraints()
        if any(holds(c, row) is False for row in rows for c in conditions):
            return False
        return not _uncovered(self, rows)

    def _is_row(self, row: object) -> bool:
        return (
            isinstance(row, dict)
            and row.keys() == self.axes.keys()
            and all(row[axis] in self.axes[axis] for axis in self.axes)
        )

    @cached_property
    def _cases(self) -> tuple[Case, ...]:
        return tuple(sorted((self.case(row) for row in self.rows()), key=lambda c: c.id))

    def cases(self) -> list[Case]:
        """One Case per row, sorted by id (built once per process)."""
        return list(self._cases)

    def case(self, row: Mapping[str, str]) -> Case:
        fields: dict[str, Any] = {}
        for axis, label in row.items():
            fields.update(self.axes[axis][label])
        if fields.get("call_batch") in ("fewer", "more"):
            batch = int(fields["batch"])
            fields["call_batch"] = batch + 1 if fields["call_batch"] == "more" or batch == 1 else 1
        return Case(**fields)


def uncovered(design: Design) -> list[tuple[tuple[str, str], ...]]:
    """The t-tuples of (axis, label) that some valid row could hold and no row of
    the design holds: empty for a covering design."""
    return _uncovered(design, design.rows())


def _uncovered(design: Design, rows: Sequence[Mapping[str, str]]) -> list:
    held = set()
    for row in rows:
        held |= set(combinations(sorted(row.items()), design.strength))
    missing = []
    for names in combinations(sorted(design.axes), design.strength):
        for labels in product(*(design.axes[n] for n in names)):
            key = tuple(zip(names, labels, strict=True))
            if key not in held and feasible(design, dict(key)):
                missing.append(key)
    return missing


def feasible(design: Design, partial: Mapping[str, str]) -> bool:
    """Whether these labels of some axes are in some valid row of the design."""
    conditions = design.constraints()
    if any(holds(c, partial) is False for c in conditions):
        return False
    watch = {axis: [c for c in conditions if axis in reads(c)] for axis in design.axes}
    # an axis no condition reads takes any label; the most read come first, so a
    # dead end shows within a few levels
    order = sorted((a for a in design.axes if watch[a]), key=lambda a: -len(watch[a]))
    return _completes(design.axes, dict(partial), order, watch)


def _completes(
    axes: Mapping[str, Labels],
    row: dict[str, str],
    order: Sequence[str],
    watch: Mapping[str, Sequence[dict]],
) -> bool:
    """Whether `row` extends to a complete row meeting every condition (backtracking;
    after each axis is set, only the conditions reading it are checked again)."""
    free = next((a for a in order if a not in row), None)
    if free is None:
        return True
    for label in axes[free]:
        row[free] = label
        if all(holds(c, row) is not False for c in watch[free]) and _completes(
            axes, row, order, watch
        ):
            return True
    del row[free]
    return False


# The new axes, whose every value must meet every layer in every direction.
NEW_AXES: dict[str, Labels] = {
    "mask": MASK,
    "mask_via": MASK_VIA,
    "zero": ZERO,
    "initial": INITIAL,
    "form": FORM,
    "unroll": UNROLL,
    "stateful": STATEFUL,
    "other_batch": OTHER_BATCH,
}


def core_design(
    shapes: Sequence[tuple[int, int, int, int]], exclusions: tuple[dict, ...], **axes: Labels
) -> Design:
    """A pairwise design over the core axes (layer-direction, flags, walk, shape) and
    `axes`, in that order (covertable's rows depend on the order of the axes)."""
    core: dict[str, Labels] = {"layer_direction": LAYER_DIRECTION, "flags": FLAGS, "walk": WALK}
    return Design({**core, "shape": _shapes(*shapes), **axes}, 2, exclusions)


# default: pairwise at the masked shape and at a single step (distinct weights).
SLICE_SHAPES = ((3, 5, 2, 3), (2, 1, 2, 3))
SLICE = core_design(SLICE_SHAPES, (BI_FORWARD,), **NEW_AXES)
# full: the same at four shapes (B = 1 and T = 1 among them), both weight schemes.
CROSS = core_design(
    (*SLICE_SHAPES, (1, 1, 2, 4), (1, 4, 5, 3)), (BI_FORWARD,), weights=WEIGHTS, **NEW_AXES
)


# Constructor options and precisions (cases/axes.py), crossed with the core axes.
RATE = 0.5
OPTION_AXES: dict[str, Labels] = {
    "bias": {"bias": {}, "nobias": {"use_bias": False}},
    "activation": _values("activation"),
    "ract": _values("recurrent_activation", absent=True),
    "forget": {"-": {}, "forget1": {}, "forget0": {"unit_forget_bias": False}},
    "dropout": {
        "none": {},
        "input": {"dropout": RATE},
        "recurrent": {"recurrent_dropout": RATE},
    },
    # inference by a direct call or by predict; or a training call
    "run": {"call": {}, "predict": {"predict": True}, "train": {"training": True}},
    "dtype": _values("dtype"),
    "weights": WEIGHTS,
}
OPTION_EXCLUSIONS = (RUNS_UNI_AND_CONCAT, BI_FORWARD)
# default: pairwise at a short sequence and at a single step.
OPTIONS_SLICE = core_design(SLICE_SHAPES, OPTION_EXCLUSIONS, **OPTION_AXES)
# full: the same at four shapes (B = 1 and T = 1 among them).
OPTIONS_CROSS = core_design(
    (*SLICE_SHAPES, (1, 1, 2, 4), (2, 30, 1, 3)), OPTION_EXCLUSIONS, **OPTION_AXES
)

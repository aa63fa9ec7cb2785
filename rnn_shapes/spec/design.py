"""Covering designs: the new axes crossed with each other, built rather than enumerated.

The family blocks of the full matrix (spec/matrix.py) are exhaustive: each new
axis against every layer, direction, flag and walking direction. What they do
not cross is the new axes with one another (a masked stateful unrolled case with
initial states, at B = 1 and T = 1), and the full product would run to millions
of cases. A t-wise covering design holds every combination of any t axis values
in at least one case, in a few hundred.

Built by covertable (a maintained pairwise/t-wise library, pinned in
pyproject.toml): its greedy criterion with the FNV-1a hash sorter and a fixed
salt is deterministic, so every machine builds the same cases. The cases are
then sorted by id, so their order depends on nothing but the ids. Constraints
are the Case's own rules (spec/case.py), stated here as conditions, plus one
exclusion that would only waste rows on Keras 3, which refuses it outright:
Bidirectional with go_backwards (the exhaustive core covers it).

Layer and direction are one axis of 24 values, so a pairwise design puts every
other axis value with every layer in every direction (144 rows at least: 24
layer-directions x 6 mask values; covertable reaches that bound).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import version
from itertools import combinations, product
from pathlib import Path

from covertable import make

from rnn_shapes.files import atomic_write_text
from rnn_shapes.spec.case import ACTIVATIONS, DTYPES, RECURRENT_ACTIVATIONS, Case, Constant

SALT = "rnn-shapes"


def _flags(rs: int, st: int) -> dict[str, bool]:
    return {"return_sequences": bool(rs), "return_state": bool(st)}


# Each axis: label -> the Case fields it sets. Labels are what the design works on.
LAYER = {
    "SimpleRNN": {"layer": "SimpleRNN"},
    "LSTM": {"layer": "LSTM"},
    "GRU-ra1": {"layer": "GRU", "reset_after": True},
    "GRU-ra0": {"layer": "GRU", "reset_after": False},
}
DIRECTION = {
    "uni": {},
    **{
        f"bi-{str(m).lower()}": {"bidirectional": True, "merge_mode": m}
        for m in ("concat", "sum", "mul", "ave", None)
    },
}
FLAGS = {f"seq{rs}-state{st}": _flags(rs, st) for rs in (0, 1) for st in (0, 1)}
WALK = {"fwd": {}, "back": {"go_backwards": True}}
MASK = {"-": {}, **{p: {"mask": p} for p in ("right", "left", "hole", "row", "none")}}
# An axis that only means something beside another (how a mask is given, with
# no mask) has a "-" label for "not applicable", so that its real values are
# counted only where they apply.
MASK_VIA = {"-": {}, "layer": {}, "call": {"mask_via": "call"}}
ZERO = {"-": {}, "no": {}, "zero": {"zero_output_for_mask": True}}
INITIAL = {"-": {}, "constant": {"initial_state": "constant"}, "input": {"initial_state": "input"}}
FORM = {
    "-": {},
    "keyword": {},
    "positional": {"state_form": "positional"},
    "named": {"state_form": "named"},
}
UNROLL = {"loop": {}, "unroll": {"unroll": True}}
STATEFUL = {"-": {}, "stateful": {"stateful": True}}
OTHER_BATCH = {"-": {}, "same": {}, "fewer": {}, "more": {}}  # call_batch: set from the shape
WEIGHTS = {"distinct": {}, "constant": {"weights": Constant(kernel=0.1, recurrent=0.1, bias=0.0)}}


LAYER_DIRECTION = {
    f"{layer}-{direction}": {**lf, **df}
    for layer, lf in LAYER.items()
    for direction, df in DIRECTION.items()
}
UNI = [label for label in LAYER_DIRECTION if label.endswith("-uni")]


def _shapes(*shapes: tuple[int, int, int, int]) -> dict[str, dict[str, int]]:
    return {
        f"B{b}T{t}D{d}U{u}": {"batch": b, "timesteps": t, "features": d, "units": u}
        for b, t, d, u in shapes
    }


# ---------------------------------------------------------------- constraints


def _eq(axis: str, value: str) -> dict:
    return {"operator": "eq", "left": axis, "value": value}


def _in(axis: str, values: Sequence[str]) -> dict:
    return {"operator": "in", "left": axis, "values": list(values)}


def _implies(when: dict, then: dict) -> dict:
    return {"operator": "or", "conditions": [{"operator": "not", "condition": when}, then]}


def _batch_time(axes: Mapping[str, Mapping[str, Mapping]]) -> dict[str, tuple[int, int]]:
    """shape label -> (B, T): what the mask rules read."""
    return {label: (f["batch"], f["timesteps"]) for label, f in axes["shape"].items()}


def _not_applicable(axis: str, dependents: Sequence[str]) -> list[dict]:
    """`axis` is "-" exactly when each of its dependent axes is "-"."""
    out = []
    for dep in dependents:
        out.append(_implies(_eq(axis, "-"), _eq(dep, "-")))
        out.append(_implies(_eq(dep, "-"), _eq(axis, "-")))
    return out


def _constraints(shape: Mapping[str, tuple[int, int]]) -> list[dict]:
    """The Case's rules, and the one wasteful crossing, as covertable conditions."""
    bi = {"operator": "not", "condition": _in("layer_direction", UNI)}
    short = [label for label, (b, t) in shape.items() if t < 2 or b < 2]
    below3 = [label for label, (_, t) in shape.items() if t < 3]
    return [
        *_not_applicable("mask", ("mask_via", "zero")),
        *_not_applicable("initial", ("form",)),
        *_not_applicable("stateful", ("other_batch",)),
        _implies(_eq("stateful", "stateful"), _eq("initial", "-")),
        _implies(_in("shape", below3), {"operator": "ne", "left": "mask", "value": "hole"}),
        _implies(
            _in("shape", short), {"operator": "not", "condition": _in("mask", ("right", "left"))}
        ),
        _implies(bi, _eq("walk", "fwd")),
    ]


def _or(*conditions: dict) -> dict:
    return {"operator": "or", "conditions": list(conditions)}


def _not(condition: dict) -> dict:
    return {"operator": "not", "condition": condition}


SIMPLE = [label for label in LAYER_DIRECTION if label.startswith("SimpleRNN-")]
UNI_AND_CONCAT = [label for label in LAYER_DIRECTION if label.endswith(("-uni", "-bi-concat"))]
LSTM = [label for label in LAYER_DIRECTION if label.startswith("LSTM-")]


def _option_constraints(shape: Mapping[str, tuple[int, int]]) -> list[dict]:
    """The Case's rules for the constructor options, as covertable conditions:
    SimpleRNN has no recurrent activation, only an LSTM with a bias has a forget
    bias, a training call needs dropout and no relu (whose zero region can hide it); and
    Bidirectional walks forwards, as above.

    `predict` and training runs meet every layer alone and in Bidirectional with
    concat, not every merge mode: the merge only combines the two copies' outputs
    after the recurrence, where dropout acts and `predict` changes nothing, and
    each of these runs costs several direct calls (the full matrix crosses them
    with every merge mode)."""
    no_forget = _or(_not(_in("layer_direction", LSTM)), _eq("bias", "nobias"))
    return [
        _implies(_in("layer_direction", SIMPLE), _eq("ract", "-")),
        _implies(_eq("ract", "-"), _in("layer_direction", SIMPLE)),
        _implies(no_forget, _eq("forget", "-")),
        _implies(_eq("forget", "-"), no_forget),
        _implies(_eq("run", "train"), {"operator": "ne", "left": "dropout", "value": "none"}),
        _implies(_eq("run", "train"), {"operator": "ne", "left": "activation", "value": "relu"}),
        _implies(_in("run", ("predict", "train")), _in("layer_direction", UNI_AND_CONCAT)),
        _implies(_not(_in("layer_direction", UNI)), _eq("walk", "fwd")),
    ]


# ---------------------------------------------------------------- cache


def cache_dir() -> Path:
    """Where built designs are kept: $RNN_SHAPES_CACHE, else the user's cache folder."""
    explicit = os.environ.get("RNN_SHAPES_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rnn-shapes"


def _cached(
    inputs: Mapping[str, object],
    build: Callable[[], list[dict[str, str]]],
    labels: Mapping[str, set[str]],
) -> list[dict[str, str]]:
    """The rows `build` makes, from a cache file named by the sha256 of `inputs`, the
    covertable version and SALT: the same inputs give the same rows on every machine,
    so a cached copy is the built one. A file that does not read back as rows of these
    axes and labels is built again; a cache that cannot be written is skipped."""
    spec = json.dumps(
        {"covertable": version("covertable"), "salt": SALT, **inputs},
        sort_keys=True,
        default=repr,
    )
    path = cache_dir() / f"design-{hashlib.sha256(spec.encode()).hexdigest()[:24]}.json"
    try:
        rows = json.loads(path.read_text())
        if isinstance(rows, list) and rows and all(_is_row(r, labels) for r in rows):
            return rows
    except (OSError, ValueError):
        pass
    rows = build()
    with suppress(OSError):  # a read-only home: build each time
        atomic_write_text(path, json.dumps(rows))
    return rows


def _is_row(row: object, labels: Mapping[str, set[str]]) -> bool:
    return (
        isinstance(row, dict)
        and row.keys() == labels.keys()
        and all(row[axis] in labels[axis] for axis in labels)
    )


# ---------------------------------------------------------------- designs

Rules = Callable[[Mapping[str, tuple[int, int]]], list[dict]]


@dataclass(frozen=True)
class Design:
    """A t-wise covering design over named axes (label -> Case fields), under
    `rules` (covertable conditions, given each shape label's (B, T))."""

    axes: Mapping[str, Mapping[str, Mapping[str, object]]]
    strength: int
    rules: Rules = _constraints

    def rows(self) -> list[dict[str, str]]:
        """The design's rows, as {axis: label}; every t labels of t axes that some
        valid case can hold together are in at least one row.

        Building takes covertable about a second; the rows are kept in a cache
        file named by everything they depend on (see `_cached`).
        """
        shape = _batch_time(self.axes)
        factors = {axis: list(labels) for axis, labels in self.axes.items()}
        constraints = self.rules(shape)
        return _cached(
            {"axes": self.axes, "strength": self.strength, "constraints": constraints},
            lambda: make(factors, strength=self.strength, salt=SALT, constraints=constraints),
            {axis: set(labels) for axis, labels in self.axes.items()},
        )

    @cached_property
    def _cases(self) -> tuple[Case, ...]:
        return tuple(sorted((self.case(row) for row in self.rows()), key=lambda c: c.id))

    def cases(self) -> list[Case]:
        """One Case per row, sorted by id (built once per process)."""
        return list(self._cases)

    def case(self, row: Mapping[str, str]) -> Case:
        fields: dict[str, object] = {}
        for axis, label in row.items():
            fields.update(self.axes[axis][label])
        if row.get("other_batch") in ("fewer", "more"):
            batch = int(fields["batch"])
            fields["call_batch"] = batch + 1 if row["other_batch"] == "more" or batch == 1 else 1
        return Case(**fields)  # type: ignore[arg-type]


def uncovered(design: Design) -> list[tuple[tuple[str, str], ...]]:
    """The t-tuples of (axis, label) that some valid row could hold and no row of
    the design holds: empty for a covering design."""
    held = set()
    for row in design.rows():
        held |= set(combinations(sorted(row.items()), design.strength))
    conditions = design.rules(_batch_time(design.axes))
    missing = []
    for names in combinations(sorted(design.axes), design.strength):
        for labels in product(*(design.axes[n] for n in names)):
            key = tuple(zip(names, labels, strict=True))
            if key not in held and _completes(design, dict(key), conditions):
                missing.append(key)
    return missing


def _completes(design: Design, row: dict[str, str], conditions: list[dict]) -> bool:
    """Whether `row` extends to a complete row meeting every condition (backtracking;
    a condition is checked as soon as the axes it reads are set)."""
    if any(_holds(c, row) is False for c in conditions):
        return False
    # the axes conditions read come first, so a dead end shows within a few levels
    order = sorted(design.axes, key=lambda a: a in ("layer_direction", "flags", "weights"))
    free = next((a for a in order if a not in row), None)
    if free is None:
        return True
    return any(_completes(design, {**row, free: label}, conditions) for label in design.axes[free])


def _holds(condition: dict, row: Mapping[str, str]) -> bool | None:
    """Three-valued: None while an axis the condition reads is not set."""
    op = condition["operator"]
    if op in ("or", "not"):
        parts = [_holds(c, row) for c in condition.get("conditions", [condition.get("condition")])]
        if op == "not":
            return None if parts[0] is None else not parts[0]
        return True if True in parts else (None if None in parts else False)
    value = row.get(condition["left"])
    if value is None:
        return None
    if op == "in":
        return value in condition["values"]
    return (value == condition["value"]) == (op == "eq")  # eq / ne


# The new axes, whose every value must meet every layer in every direction.
NEW_AXES = {
    "mask": MASK,
    "mask_via": MASK_VIA,
    "zero": ZERO,
    "initial": INITIAL,
    "form": FORM,
    "unroll": UNROLL,
    "stateful": STATEFUL,
    "other_batch": OTHER_BATCH,
}


def _core_design(
    shapes: Sequence[tuple[int, int, int, int]], rules: Rules, **axes: Mapping
) -> Design:
    """A pairwise design over the core axes (layer-direction, flags, walk, shape) and
    `axes`, in that order (covertable's rows depend on the order of the axes)."""
    core = {"layer_direction": LAYER_DIRECTION, "flags": FLAGS, "walk": WALK}
    return Design({**core, "shape": _shapes(*shapes), **axes}, strength=2, rules=rules)


# default: pairwise at the masked shape and at a single step (distinct weights).
SLICE_SHAPES = ((3, 5, 2, 3), (2, 1, 2, 3))
SLICE = _core_design(SLICE_SHAPES, _constraints, **NEW_AXES)
# full: the same at four shapes (B = 1 and T = 1 among them), both weight schemes.
CROSS = _core_design(
    (*SLICE_SHAPES, (1, 1, 2, 4), (1, 4, 5, 3)), _constraints, weights=WEIGHTS, **NEW_AXES
)


# Constructor options and precisions (spec/case.py), crossed with the core axes.
RATE = 0.5
OPTION_AXES = {
    "bias": {"bias": {}, "nobias": {"use_bias": False}},
    "activation": {a: ({} if a == "tanh" else {"activation": a}) for a in ACTIVATIONS},
    "ract": {
        "-": {},
        **{
            a: ({} if a == "sigmoid" else {"recurrent_activation": a})
            for a in RECURRENT_ACTIVATIONS
        },
    },
    "forget": {"-": {}, "forget1": {}, "forget0": {"unit_forget_bias": False}},
    "dropout": {
        "none": {},
        "input": {"dropout": RATE},
        "recurrent": {"recurrent_dropout": RATE},
    },
    # inference by a direct call or by predict; or a training call
    "run": {"call": {}, "predict": {"predict": True}, "train": {"training": True}},
    "dtype": {d: ({} if d == "float32" else {"dtype": d}) for d in DTYPES},
    "weights": WEIGHTS,
}
# default: pairwise at a short sequence and at a single step.
OPTIONS_SLICE = _core_design(SLICE_SHAPES, _option_constraints, **OPTION_AXES)
# full: the same at four shapes (B = 1 and T = 1 among them).
OPTIONS_CROSS = _core_design(
    (*SLICE_SHAPES, (1, 1, 2, 4), (2, 30, 1, 3)), _option_constraints, **OPTION_AXES
)

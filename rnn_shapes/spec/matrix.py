"""The case matrices: smoke, default and full, as tables of data."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import cache

from rnn_shapes.spec.case import (
    ACTIVATIONS,
    DTYPES,
    INITIAL_STATES,
    MASK_PATTERNS,
    MASK_VIA,
    MERGE_MODES,
    RECURRENT_ACTIVATIONS,
    STATE_FORMS,
    Case,
    Constant,
)
from rnn_shapes.spec.design import CROSS, OPTIONS_CROSS, OPTIONS_SLICE, RATE, SLICE

# (layer, reset_after): GRU is covered with both bias layouts.
LAYER_VARIANTS: tuple[tuple[str, bool | None], ...] = (
    ("SimpleRNN", None),
    ("LSTM", None),
    ("GRU", True),
    ("GRU", False),
)
# (bidirectional, merge_mode)
DIRECTIONS: tuple[tuple[bool, str | None], ...] = (
    (False, "concat"),
    *tuple((True, m) for m in MERGE_MODES),
)
# (B, T, D, U). The first three are the tutorials' shapes; the last is the
# degenerate single-sample, single-step case.
DEFAULT_SHAPES: tuple[tuple[int, int, int, int], ...] = (
    (2, 5, 1, 3),
    (4, 30, 1, 3),
    (1, 4, 5, 3),
    (1, 1, 2, 4),
)
# Larger shapes for "full": D and U up to 64, T up to 100.
FULL_EXTRA_SHAPES: tuple[tuple[int, int, int, int], ...] = (
    (3, 100, 64, 64),
    (2, 50, 16, 32),
    (5, 12, 64, 8),
)
SMOKE_SHAPE = (2, 5, 1, 3)
TUTORIAL_CONSTANT = Constant(kernel=0.1, recurrent=0.1, bias=0.0)
WEIGHT_SCHEMES = ("distinct", TUTORIAL_CONSTANT)
FLAGS = tuple(itertools.product((False, True), repeat=2))  # (return_sequences, return_state)

MATRICES = ("smoke", "default", "full")


def matrix(name: str) -> list[Case]:
    """The cases of matrix `name`, in a stable order, ids unique."""
    if name == "smoke":
        cases = _smoke() + named_cases()
    elif name == "default":
        cases = _grid(DEFAULT_SHAPES) + named_cases() + SLICE.cases() + OPTIONS_SLICE.cases()
        cases += predict_cases()
    elif name == "full":
        grid = _grid(DEFAULT_SHAPES + FULL_EXTRA_SHAPES) + named_cases() + SLICE.cases()
        families = mask_cases() + state_cases() + unroll_cases() + stateful_cases()
        options = OPTIONS_SLICE.cases() + option_cases() + OPTIONS_CROSS.cases() + predict_cases()
        cases = _unique(grid + families + CROSS.cases() + options)
    else:
        raise ValueError(f"unknown matrix {name!r}; expected one of {', '.join(MATRICES)}")
    return cases


def _unique(cases: list[Case]) -> list[Case]:
    """The cases in order, each id once (a design may hit a case a family block has)."""
    first: dict[str, Case] = {}
    for case in cases:
        first.setdefault(case.id, case)
    return list(first.values())


@cache
def matrix_sizes() -> dict[str, int]:
    """Cases per matrix, for help texts: {'smoke': 48, ...}."""
    return {name: len(matrix(name)) for name in MATRICES}


def _smoke() -> list[Case]:
    """The tutorials' table: 3 layers x {uni, bi concat} x return_sequences x return_state."""
    b, t, d, u = SMOKE_SHAPE
    return [
        Case(
            layer=layer,
            units=u,
            batch=b,
            timesteps=t,
            features=d,
            bidirectional=bi,
            return_sequences=rs,
            return_state=st,
            reset_after=True if layer == "GRU" else None,
        )
        for layer in ("SimpleRNN", "LSTM", "GRU")
        for bi in (False, True)
        for rs, st in FLAGS
    ]


def _grid(shapes: tuple[tuple[int, int, int, int], ...]) -> list[Case]:
    return [
        Case(
            layer=layer,
            units=u,
            batch=b,
            timesteps=t,
            features=d,
            bidirectional=bi,
            merge_mode=merge,
            return_sequences=rs,
            return_state=st,
            go_backwards=gb,
            reset_after=ra,
            weights=w,
        )
        for (layer, ra), (bi, merge), (rs, st), gb, (b, t, d, u), w in itertools.product(
            LAYER_VARIANTS, DIRECTIONS, FLAGS, (False, True), shapes, WEIGHT_SCHEMES
        )
    ]


def named_cases() -> list[Case]:
    """The tutorials' worked examples, on their own 1x4x5 inputs.

    Seed 002/003: a bidirectional LSTM(3) with Constant(0.1, 0.1, 0) whose
    printed numbers are reproducible; SimpleRNN and LSTM on the same input.
    Seed 004: SimpleRNN, LSTM and GRU on its integer input.
    """

    def case(layer: str, sample: str, rs: bool, st: bool, **kw: object) -> Case:
        return Case(
            layer=layer,
            units=3,
            batch=1,
            timesteps=4,
            features=5,
            return_sequences=rs,
            return_state=st,
            sample=sample,
            reset_after=True if layer == "GRU" else None,
            **kw,
        )

    out = [
        case("LSTM", "seed002", rs, st, bidirectional=True, weights=TUTORIAL_CONSTANT)
        for rs, st in FLAGS
    ]
    out += [case(layer, "seed002", rs, st) for layer in ("SimpleRNN", "LSTM") for rs, st in FLAGS]
    out += [
        case(layer, "seed004", rs, st) for layer in ("SimpleRNN", "LSTM", "GRU") for rs, st in FLAGS
    ]
    return out


# Masked cases: a shape with a row per padding length, and a single step where
# only a whole row can be masked.
MASK_SHAPE = (3, 5, 2, 3)
MASK_SHAPE_T1 = (2, 1, 2, 3)


def _at(shape: tuple[int, int, int, int], **fields: object) -> Case:
    """A case at (B, T, D, U) = `shape`; the rest as keywords."""
    b, t, d, u = shape
    return Case(units=u, batch=b, timesteps=t, features=d, **fields)  # type: ignore[arg-type]


def _core(
    layers: Sequence[tuple[str, bool | None]] = LAYER_VARIANTS,
    directions: Sequence[tuple[bool, str | None]] = DIRECTIONS,
    walks: Sequence[bool] = (False, True),
) -> Iterator[dict[str, object]]:
    """The core axes' fields, each layer x direction x flags x walking direction,
    in that order: the outer loops of every family block."""
    for (layer, ra), (bi, merge), (rs, st), gb in itertools.product(
        layers, directions, FLAGS, walks
    ):
        yield {
            "layer": layer,
            "reset_after": ra,
            "bidirectional": bi,
            "merge_mode": merge,
            "return_sequences": rs,
            "return_state": st,
            "go_backwards": gb,
        }


def mask_cases() -> list[Case]:
    """Every mask pattern and way of giving it, for every layer, direction, flag and
    walking direction; zero_output_for_mask both ways where the layer's own setting
    counts (Bidirectional overrides it). Distinct weights: a mask rule that mixed up
    states or gates must show in the values."""
    return [
        _at(shape, **core, mask=pattern, mask_via=via, zero_output_for_mask=zero)
        for core in _core()
        for shape, patterns in ((MASK_SHAPE, MASK_PATTERNS), (MASK_SHAPE_T1, ("row", "none")))
        for pattern, via, zero in itertools.product(
            patterns, MASK_VIA, (False, True) if not core["bidirectional"] else (False,)
        )
    ]


# (mask, mask_via) crossed with initial states: none, leading steps masked (so
# the initial state must survive them), a whole row masked (its states stay h0).
STATE_MASKS = ((None, "layer"), ("left", "layer"), ("left", "call"), ("row", "call"))
# uni, and Bidirectional concatenated and unmerged: where states are split or kept
STATE_DIRECTIONS = ((False, "concat"), (True, "concat"), (True, None))


def state_cases() -> list[Case]:
    """Non-zero initial states, as constants and as model inputs, in each calling
    form, for every layer, with and without Bidirectional (concat, and no merge),
    every flag, crossed with masks."""
    return [
        _at(MASK_SHAPE, **core, mask=mask, mask_via=via, initial_state=init, state_form=form)
        for core in _core(directions=STATE_DIRECTIONS, walks=(False,))
        for init, form, (mask, via) in itertools.product(INITIAL_STATES, STATE_FORMS, STATE_MASKS)
    ]


def unroll_cases() -> list[Case]:
    """unroll=True beside the loop: every layer, direction, flag and walking direction,
    unmasked and with each mask pattern given in the call, zero_output_for_mask both
    ways where the layer's own setting counts; the same numbers are expected."""
    masks = ((None, False), *((p, z) for p in MASK_PATTERNS for z in (False, True)))
    return [
        _at(
            MASK_SHAPE,
            **core,
            mask=mask,
            mask_via="call" if mask else "layer",
            zero_output_for_mask=zero,
            unroll=True,
        )
        for core in _core()
        for mask, zero in masks
        if not (zero and core["bidirectional"])  # Bidirectional overrides the layer's own
    ]


# A stateful layer called with a batch of another size: fewer rows, and more.
OTHER_BATCHES = (1, MASK_SHAPE[0] + 1)


def stateful_cases() -> list[Case]:
    """stateful=True (three calls: x, x reversed in time from the states the first
    left, x again after a reset) for every layer, uni / bi-concat / bi-None, every
    flag, unmasked and masked both ways; then each unmasked one called with a
    batch of another size after a call with its own."""
    carried = [
        _at(MASK_SHAPE, **core, mask=mask, mask_via=via, stateful=True)
        for core in _core(directions=STATE_DIRECTIONS, walks=(False,))
        for mask, via in ((None, "layer"), ("right", "call"), ("left", "layer"))
    ]
    other = [replace(c, call_batch=n) for c in carried if c.mask is None for n in OTHER_BATCHES]
    return carried + other


# Each constructor option value or precision on its own, at the masked shape:
# (what it sets, the layers that have it).
_ALL = tuple(LAYER_VARIANTS)
_GATED = tuple(v for v in LAYER_VARIANTS if v[0] != "SimpleRNN")
OPTION_VALUES: tuple[tuple[dict, tuple[tuple[str, bool | None], ...]], ...] = (
    ({"use_bias": False}, _ALL),
    *(({"activation": a}, _ALL) for a in ACTIVATIONS[1:]),
    *(({"recurrent_activation": a}, _GATED) for a in RECURRENT_ACTIVATIONS[1:]),
    *(
        ({"unit_forget_bias": False, "weights": w}, (("LSTM", None),))
        for w in ("distinct", TUTORIAL_CONSTANT)
    ),
    *(
        ({rate: RATE, **run}, _ALL)
        for rate in ("dropout", "recurrent_dropout")
        for run in ({}, {"predict": True}, {"training": True})
    ),
    *(({"dtype": d}, _ALL) for d in DTYPES[1:]),
)


def option_cases() -> list[Case]:
    """Every option value and precision for every layer that has it, in every
    direction, flag and walking direction."""
    return [
        _at(MASK_SHAPE, **core, **option)
        for option, layers in OPTION_VALUES
        for core in _core(layers)
    ]


def predict_cases() -> list[Case]:
    """One case of each family of the masks-and-states work through Model.predict
    (the options slice has its own): a mask given in the call, initial states as
    inputs, a stateful layer (its three calls three predicts), an unrolled masked
    walk. LSTM, every output."""
    lstm = {"layer": "LSTM", "reset_after": None, "return_sequences": True, "return_state": True}
    return [
        _at(MASK_SHAPE, **lstm, **family, predict=True)
        for family in (
            {"mask": "right", "mask_via": "call"},
            {"initial_state": "input"},
            {"stateful": True},
            {"mask": "hole", "mask_via": "call", "unroll": True},
        )
    ]

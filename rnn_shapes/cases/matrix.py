"""The case matrices: smoke, default and full, as tables of data."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

from rnn_shapes.cases.axes import (
    DIRECTIONS,
    LAYER_VARIANTS,
    TUTORIAL_CONSTANT,
    Constant,
)
from rnn_shapes.cases.blocks import (
    FLAGS,
    embedding_cases,
    kept_apart_cases,
    mask_cases,
    option_cases,
    predict_cases,
    state_cases,
    stateful_cases,
    unique,
    unroll_cases,
)
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.crossing import FAMILIES_CROSS, FAMILIES_SLICE
from rnn_shapes.cases.design import CROSS, OPTIONS_CROSS, OPTIONS_SLICE, SLICE
from rnn_shapes.cases.path_blocks import path_blocks, path_cases

# LAYER_VARIANTS, (layer, reset_after): GRU is covered with both bias layouts;
# DIRECTIONS, (bidirectional, merge_mode): both from cases/axes.py.
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
WEIGHT_SCHEMES: tuple[Constant | Literal["distinct"], ...] = ("distinct", TUTORIAL_CONSTANT)

MATRICES = ("smoke", "default", "full")


def matrix(name: str) -> list[Case]:
    """The cases of matrix `name`, in a stable order, ids unique."""
    if name == "smoke":
        cases = _smoke() + named_cases()
    elif name == "default":
        cases = grid(DEFAULT_SHAPES) + named_cases() + SLICE.cases() + OPTIONS_SLICE.cases()
        later = predict_cases() + path_cases() + FAMILIES_SLICE.cases() + embedding_cases()
        later += kept_apart_cases()
        cases = unique(cases + later)
    elif name == "full":
        shapes = grid(DEFAULT_SHAPES + FULL_EXTRA_SHAPES) + named_cases() + SLICE.cases()
        families = mask_cases() + state_cases() + unroll_cases() + stateful_cases()
        options = OPTIONS_SLICE.cases() + option_cases() + OPTIONS_CROSS.cases() + predict_cases()
        paths = path_cases() + path_blocks()
        meeting = FAMILIES_SLICE.cases() + FAMILIES_CROSS.cases()
        tokens = embedding_cases() + kept_apart_cases()
        cases = unique(shapes + families + CROSS.cases() + options + paths + meeting + tokens)
    else:
        raise ValueError(f"unknown matrix {name!r}; expected one of {', '.join(MATRICES)}")
    return cases


@cache
def matrix_sizes() -> dict[str, int]:
    """Cases per matrix, for help texts: {'smoke': 48, ...}."""
    return {name: len(matrix(name)) for name in MATRICES}


@cache
def cases_by_id(name: str) -> Mapping[str, Case]:
    """The cases of matrix `name` by id, in its order: built once per process and
    shared (read-only), so consumers need not each build the matrix and its map."""
    return MappingProxyType({case.id: case for case in matrix(name)})


def any_case(case_id: str) -> Case | None:
    """The case with this id in the first matrix that has it (smoke, default, full:
    the larger ones are built only for an id the smaller lack); None if none has it."""
    for name in MATRICES:
        case = cases_by_id(name).get(case_id)
        if case is not None:
            return case
    return None


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
        )
        for layer in ("SimpleRNN", "LSTM", "GRU")
        for bi in (False, True)
        for rs, st in FLAGS
    ]


def grid(shapes: tuple[tuple[int, int, int, int], ...]) -> list[Case]:
    """Every layer, direction and flag at each of `shapes` (B, T, D, U): the matrices'
    base, before the designs and the named cases join it."""
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

    def case(layer: str, sample: str, rs: bool, st: bool, **kw: Any) -> Case:
        return Case(
            layer=layer,
            units=3,
            batch=1,
            timesteps=4,
            features=5,
            return_sequences=rs,
            return_state=st,
            sample=sample,
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

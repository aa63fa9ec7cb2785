"""The case matrices: smoke, default and full, as tables of data."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

from rnn_shapes.spec.axes import (
    ACTIVATIONS,
    DIRECTIONS,
    DTYPES,
    INITIAL_STATES,
    LAYER_VARIANTS,
    MASK_PATTERNS,
    MASK_VIA,
    RECURRENT_ACTIVATIONS,
    SAVES,
    STATE_FORMS,
    TUTORIAL_CONSTANT,
    Constant,
    Lower,
)
from rnn_shapes.spec.case import Case
from rnn_shapes.spec.design import CROSS, OPTIONS_CROSS, OPTIONS_SLICE, RATE, SLICE

# LAYER_VARIANTS, (layer, reset_after): GRU is covered with both bias layouts;
# DIRECTIONS, (bidirectional, merge_mode): both from spec/axes.py.
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
FLAGS = tuple(itertools.product((False, True), repeat=2))  # (return_sequences, return_state)

MATRICES = ("smoke", "default", "full")


def matrix(name: str) -> list[Case]:
    """The cases of matrix `name`, in a stable order, ids unique."""
    if name == "smoke":
        cases = _smoke() + named_cases()
    elif name == "default":
        cases = _grid(DEFAULT_SHAPES) + named_cases() + SLICE.cases() + OPTIONS_SLICE.cases()
        cases = _unique(cases + predict_cases() + path_cases())
    elif name == "full":
        grid = _grid(DEFAULT_SHAPES + FULL_EXTRA_SHAPES) + named_cases() + SLICE.cases()
        families = mask_cases() + state_cases() + unroll_cases() + stateful_cases()
        options = OPTIONS_SLICE.cases() + option_cases() + OPTIONS_CROSS.cases() + predict_cases()
        paths = path_cases() + path_blocks()
        cases = _unique(grid + families + CROSS.cases() + options + paths)
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


# ---------------------------------------------------------------- model paths

# Explicit backward layers: (forward layer variant, backward layer, its units)
# against the case's 3 units: the same type narrower or wider, and other types.
BACKWARD_PAIRS: tuple[tuple[tuple[str, bool | None], str, int], ...] = (
    (("LSTM", None), "GRU", 3),
    (("LSTM", None), "LSTM", 5),
    (("GRU", True), "GRU", 5),
    (("GRU", False), "LSTM", 4),
    (("SimpleRNN", None), "SimpleRNN", 2),
)
# Layers below the case's own: two and three layers, a Bidirectional inside.
STACKS: tuple[tuple[Lower, ...], ...] = (
    (Lower("LSTM", 4),),
    (Lower("GRU", 4), Lower("SimpleRNN", 3)),
    (Lower("LSTM", 3, bidirectional=True),),
    (Lower("SimpleRNN", 4), Lower("GRU", 2, bidirectional=True)),
)
# The tutorials' two-layer model (shared/seeds/001): a time axis of any length
# (input_shape=[None]), LSTM(20, return_sequences=True), then LSTM(20).
TUTORIAL_STACK = Case(
    layer="LSTM",
    units=20,
    batch=4,
    timesteps=30,
    features=1,
    stack=(Lower("LSTM", 20),),
    dynamic_time=True,
)
_LSTM = ("LSTM", None)
_GRU = ("GRU", True)
_UNI_BI = ((False, "concat"), (True, "concat"))


def _dynamic_slice() -> list[Case]:
    """Every layer uni and bi-concat with every flag at a time axis of any
    length; masked ones (each call's mask of its own length); unroll, which
    needs the length."""
    plain = [
        _at(MASK_SHAPE, **core, dynamic_time=True)
        for core in _core(directions=_UNI_BI, walks=(False,))
    ]
    masked = [
        _at(MASK_SHAPE, **core, mask=m, mask_via=via, dynamic_time=True)
        for core in _core((_LSTM, _GRU), _UNI_BI, (False,))
        if core["return_sequences"] and core["return_state"]
        for m, via in (("right", "layer"), ("hole", "call"))
    ]
    unrolled = [
        _at(MASK_SHAPE, **core, unroll=True, dynamic_time=True)
        for core in _core((_LSTM, _GRU), _UNI_BI, (False,))
        if core["return_sequences"] and not core["return_state"]
    ]
    return plain + masked + unrolled


def _backward_slice() -> list[Case]:
    """Each backward pair, concatenated and unmerged, every flag; the forward
    layer walking backwards with a backward layer walking forwards; masked."""
    out = [
        _at(MASK_SHAPE, **core, backward_layer=back, backward_units=units)
        for fwd, back, units in BACKWARD_PAIRS
        for core in _core((fwd,), ((True, "concat"), (True, None)), (False,))
    ]
    out += [
        _at(MASK_SHAPE, **core, backward_layer=back, backward_units=units)
        for fwd, back, units in BACKWARD_PAIRS
        for core in _core((fwd,), ((True, "concat"),), (True,))
        if core["return_sequences"] and not core["return_state"]
    ]
    out += [
        _at(MASK_SHAPE, **core, mask="left", mask_via=via, backward_layer=back, backward_units=u)
        for fwd, back, u in BACKWARD_PAIRS[:3]
        for core in _core((fwd,), ((True, "concat"),), (False,))
        if core["return_sequences"] and core["return_state"]
        for via in MASK_VIA
    ]
    return out


def _stack_slice() -> list[Case]:
    """Every stack under every layer variant (last output, and all outputs with
    return_state on the last layer), under a bidirectional top, a mask carried
    through, and the tutorials' model."""
    out = [
        _at(MASK_SHAPE, **core, stack=stack)
        for stack in STACKS
        for core in _core(directions=((False, "concat"),), walks=(False,))
        if core["return_sequences"] == core["return_state"]  # the last output, or all
    ]
    out += [
        _at(MASK_SHAPE, **core, stack=stack)
        for stack in STACKS[1:3]
        for core in _core((_LSTM,), ((True, "concat"), (True, None)), (False,))
        if core["return_sequences"] and core["return_state"]
    ]
    out += [
        _at(MASK_SHAPE, **core, stack=stack, mask=m, mask_via=via)
        for stack in STACKS
        for core in _core((_GRU,), _UNI_BI, (False,))
        if core["return_sequences"] and core["return_state"]
        for m, via in (("right", "layer"), ("hole", "call"))
    ]
    return [*out, TUTORIAL_STACK, replace(TUTORIAL_STACK, return_sequences=True)]


def _family_examples() -> list[Case]:
    """One case of every family, old and new, to go through save/load and predict."""
    lstm = {"layer": "LSTM", "return_sequences": True, "return_state": True}
    gru_bi = {"layer": "GRU", "bidirectional": True, "merge_mode": None, "return_state": True}
    return [
        _at(MASK_SHAPE, **lstm),
        _at(MASK_SHAPE, **gru_bi),
        _at(MASK_SHAPE, **lstm, mask="right"),
        _at(MASK_SHAPE, **lstm, mask="hole", mask_via="call"),
        _at(MASK_SHAPE, **lstm, initial_state="input"),
        _at(MASK_SHAPE, **lstm, initial_state="constant"),
        _at(MASK_SHAPE, **lstm, stateful=True),
        _at(MASK_SHAPE, **lstm, unroll=True),
        _at(
            MASK_SHAPE,
            **lstm,
            use_bias=False,
            activation="relu",
            recurrent_activation="hard_sigmoid",
        ),
        _at(MASK_SHAPE, **lstm, dtype="mixed_float16"),
        _at(MASK_SHAPE, **lstm, dtype="float64"),
        _at(MASK_SHAPE, **lstm, dynamic_time=True),
        _at(MASK_SHAPE, **gru_bi, backward_layer="LSTM", backward_units=4),
        _at(MASK_SHAPE, **gru_bi, return_sequences=True, backward_layer="GRU", backward_units=5),
        _at(MASK_SHAPE, **lstm, stack=STACKS[3], mask="right"),
    ]


def path_cases() -> list[Case]:
    """The model paths of the default matrix: a time axis of any length, explicit
    backward layers, stacks, every family saved and loaded each way (.keras, .h5,
    config) and through predict."""
    examples = _family_examples()
    saved = [replace(c, save=how) for how in SAVES for c in examples]
    predicted = [replace(c, predict=True) for c in examples]
    predicted += [replace(c, save="keras", predict=True) for c in examples[-4:]]
    return _unique(_dynamic_slice() + _backward_slice() + _stack_slice() + saved + predicted)


def path_blocks() -> list[Case]:
    """The model paths exhaustively (full): every layer, direction, flag and
    walking direction at a time axis of any length, masked and not; every
    backward pair with every merge, flag and walk; every stack under every
    layer, direction and flag, masked and not; save/load each way for every
    layer, direction and flag."""
    dynamic = [
        _at(MASK_SHAPE, **core, mask=m, mask_via="call" if m else "layer", dynamic_time=True)
        for core in _core()
        for m in (None, "right")
    ]
    backward = [
        _at(MASK_SHAPE, **core, backward_layer=back, backward_units=units)
        for fwd, back, units in BACKWARD_PAIRS
        for core in _core((fwd,), tuple(d for d in DIRECTIONS if d[0]))
        if units == 3 or core["merge_mode"] in ("concat", None)
    ]
    stacks = [
        _at(MASK_SHAPE, **core, stack=stack, mask=m)
        for stack in STACKS
        for core in _core(walks=(False,))
        for m in (None, "left")
    ]
    saved = [_at(MASK_SHAPE, **core, save=how) for how in SAVES for core in _core(walks=(False,))]
    return dynamic + backward + stacks + saved

"""The model paths' cases: the default matrix's slices (a dynamic time axis,
explicit backward layers, stacks, one example per family saved, rebuilt and
predicted) and the full matrix's exhaustive blocks (cases/paths.py says what
each path adds to the model)."""

from __future__ import annotations

from dataclasses import replace

from rnn_shapes.cases.axes import (
    DIRECTIONS,
    MASK_VIA,
    SAVES,
    Lower,
)
from rnn_shapes.cases.blocks import MASK_SHAPE, at, cores, unique
from rnn_shapes.cases.case import Case

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
    """Every layer uni and bi-concat at a time axis of any length, its last output
    and all its outputs (the families' design crosses the other flags with it);
    masked ones (each call's mask of its own length); unroll, which needs the length."""
    plain = [
        at(MASK_SHAPE, **core, dynamic_time=True)
        for core in cores(directions=_UNI_BI, walks=(False,))
        if core["return_sequences"] == core["return_state"]
    ]
    masked = [
        at(MASK_SHAPE, **core, mask=m, mask_via=via, dynamic_time=True)
        for core in cores((_LSTM, _GRU), _UNI_BI, (False,))
        if core["return_sequences"] and core["return_state"]
        for m, via in (("right", "layer"), ("hole", "call"))
    ]
    unrolled = [
        at(MASK_SHAPE, **core, unroll=True, dynamic_time=True)
        for core in cores((_LSTM, _GRU), _UNI_BI, (False,))
        if core["return_sequences"] and not core["return_state"]
    ]
    return plain + masked + unrolled


def _backward_slice() -> list[Case]:
    """Each backward pair, concatenated, every flag; the forward layer walking
    backwards with a backward layer walking forwards; masked. (Every merge mode
    meets every backward layer in the families' design, cases/crossing.py.)"""
    out = [
        at(MASK_SHAPE, **core, backward_layer=back, backward_units=units)
        for fwd, back, units in BACKWARD_PAIRS
        for core in cores((fwd,), ((True, "concat"),), (False,))
    ]
    out += [
        at(MASK_SHAPE, **core, backward_layer=back, backward_units=units)
        for fwd, back, units in BACKWARD_PAIRS
        for core in cores((fwd,), ((True, "concat"),), (True,))
        if core["return_sequences"] and not core["return_state"]
    ]
    out += [
        at(MASK_SHAPE, **core, mask="left", mask_via=via, backward_layer=back, backward_units=u)
        for fwd, back, u in BACKWARD_PAIRS[:3]
        for core in cores((fwd,), ((True, "concat"),), (False,))
        if core["return_sequences"] and core["return_state"]
        for via in MASK_VIA
    ]
    return out


def _stack_slice() -> list[Case]:
    """Every stack under an LSTM and a GRU (last output, and all outputs with
    return_state on the last layer; the families' design puts a stack under every
    layer variant), under a bidirectional top, a mask carried through, and the
    tutorials' model."""
    out = [
        at(MASK_SHAPE, **core, stack=stack)
        for stack in STACKS
        for core in cores((_LSTM, _GRU), directions=((False, "concat"),), walks=(False,))
        if core["return_sequences"] == core["return_state"]  # the last output, or all
    ]
    out += [
        at(MASK_SHAPE, **core, stack=stack)
        for stack in STACKS[1:3]
        for core in cores((_LSTM,), ((True, "concat"), (True, None)), (False,))
        if core["return_sequences"] and core["return_state"]
    ]
    out += [
        at(MASK_SHAPE, **core, stack=stack, mask=m, mask_via=via)
        for stack in STACKS
        for core in cores((_GRU,), _UNI_BI, (False,))
        if core["return_sequences"] and core["return_state"]
        for m, via in (("right", "layer"), ("hole", "call"))
    ]
    return [*out, TUTORIAL_STACK, replace(TUTORIAL_STACK, return_sequences=True)]


def _family_examples() -> list[Case]:
    """One case of every family, old and new, to go through save/load and predict."""
    lstm = {"layer": "LSTM", "return_sequences": True, "return_state": True}
    gru_bi = {"layer": "GRU", "bidirectional": True, "merge_mode": None, "return_state": True}
    return [
        at(MASK_SHAPE, **lstm),
        at(MASK_SHAPE, **gru_bi),
        at(MASK_SHAPE, **lstm, mask="right"),
        at(MASK_SHAPE, **lstm, mask="hole", mask_via="call"),
        at(MASK_SHAPE, **lstm, initial_state="input"),
        at(MASK_SHAPE, **lstm, initial_state="constant"),
        at(MASK_SHAPE, **lstm, stateful=True),
        at(MASK_SHAPE, **lstm, unroll=True),
        at(
            MASK_SHAPE,
            **lstm,
            use_bias=False,
            activation="relu",
            recurrent_activation="hard_sigmoid",
        ),
        at(MASK_SHAPE, **lstm, dtype="mixed_float16"),
        at(MASK_SHAPE, **lstm, dtype="float64"),
        at(MASK_SHAPE, **lstm, dynamic_time=True),
        at(MASK_SHAPE, **gru_bi, backward_layer="LSTM", backward_units=4),
        at(MASK_SHAPE, **gru_bi, return_sequences=True, backward_layer="GRU", backward_units=5),
        at(MASK_SHAPE, **lstm, stack=STACKS[3], mask="right"),
    ]


def path_cases() -> list[Case]:
    """The model paths of the default matrix: a time axis of any length, explicit
    backward layers, stacks, every family saved and loaded as `.keras`. (Every save
    format meets every family, and predict every path, in the families' design,
    cases/crossing.py; the full matrix saves these examples each way and runs them
    through predict too.)"""
    saved = [replace(c, save=SAVES[0]) for c in _family_examples()]
    return unique(_dynamic_slice() + _backward_slice() + _stack_slice() + saved)


def other_examples() -> list[Case]:
    """The family examples saved the other ways (.h5, config), and through predict,
    the last four saved first (full)."""
    examples = _family_examples()
    saved = [replace(c, save=how) for how in SAVES[1:] for c in examples]
    predicted = [replace(c, predict=True) for c in examples]
    return saved + predicted + [replace(c, save="keras", predict=True) for c in examples[-4:]]


def path_blocks() -> list[Case]:
    """The model paths exhaustively (full): every layer, direction, flag and
    walking direction at a time axis of any length, masked and not; every
    backward pair with every merge, flag and walk; every stack under every
    layer, direction and flag, masked and not; save/load each way for every
    layer, direction and flag; the family examples saved the other ways and through predict."""
    dynamic = [
        at(MASK_SHAPE, **core, mask=m, mask_via="call" if m else "layer", dynamic_time=True)
        for core in cores()
        for m in (None, "right")
    ]
    backward = [
        at(MASK_SHAPE, **core, backward_layer=back, backward_units=units)
        for fwd, back, units in BACKWARD_PAIRS
        for core in cores((fwd,), tuple(d for d in DIRECTIONS if d[0]))
        if units == 3 or core["merge_mode"] in ("concat", None)
    ]
    stacks = [
        at(MASK_SHAPE, **core, stack=stack, mask=m)
        for stack in STACKS
        for core in cores(walks=(False,))
        for m in (None, "left")
    ]
    saved = [at(MASK_SHAPE, **core, save=how) for how in SAVES for core in cores(walks=(False,))]
    return dynamic + backward + stacks + saved + other_examples()

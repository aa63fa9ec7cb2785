"""The matrices' blocks beyond the core grid: one per family (masks, initial
states, unroll, stateful, options, predict) and the model paths' slices and blocks.

Each is data built from the axes (cases/axes.py); cases/matrix.py puts them together.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import replace

from rnn_shapes.cases.axes import (
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
)
from rnn_shapes.cases.case import Case, Lower
from rnn_shapes.cases.design import RATE

FLAGS = tuple(itertools.product((False, True), repeat=2))  # (return_sequences, return_state)


def unique(cases: list[Case]) -> list[Case]:
    """The cases in order, each id once (a design may hit a case a family block has)."""
    first: dict[str, Case] = {}
    for case in cases:
        first.setdefault(case.id, case)
    return list(first.values())


# Masked cases: a shape with a row per padding length, and a single step where
# only a whole row can be masked.
MASK_SHAPE = (3, 5, 2, 3)
MASK_SHAPE_T1 = (2, 1, 2, 3)


def at(shape: tuple[int, int, int, int], **fields: object) -> Case:
    """A case at (B, T, D, U) = `shape`; the rest as keywords."""
    b, t, d, u = shape
    return Case(units=u, batch=b, timesteps=t, features=d, **fields)  # type: ignore[arg-type]


def cores(
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
        at(shape, **core, mask=pattern, mask_via=via, zero_output_for_mask=zero)
        for core in cores()
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
        at(MASK_SHAPE, **core, mask=mask, mask_via=via, initial_state=init, state_form=form)
        for core in cores(directions=STATE_DIRECTIONS, walks=(False,))
        for init, form, (mask, via) in itertools.product(INITIAL_STATES, STATE_FORMS, STATE_MASKS)
    ]


def unroll_cases() -> list[Case]:
    """unroll=True beside the loop: every layer, direction, flag and walking direction,
    unmasked and with each mask pattern given in the call, zero_output_for_mask both
    ways where the layer's own setting counts; the same numbers are expected."""
    masks = ((None, False), *((p, z) for p in MASK_PATTERNS for z in (False, True)))
    return [
        at(
            MASK_SHAPE,
            **core,
            mask=mask,
            mask_via="call" if mask else "layer",
            zero_output_for_mask=zero,
            unroll=True,
        )
        for core in cores()
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
        at(MASK_SHAPE, **core, mask=mask, mask_via=via, stateful=True)
        for core in cores(directions=STATE_DIRECTIONS, walks=(False,))
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
        at(MASK_SHAPE, **core, **option)
        for option, layers in OPTION_VALUES
        for core in cores(layers)
    ]


def predict_cases() -> list[Case]:
    """One case of each family of the masks-and-states work through Model.predict
    (the options slice has its own): a mask given in the call, initial states as
    inputs, a stateful layer (its three calls three predicts), an unrolled masked
    walk. LSTM, every output."""
    lstm = {"layer": "LSTM", "reset_after": None, "return_sequences": True, "return_state": True}
    return [
        at(MASK_SHAPE, **lstm, **family, predict=True)
        for family in (
            {"mask": "right", "mask_via": "call"},
            {"initial_state": "input"},
            {"stateful": True},
            {"mask": "hole", "mask_via": "call", "unroll": True},
        )
    ]


# uni, Bidirectional concatenated and unmerged: what a text model puts on its tokens
EMBEDDING_DIRECTIONS = ((False, "concat"), (True, "concat"), (True, None))


def embedding_cases() -> list[Case]:
    """The mask of token ids, given by Embedding(mask_zero=True) (cases/embedding.py):
    every layer, uni / bi-concat / bi-None and flag on right-padded rows; then one
    of each thing a text model does with it: the other patterns, zero_output, a
    backward walk, initial states handed over (a seq2seq decoder), a stack, a
    stateful layer, a time axis of any length, save and load both ways, predict,
    unroll and the other precisions."""
    base = [
        at(MASK_SHAPE, **core, mask="right", mask_via="embedding")
        for core in cores(directions=EMBEDDING_DIRECTIONS, walks=(False,))
    ]
    lstm = {"layer": "LSTM", "return_sequences": True}
    gru = {"layer": "GRU", "return_sequences": True, "return_state": True}
    bi = {"layer": "GRU", "bidirectional": True, "return_sequences": True, "return_state": True}
    token = {"mask_via": "embedding"}
    examples = [
        at(MASK_SHAPE, **lstm, **token, mask="left"),
        *(at(MASK_SHAPE, **gru, **token, mask=m) for m in ("hole", "row", "none")),
        at(MASK_SHAPE, **lstm, **token, mask="right", zero_output_for_mask=True),
        at(MASK_SHAPE, **gru, **token, mask="right", go_backwards=True),
        at(MASK_SHAPE, **lstm, **token, mask="right", initial_state="input"),
        at(MASK_SHAPE, **bi, **token, mask="left", initial_state="input"),
        at(MASK_SHAPE, **lstm, **token, mask="right", stack=((Lower("LSTM", 4),))),
        at(MASK_SHAPE, **gru, **token, mask="right", stateful=True),
        at(MASK_SHAPE, **lstm, **token, mask="right", dynamic_time=True),
        *(at(MASK_SHAPE, **bi, **token, mask="right", save=how) for how in ("keras", "h5")),
        at(MASK_SHAPE, **gru, **token, mask="right", predict=True),
        at(
            MASK_SHAPE, layer="SimpleRNN", return_sequences=True, **token, mask="right", unroll=True
        ),
        *(at(MASK_SHAPE, **lstm, **token, mask="right", dtype=d) for d in DTYPES[1:]),
    ]
    return base + examples


# The three recurrent layers with Keras' defaults (GRU's reset_after too)
LAYERS3 = ("SimpleRNN", "LSTM", "GRU")
SAMPLE_SHAPE = (1, 4, 5, 3)  # the tutorials' samples (cases/inputs.py), three units


def kept_apart_cases() -> list[Case]:
    """One of each combination the covering designs keep apart though Keras accepts it
    (the `Kept` rules of cases/rules.py; docs/notes/case-refusals.md): options without
    the setting they act beside, training calls of every kind, stateful stacks (every
    layer stateful, only the top, only one below), a stateful layer given initial
    states (Keras 2 and 3 differ: a rule; under the mixed policies, and under float64
    through predict) or called at two lengths, an elementwise
    merge of a width-1 direction, Bidirectional initial states split unevenly, an
    Embedding case beyond the table's rows and steps."""
    seq = {"return_sequences": True}
    every = {"return_sequences": True, "return_state": True}
    bi = {"bidirectional": True}
    st = {"stateful": True}
    rate = {"dropout": RATE, "recurrent_dropout": RATE}

    def each(**fields: object) -> list[Case]:
        return [at(MASK_SHAPE, layer=layer, **fields) for layer in LAYERS3]

    b, t, d = MASK_SHAPE[:3]
    lower, st_lower = Lower("GRU", 4), Lower("GRU", 4, stateful=True)
    return [
        *each(**seq, zero_output_for_mask=True),
        at(MASK_SHAPE, layer="LSTM", **seq, use_bias=False, unit_forget_bias=False),
        *each(**seq, training=True),
        *each(**seq, activation="relu", training=True, **rate),
        *each(**seq, **st, training=True, recurrent_dropout=RATE),
        *(at(MASK_SHAPE, layer="GRU", **seq, training=True, **rate, save=s) for s in SAVES),
        at(SAMPLE_SHAPE, layer="LSTM", sample="seed002", stack=(lower,), **seq),
        at(SAMPLE_SHAPE, layer="GRU", sample="seed004", stack=(Lower("LSTM", 2),), **every),
        *each(**every, **st, stack=(st_lower,)),
        *each(**every, **st, stack=(lower,)),
        *each(**every, stack=(st_lower,)),
        at(MASK_SHAPE, layer="LSTM", **every, **bi, **st, stack=(st_lower,)),
        at(MASK_SHAPE, layer="LSTM", **every, mask="right", mask_via="call", stack=(st_lower,)),
        at(MASK_SHAPE, layer="LSTM", **seq, stack=(st_lower,), call_batch=b + 1),
        *each(**every, **st, dynamic_time=True),
        at(
            MASK_SHAPE, layer="GRU", **every, **st, dynamic_time=True, mask="right", mask_via="call"
        ),
        at(MASK_SHAPE, layer="LSTM", **every, **bi, merge_mode=None, **st, dynamic_time=True),
        at(
            MASK_SHAPE,
            layer="GRU",
            **every,
            **st,
            dynamic_time=True,
            mask="right",
            mask_via="embedding",
        ),
        at(MASK_SHAPE, layer="LSTM", **seq, stack=(st_lower,), dynamic_time=True),
        *(
            at(
                (b, t, d, u),
                layer="GRU",
                **seq,
                **bi,
                merge_mode=m,
                backward_layer="GRU",
                backward_units=bu,
            )
            for m in ("sum", "mul", "ave")
            for u, bu in ((1, 4), (4, 1))
        ),
        *(
            at(MASK_SHAPE, layer=layer, **every, **bi, backward_layer="LSTM", initial_state=init)
            for layer in ("SimpleRNN", "GRU")
            for init in INITIAL_STATES
        ),
        *(c for init in INITIAL_STATES for c in each(**every, **st, initial_state=init)),
        at(MASK_SHAPE, layer="GRU", **every, **bi, **st, initial_state="input"),
        *(
            at(MASK_SHAPE, layer="LSTM", **every, **st, initial_state="input", dtype=dt)
            for dt in ("mixed_float16", "mixed_bfloat16")
        ),
        at(
            MASK_SHAPE,
            layer="LSTM",
            **every,
            **st,
            initial_state="input",
            dtype="float64",
            predict=True,
        ),
        # a zero recurrent kernel and linear gates: a masked step run on the zeroed
        # inputs gives what skipping it gives (where a dropped mask cannot show)
        at(
            MASK_SHAPE,
            layer="GRU",
            reset_after=False,
            mask="row",
            initial_state="constant",
            use_bias=False,
            weights=Constant(-0.25, 0.0, 0.0),
            activation="linear",
            recurrent_activation="linear",
        ),
        at((9, t, d, 3), layer="GRU", **seq, mask="right", mask_via="embedding"),
        at((b, 130, d, 3), layer="GRU", **every, mask="right", mask_via="embedding"),
    ]

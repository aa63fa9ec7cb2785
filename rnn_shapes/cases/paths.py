"""The layers a model path adds, as cases of their own.

A case describes its own recurrent layer; a stack puts layers below it, and an
explicit backward layer makes Bidirectional's second direction a layer of
another type or size. Each such layer is written here as a `Case` of its own
(its type, units and input width), so the weights, the states, the oracle's
arithmetic and Keras' constructor arguments follow from one description.
Both the oracle and the Keras runner read these, as they read the case.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rnn_shapes.cases.axes import AXES, LONGER_BY
from rnn_shapes.cases.case import Case, Lower


def backward_case(case: Case) -> Case:
    """The layer of Bidirectional's backward direction: the case itself, or its
    explicit backward layer with its own type and units and the case's other
    settings (Keras requires stateful, return_sequences and return_state to
    match; the options a type lacks stay at their defaults, and GRU's reset_after
    at Keras' default)."""
    if case.backward_layer is None:
        return case
    layer, units = case.backward_layer, case.backward_units
    assert units is not None  # a Case with a backward layer has its units
    return replace(
        case,
        layer=layer,
        units=units,
        reset_after=None,
        recurrent_activation=_unless(layer == "SimpleRNN", case, "recurrent_activation"),
        unit_forget_bias=_unless(layer != "LSTM", case, "unit_forget_bias"),
        backward_layer=None,
        backward_units=None,
    )


def _unless(lacks: bool, case: Case, field: str) -> Any:
    """The case's value of `field`, or its default for a layer that lacks the option."""
    return AXES[field].default if lacks else getattr(case, field)


def direction_case(case: Case, direction: int) -> Case:
    """The layer running `direction` (0: the layer or forward copy, 1: backward)."""
    return backward_case(case) if direction == 1 else case


def width(case: Case) -> int:
    """The last axis of the case's (first) output: both directions' units when
    concatenated, else the layer's own."""
    if case.bidirectional and case.merge_mode == "concat":
        return case.units + backward_case(case).units
    return case.units


def lower_cases(case: Case) -> list[Case]:
    """The layers below the case's own, input first, each as a case whose input
    is the previous one's sequence (the mask travels with it)."""
    out: list[Case] = []
    features = case.features
    for lower in case.stack:
        out.append(_lower(case, lower, features))
        features = lower.width
    return out


def _lower(case: Case, lower: Lower, features: int) -> Case:
    return Case(
        layer=lower.layer,
        units=lower.units,
        batch=case.batch,
        timesteps=case.timesteps,
        features=features,
        bidirectional=lower.bidirectional,
        return_sequences=True,
        weights=case.weights,
        mask=case.mask,
        mask_via=case.mask_via,
        dtype=case.dtype,
        dynamic_time=case.dynamic_time,
        stateful=lower.stateful,
    )


def layer_cases(case: Case) -> list[tuple[Case, int]]:
    """The recurrent layers of the case's model, input first: each one's case and
    its depth below the top of the stack (the case's own layer last, depth 0)."""
    lowers = lower_cases(case)
    return [*zip(lowers, range(len(lowers), 0, -1), strict=True), (top_case(case), 0)]


def top_case(case: Case) -> Case:
    """The case's own layer as the top of its stack: its input is the last lower
    layer's sequence, not the sample the model is fed (the case itself when it
    has no stack). Another batch size is the model's call, not the layer's."""
    if not case.stack:
        return case
    return replace(case, features=case.stack[-1].width, stack=(), sample=None, call_batch=None)


def longer(case: Case) -> Case:
    """A dynamic-time case's second call: the same model on a sequence 3 steps
    longer (its mask pattern drawn for that length; the generated input where the
    case's own is a tutorial's sample, which has no longer form)."""
    return replace(case, timesteps=case.timesteps + LONGER_BY, sample=None)

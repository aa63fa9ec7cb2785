"""Conditions on what a case is (cases/conditions.py): each facet's answer, values as
lists and comparisons, and refusal of what no case could answer."""

from __future__ import annotations

import pytest

from rnn_shapes import Case, Constant
from rnn_shapes.cases.axes import Lower
from rnn_shapes.cases.conditions import FACETS, Condition, parse_any

SHAPE = dict(units=3, batch=3, timesteps=5, features=2)
BI = dict(bidirectional=True, backward_layer="LSTM")


@pytest.mark.parametrize(
    ("facet", "case", "answer"),
    [
        ("steps_masked", Case(layer="GRU", mask="none", **SHAPE), False),
        ("steps_masked", Case(layer="GRU", mask="row", **SHAPE), True),
        ("masked", Case(layer="GRU", mask="none", **SHAPE), True),
        ("masked", Case(layer="GRU", **SHAPE), False),
        ("every_step_masked", Case(layer="GRU", mask="row", **dict(SHAPE, batch=1)), True),
        ("every_step_masked", Case(layer="GRU", mask="row", **SHAPE), False),
        ("backward_other_units", Case(layer="GRU", backward_units=4, **BI, **SHAPE), True),
        ("backward_other_units", Case(layer="GRU", **BI, **SHAPE), False),
        ("backward_other_states", Case(layer="GRU", **BI, **SHAPE), True),  # LSTM: two
        ("backward_other_states", Case(layer="LSTM", **BI, **SHAPE), False),
        ("float32_constants", Case(layer="GRU", weights=Constant(0.5, -0.25, 0.1), **SHAPE), False),
        (
            "float32_constants",
            Case(layer="GRU", weights=Constant(0.5, -0.25, 0.1), use_bias=False, **SHAPE),
            True,  # the bias 0.1 is not in use
        ),
        ("float32_constants", Case(layer="GRU", **SHAPE), False),  # not constants at all
        (  # the layer below keeps its bias (found by a random case in Keras 3.15)
            "float32_constants",
            Case(
                layer="GRU",
                weights=Constant(0.5, -0.25, 0.1),
                use_bias=False,
                stack=(Lower("SimpleRNN", 3),),
                **SHAPE,
            ),
            False,
        ),
        (  # one step from zero states: the recurrent kernel's 0.1 reaches nothing
            "float32_constants",
            Case(layer="GRU", weights=Constant(0.5, 0.1, 0.0), **dict(SHAPE, timesteps=1)),
            True,
        ),
        (
            "float32_constants",
            Case(
                layer="GRU",
                weights=Constant(0.5, 0.1, 0.0),
                dynamic_time=True,
                **dict(SHAPE, timesteps=1),
            ),
            False,  # the longer second call has an earlier state
        ),
        (  # a zero kernel and bias from zero states: the state never leaves 0
            "float32_constants",
            Case(layer="GRU", weights=Constant(0.0, 0.3, 0.0), **SHAPE),
            True,
        ),
        (  # ... unless sigmoid's candidate is 0.5
            "float32_constants",
            Case(layer="GRU", weights=Constant(0.0, 0.3, 0.0), activation="sigmoid", **SHAPE),
            False,
        ),
        (  # a zero kernel: nothing below reaches the top, its own state stays 0
            "float32_constants",
            Case(
                layer="LSTM",
                weights=Constant(0.0, 0.3, -0.25),
                use_bias=False,
                stack=(Lower("LSTM", 9), Lower("SimpleRNN", 3)),
                **SHAPE,
            ),
            True,
        ),
        (  # an LSTM whose gates are closed at 0 (tanh) stays at 0 even under sigmoid
            "float32_constants",
            Case(
                layer="LSTM",
                weights=Constant(0.0, 0.3, 0.0),
                activation="sigmoid",
                recurrent_activation="tanh",
                **SHAPE,
            ),
            True,
        ),
        ("mask_symmetric", Case(layer="GRU", mask="row", **SHAPE), True),
        ("mask_symmetric", Case(layer="GRU", mask="hole", **dict(SHAPE, timesteps=5)), True),
        ("mask_symmetric", Case(layer="GRU", mask="hole", **dict(SHAPE, timesteps=4)), False),
        ("mask_symmetric", Case(layer="GRU", mask="right", **SHAPE), False),
        (  # the longer call of a dynamic time axis: 5 + 3 steps, the hole off the middle
            "mask_symmetric",
            Case(layer="GRU", mask="hole", dynamic_time=True, **dict(SHAPE, timesteps=5)),
            False,
        ),
        ("recurrent_zero", Case(layer="GRU", weights=Constant(0.5, 0.0, 0.1), **SHAPE), True),
        ("recurrent_zero", Case(layer="GRU", **SHAPE), False),
        (
            "keeps_states",
            Case(layer="GRU", stack=(Lower("LSTM", 4, stateful=True),), **SHAPE),
            True,
        ),
        ("stateful_below", Case(layer="GRU", stateful=True, **SHAPE), False),
        (
            "stack_layers",
            Case(layer="GRU", stack=(Lower("LSTM", 4), Lower("GRU", 2)), **SHAPE),
            ("LSTM", "GRU"),
        ),
        ("stack_bidirectional", Case(layer="GRU", stack=(Lower("LSTM", 4, True),), **SHAPE), True),
        ("weights_kind", Case(layer="GRU", weights=Constant(), **SHAPE), "constant"),
    ],
)
def test_each_facet_answers_from_the_fields(facet, case, answer):
    assert FACETS[facet].answer(case) == answer


def test_lists_mean_any_and_comparisons_bound_counts_and_rates():
    one = Case(layer="GRU", **dict(SHAPE, timesteps=1))
    assert Condition.parse({"timesteps": ">1"}).holds(Case(layer="GRU", **SHAPE))
    assert not Condition.parse({"timesteps": ">1"}).holds(one)
    assert Condition.parse({"layer": ["LSTM", "GRU"], "recurrent_dropout": "<0.5"}).holds(one)
    stacked = Case(layer="GRU", stack=(Lower("LSTM", 4),), **SHAPE)
    assert Condition.parse({"stack_layers": "LSTM"}).holds(stacked)
    assert not Condition.parse({"stack_layers": "GRU"}).holds(stacked)
    either = parse_any([{"layer": "LSTM"}, {"stacked": True}])
    assert any(c.holds(stacked) for c in either)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"colour": "red"}, "unknown facet 'colour'"),
        ({"layer": "Dense"}, "'Dense' is not one of"),
        ({"stateful": 1}, "must be a bool"),
        ({"timesteps": "many"}, "must be a positive int"),
        ({"dropout": ">x"}, "must be a rate"),
        ({"layer": []}, "an empty list matches nothing"),
        ({}, "a non-empty table"),
    ],
)
def test_what_no_case_could_answer_is_refused_naming_the_facet(table, message):
    with pytest.raises(ValueError, match=message):
        Condition.parse(table)

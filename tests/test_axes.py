"""The table of axes (cases/axes.py) and what is read from it: the Case's fields,
families, Keras' keywords, the rules' messages and the designs' constraints."""

from __future__ import annotations

import dataclasses
import random

import pytest

from rnn_shapes.cases import design
from rnn_shapes.cases.axes import (
    AXES,
    FAMILIES,
    LAYER_VARIANTS,
    TUTORIAL_CONSTANT,
    Lower,
    keras_keywords,
    layer_tag,
)
from rnn_shapes.cases.case import OUTSIDE, Case, families
from rnn_shapes.cases.constraints import case_rules, holds
from rnn_shapes.cases.matrix import MATRICES, any_case, cases_by_id, matrix
from rnn_shapes.cases.paths import backward_case, lower_cases
from rnn_shapes.cases.rules import RULES

SHAPE = dict(units=3, batch=3, timesteps=5, features=2)

# How families were read from ids before the Case said them (substrings of the
# id): the reference the table's families must keep, case for case.
ID_MARKERS = (
    ("masking", ("-mask_", "-zero_output")),
    ("initial state", ("-h0_",)),
    ("stateful", ("-stateful", "-stack_st")),
    ("unroll", ("-unroll",)),
    ("options", ("-nobias", "-act_", "-ract_", "-no_forget_bias", "-drop", "-rdrop", "-train")),
    ("precision", ("-dtype_", "-mixed_")),
    ("predict", ("-predict",)),
    ("dynamic time", ("-dynT",)),
    ("backward layer", ("-bwd_",)),
    ("stack", ("-stack_",)),
    ("save/load", ("-save_", "-from_config")),
)


OPTION_FAMILIES = ("options", "precision")


def keras_options(case: Case) -> dict:
    """The constructor options that differ from Keras' defaults, as keywords
    (without the dropout seed Keras 3 takes, which stays on the Keras side)."""
    keywords = keras_keywords(case)
    return {
        axis.keyword: keywords[axis.keyword]
        for axis in AXES.values()
        if axis.family in OPTION_FAMILIES and axis.keyword in keywords
    }


def by_markers(case_id: str) -> tuple[str, ...]:
    found = tuple(name for name, marks in ID_MARKERS if any(m in case_id for m in marks))
    return found or ("core",)


def test_the_table_is_the_case_field_by_field():
    fields = dataclasses.fields(Case)
    assert [f.name for f in fields] == list(AXES)
    for f in fields:
        if f.name == "reset_after":  # the Case's None: the table's default, for GRU
            assert f.default is None and AXES[f.name].default is True
        elif f.default is not dataclasses.MISSING:
            assert AXES[f.name].default == f.default, f.name
    assert {a.family for a in AXES.values()} == set(FAMILIES)


@pytest.mark.parametrize("name", MATRICES)
def test_every_case_id_shows_its_families(name):
    """The id says to a person what the case's fields say (it is never read back)."""
    for case in matrix(name):
        assert case.families == by_markers(case.id), case.id
        assert families(case.id) == case.families


def test_an_id_in_no_matrix_is_outside_them_not_parsed():
    stale = Case(layer="GRU", stack=(Lower("LSTM", 4),), dtype="float64", **SHAPE)
    assert any_case(stale.id) is None and stale.families == ("precision", "stack")
    assert families(stale.id) == families("not a case id") == (OUTSIDE,)


def test_cases_by_id_is_the_matrix_once():
    for name in MATRICES:
        by_id = cases_by_id(name)
        assert list(by_id.values()) == matrix(name) and cases_by_id(name) is by_id
        with pytest.raises(TypeError):
            by_id["x"] = matrix(name)[0]  # type: ignore[index]
    default = matrix("default")
    assert any_case(default[-1].id) == default[-1]
    assert any_case(matrix("full")[-1].id) == matrix("full")[-1]
    assert any_case("nope") is None


def test_keras_keywords_state_what_a_case_changes():
    lstm = Case(layer="LSTM", **SHAPE)
    assert keras_keywords(lstm) == {
        "units": 3,
        "return_sequences": False,
        "return_state": False,
        "go_backwards": False,
    }
    assert keras_options(lstm) == {}
    gru = Case(
        layer="GRU",
        reset_after=False,
        mask="right",
        zero_output_for_mask=True,
        unroll=True,
        use_bias=False,
        activation="relu",
        recurrent_activation="tanh",
        recurrent_dropout=0.5,
        dtype="mixed_bfloat16",
        **SHAPE,
    )
    options = {
        "use_bias": False,
        "activation": "relu",
        "recurrent_activation": "tanh",
        "recurrent_dropout": 0.5,
        "dtype": "mixed_bfloat16",
    }
    assert keras_options(gru) == options
    assert list(keras_keywords(gru).items()) == [
        *keras_keywords(lstm).items(),
        ("reset_after", False),
        ("zero_output_for_mask", True),
        ("unroll", True),
        *options.items(),
    ]
    stateful = Case(layer="LSTM", unit_forget_bias=False, dropout=0.25, stateful=True, **SHAPE)
    assert keras_options(stateful) == {"unit_forget_bias": False, "dropout": 0.25}
    assert keras_keywords(stateful)["stateful"] is True
    assert "reset_after" not in keras_keywords(Case(layer="SimpleRNN", **SHAPE))


def test_gru_reset_after_has_one_default():
    """The table's default is what a GRU case, its tag, a backward GRU and a lower
    GRU get when they leave it out."""
    ra = AXES["reset_after"].default
    assert Case(layer="GRU", **SHAPE).reset_after is ra
    assert layer_tag("GRU") == f"GRU-ra{int(ra)}" == Case(layer="GRU", **SHAPE).layer_tag
    assert ("GRU", ra) == next(v for v in LAYER_VARIANTS if v[0] == "GRU")
    asym = Case(layer="LSTM", bidirectional=True, backward_layer="GRU", **SHAPE)
    assert backward_case(asym).reset_after is ra
    stacked = Case(layer="LSTM", stack=(Lower("GRU", 2),), **SHAPE)
    assert lower_cases(stacked)[0].reset_after is ra


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mask_via": "call"}, "'mask_via': only a masked case says how its mask is given"),
        ({"mask": "hole", "timesteps": 2}, "'mask': a hole in the middle needs at least 3"),
        ({"mask": "left", "batch": 1}, "'mask': padding to different lengths needs at least 2"),
        ({"state_form": "named"}, "'state_form': only a case with an initial state says"),
        ({"call_batch": 3}, "'call_batch': only a model with a stateful layer is called"),
        ({"predict": True, "stateful": True, "call_batch": 1}, "'predict': a call with another"),
        ({"dropout": 0.5, "training": True, "predict": True}, "'training': Model.predict takes"),
        ({"stack": (Lower("LSTM", 2, stateful=1),)}, "'stack': a lower layer's stateful must"),
        ({"dtype": "float16"}, "'dtype': expected one of ('float32', 'float64', 'mixed_"),
        ({"save": "pickle"}, "'save': expected one of ('keras', 'h5', 'config') or None"),
        ({"layer": "GRU", "reset_after": 1}, "'reset_after': a GRU case must say True or False"),
        ({"reset_after": False}, "'reset_after': only GRU has reset_after, not LSTM"),
        # two problems: the first in the Case's order is the one reported
        ({"mask_via": "call", "state_form": "named"}, "'mask_via': only a masked case"),
        ({"merge_mode": "sum", "mask": "bogus"}, "'merge_mode': only a bidirectional case"),
        ({"call_batch": 3, "state_form": "x"}, "'state_form': expected one of"),
    ],
)
def test_rules_name_the_field_and_say_why(changes, message):
    with pytest.raises(ValueError) as info:
        Case(**{"layer": "LSTM", **SHAPE, **changes})
    assert str(info.value).startswith(f"Case field {message}")


DESIGNS = {
    "slice": design.SLICE,
    "cross": design.CROSS,
    "options slice": design.OPTIONS_SLICE,
    "options cross": design.OPTIONS_CROSS,
}


@pytest.mark.parametrize("name", DESIGNS)
def test_a_row_the_constraints_allow_is_a_valid_case(name):
    """Random rows: where the constraints derived from the Case's rules (and the
    design's exclusions) hold, the row's Case is valid; where its Case is not,
    some constraint fails."""
    d = DESIGNS[name]
    constraints = d.constraints()
    rng = random.Random(0)
    allowed = refused = 0
    for _ in range(5000):
        row = {axis: rng.choice(list(labels)) for axis, labels in d.axes.items()}
        ok = all(holds(c, row) for c in constraints)
        try:
            d.case(row)
        except ValueError:
            assert not ok, row
            refused += 1
        else:
            allowed += ok
    assert allowed > 20 and refused > 100


def test_design_constraints_come_from_the_rules():
    """A rule whose field no axis sets gives nothing; the mask rules give the
    not-applicable pairs and the short shapes' exclusions."""
    axes = design.SLICE.axes
    assert case_rules({"layer_direction": design.LAYER_DIRECTION}) == []
    derived = case_rules(axes)
    na = [design.implies(design.eq("mask", "-"), design.eq("mask_via", "-"))]
    na.append(design.implies(design.eq("mask_via", "-"), design.eq("mask", "-")))
    assert derived[:2] == na
    hole = design.implies(design.eq("mask", "hole"), design.eq("shape", "B3T5D2U3"))
    assert hole in derived
    assert design.WEIGHTS["constant"] == {"weights": TUTORIAL_CONSTANT}
    assert {rule.field for rule in RULES} <= set(AXES)

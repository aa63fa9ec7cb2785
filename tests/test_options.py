"""Constructor options, dropout and precision: the case rules, the oracle's
definitions, and what live Keras shows for the runs the oracle cannot predict."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_shapes import Case, Constant, run_oracle
from rnn_shapes.cases.axes import TUTORIAL_CONSTANT
from rnn_shapes.cases.blocks import (
    embedding_cases,
    kept_apart_cases,
    option_cases,
    predict_cases,
)
from rnn_shapes.cases.crossing import FAMILIES_SLICE
from rnn_shapes.cases.design import OPTIONS_SLICE, uncovered
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.cases.path_blocks import path_cases
from rnn_shapes.cases.signature import expected_facts, output_dtype
from rnn_shapes.check import fact_problems
from rnn_shapes.oracle import activation
from rnn_shapes.result import Result
from rnn_shapes.tolerance import tolerance

SHAPE = dict(units=3, batch=2, timesteps=5, features=2, return_sequences=True, return_state=True)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"layer": "SimpleRNN", "recurrent_activation": "tanh"}, "recurrent_activation"),
        ({"layer": "GRU", "activation": "softmax"}, "activation"),
        ({"layer": "GRU", "unit_forget_bias": False}, "unit_forget_bias"),
        ({"layer": "LSTM", "dropout": 1.0}, "dropout"),
        ({"layer": "LSTM", "recurrent_dropout": -0.1}, "recurrent_dropout"),
        ({"layer": "LSTM", "training": True, "dropout": 0.5, "predict": True}, "training"),
        ({"layer": "LSTM", "dtype": "float8"}, "dtype"),
        ({"layer": "LSTM", "use_bias": False, "unit_forget_bias": 0}, "unit_forget_bias"),
    ],
)
def test_impossible_options_name_their_field(fields, field):
    with pytest.raises(ValueError, match=f"Case field '{field}'"):
        Case(**{**SHAPE, **fields})


DEFAULTS = dict(use_bias=True, activation="tanh", recurrent_activation="sigmoid", dropout=0)
CHANGED = dict(
    activation="sigmoid",
    recurrent_activation="hard_sigmoid",
    unit_forget_bias=False,
    dropout=0.5,
    recurrent_dropout=0.25,
    training=True,
    dtype="mixed_bfloat16",
)


def test_options_appear_in_the_id_only_when_not_default():
    plain = Case(layer="LSTM", **SHAPE)
    same = Case(layer="LSTM", unit_forget_bias=True, dtype="float32", **DEFAULTS, **SHAPE)
    assert same == plain and same.id == plain.id
    tail = "act_sigmoid-ract_hard_sigmoid-no_forget_bias-drop0.5-rdrop0.25-train-mixed_bfloat16"
    assert Case(layer="LSTM", **CHANGED, **SHAPE).id == f"{plain.id}-{tail}"
    assert Case(layer="GRU", use_bias=False, dtype="float64", **SHAPE).id.endswith(
        "-nobias-dtype_float64"
    )


def test_the_default_matrix_grew_at_its_end_only():
    """The options slice, one predict case per family, the model paths, where the
    families meet, the token masks, then the combinations the designs keep apart, each
    after every earlier case (no earlier id moved)."""
    ids = [c.id for c in matrix("default")]
    apart = [c.id for c in kept_apart_cases()]  # the last block, every case new
    assert ids[-len(apart) :] == apart
    ids = ids[: -len(apart)]
    tokens = [c.id for c in embedding_cases()]  # the token masks: the block before
    assert ids[-len(tokens) :] == tokens
    ids = ids[: -len(tokens)]
    grown = [c.id for c in OPTIONS_SLICE.cases() + predict_cases()]
    grown += [c.id for c in path_cases() if c.id not in set(grown)]
    met = [c.id for c in FAMILIES_SLICE.cases()]
    new = [i for i in met if ids.index(i) >= len(ids) - len(met)]  # not an earlier case
    grown += [i for i in met if i in new]
    assert ids[-len(grown) :] == grown
    assert not any(
        marker in cid
        for cid in ids[: -len(grown)]
        for marker in (
            "-nobias",
            "-act_",
            "-ract_",
            "-drop",
            "-rdrop",
            "-dtype_",
            "-mixed_",
            "-predict",
        )
    )


def test_every_option_value_meets_every_layer_and_direction():
    assert uncovered(OPTIONS_SLICE) == []
    cases = OPTIONS_SLICE.cases()
    for dtype in ("float32", "float64", "mixed_float16", "mixed_bfloat16"):
        for layer in ("SimpleRNN", "LSTM", "GRU"):
            for direction in ("uni", "bi-concat", "bi-sum", "bi-mul", "bi-ave", "bi-none"):
                assert any(
                    c.dtype == dtype and c.layer == layer and c.direction == direction
                    for c in cases
                ), (dtype, layer, direction)


def test_hard_sigmoid_is_defined_per_keras_major():
    a = np.array([-4.0, -2.75, -1.0, 0.0, 1.0, 2.75, 4.0])
    np.testing.assert_allclose(activation("hard_sigmoid", 2)(a), [0, 0, 0.3, 0.5, 0.7, 1, 1])
    k3 = [0, 0.5 - 2.75 / 6, 0.5 - 1 / 6, 0.5, 0.5 + 1 / 6, 0.5 + 2.75 / 6, 1]
    np.testing.assert_allclose(activation("hard_sigmoid", 3)(a), k3)


def test_linear_activations_make_simple_rnn_a_linear_recurrence():
    case = Case(
        layer="SimpleRNN",
        activation="linear",
        use_bias=False,
        weights=Constant(0.5, 0.25),
        units=1,
        batch=1,
        timesteps=3,
        features=1,
        return_sequences=True,
    )
    x = np.array([[[1.0], [2.0], [4.0]]])
    # h_t = 0.5 x_t + 0.25 h_{t-1}
    np.testing.assert_allclose(run_oracle(case, x)[0].ravel(), [0.5, 1.125, 2.28125])


def test_unit_forget_bias_sets_the_forget_block_of_initialized_weights_only():
    on = Case(layer="LSTM", weights=Constant(0.1, 0.1, 0.0), **SHAPE)
    off = Case(layer="LSTM", weights=Constant(0.1, 0.1, 0.0), unit_forget_bias=False, **SHAPE)
    assert not np.allclose(run_oracle(on)[0], run_oracle(off)[0])
    distinct_on = Case(layer="LSTM", **SHAPE)
    distinct_off = Case(layer="LSTM", unit_forget_bias=False, **SHAPE)
    for a, b in zip(run_oracle(distinct_on), run_oracle(distinct_off), strict=True):
        np.testing.assert_array_equal(a, b)


def test_dropout_at_inference_is_no_dropout_and_training_has_no_values():
    base = Case(layer="GRU", **SHAPE)
    for a, b in zip(
        run_oracle(base), run_oracle(Case(layer="GRU", dropout=0.5, **SHAPE)), strict=True
    ):
        np.testing.assert_array_equal(a, b)
    assert run_oracle(Case(layer="GRU", dropout=0.5, training=True, **SHAPE)) is None


def test_recurrent_dropout_alone_cannot_show_on_one_step_from_zero_states():
    one_step = dict(SHAPE, timesteps=1)
    assert expected_facts(Case(layer="LSTM", recurrent_dropout=0.5, training=True, **one_step)) == {
        "differs_from_inference": False,
        "repeatable": True,
    }
    assert expected_facts(Case(layer="LSTM", dropout=0.5, training=True, **one_step))[
        "differs_from_inference"
    ]
    case = Case(layer="LSTM", recurrent_dropout=0.5, training=True, **SHAPE)
    good = Result(
        case.id, "ok", "tuple", facts={"differs_from_inference": True, "repeatable": True}
    )
    assert fact_problems(case, good) == []
    bad = Result(
        case.id, "ok", "tuple", facts={"differs_from_inference": False, "repeatable": True}
    )
    assert [p.text for p in fact_problems(case, bad)] == [
        "differs_from_inference: expected True, got False"
    ]


def test_dropout_shows_only_where_it_reaches_a_value_for_any_shape_and_constant():
    """Found by random cases outside the matrices: a one-step case's longer second call
    (a dynamic time axis) has an earlier state to drop; a zero kernel or recurrent kernel
    takes nothing from what dropout drops."""

    def shows(**kw) -> bool:
        case = Case(layer="LSTM", training=True, **dict(SHAPE, timesteps=1) | kw)
        return expected_facts(case)["differs_from_inference"]

    assert not shows(recurrent_dropout=0.5)
    assert shows(recurrent_dropout=0.5, dynamic_time=True)  # called again at T=1+3
    assert shows(recurrent_dropout=0.5, timesteps=2)
    zero_recurrent = Constant(kernel=0.1, recurrent=0.0, bias=0.1)
    assert not shows(recurrent_dropout=0.5, timesteps=4, weights=zero_recurrent)
    assert shows(dropout=0.5)
    assert not shows(dropout=0.5, weights=Constant(kernel=0.0, recurrent=0.2, bias=0.1))
    # a zero kernel and bias under tanh: the state never leaves 0, nothing to drop
    assert not shows(dropout=0.5, recurrent_dropout=0.5, timesteps=4, weights=Constant(kernel=0.0))
    moving = Constant(kernel=0.0, recurrent=0.1, bias=0.1)
    assert shows(dropout=0.5, recurrent_dropout=0.5, timesteps=4, weights=moving)


def test_tolerance_follows_the_compute_dtype():
    atol = {
        d: tolerance(Case(layer="LSTM", dtype=d, **SHAPE))[0]
        for d in ("float64", "float32", "mixed_float16", "mixed_bfloat16")
    }
    assert (
        atol["float64"]
        < 1e-14
        < atol["float32"]
        < 1e-5
        < atol["mixed_float16"]
        < atol["mixed_bfloat16"]
    )
    assert output_dtype(Case(layer="LSTM", dtype="mixed_bfloat16", **SHAPE)) == "bfloat16"
    f64 = Case(layer="LSTM", dtype="float64", **SHAPE)
    assert output_dtype(f64, "jax") == "float32"  # JAX without jax_enable_x64
    assert tolerance(f64, "jax") == tolerance(Case(layer="LSTM", **SHAPE))


@pytest.mark.keras
@pytest.mark.parametrize("rate", ["dropout", "recurrent_dropout"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_training_dropout_is_seeded_and_has_an_effect(rate, bidirectional, rnn_session):
    from rnn_shapes.keras.run import run_keras

    case = Case(layer="LSTM", bidirectional=bidirectional, training=True, **{rate: 0.5}, **SHAPE)
    result = run_keras(case)
    assert result.outcome == "ok", result.error
    assert result.facts == {"differs_from_inference": True, "repeatable": True}
    again = run_keras(case)  # a later run of the same case draws the same masks
    for a, b in zip(result.outputs, again.outputs, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.keras
@pytest.mark.parametrize("dtype", ["float64", "mixed_float16", "mixed_bfloat16"])
def test_precision_outputs_have_the_compute_dtype(dtype, rnn_session):
    from rnn_shapes import check_case

    verdict = check_case(Case(layer="GRU", bidirectional=True, dtype=dtype, **SHAPE))
    assert verdict.agrees, verdict.explain()
    assert set(verdict.result.dtypes) == {output_dtype(verdict.case)}


@pytest.mark.keras
def test_constant_cases_run_on_models_built_with_keras_initializers(rnn_session):
    """A Constant case's model holds what Keras' Constant initializers made, also
    after a distinct case of the same configuration had its weights assigned."""
    from rnn_shapes.keras.build import rnn_layers
    from rnn_shapes.keras.run import prepared_model

    constant = Case(layer="LSTM", weights=TUTORIAL_CONSTANT, **SHAPE)
    distinct = Case(layer="LSTM", **SHAPE)
    for case in (constant, distinct, constant):
        cell = rnn_layers(prepared_model(case, reuse=True).layers[-1])[0].cell
        kernel, bias = np.asarray(cell.kernel.numpy()), np.asarray(cell.bias.numpy())
        is_constant = bool(np.all(kernel == np.float32(TUTORIAL_CONSTANT.kernel)))
        assert is_constant == (case is constant)
    # LSTM's unit_forget_bias: Keras' initializer makes the forget block ones
    assert np.all(bias[3:6] == 1.0) and np.all(bias[:3] == TUTORIAL_CONSTANT.bias)


LIVE = option_cases()[::13]  # 13 is prime: no aliasing with the axes (asserted below)


def test_live_slice_covers_every_option_value():
    assert {c.activation for c in LIVE} == {"tanh", "relu", "sigmoid", "linear"}
    assert {c.recurrent_activation for c in LIVE} == {"sigmoid", "hard_sigmoid", "tanh", "linear"}
    assert {c.dtype for c in LIVE} == {"float32", "float64", "mixed_float16", "mixed_bfloat16"}
    assert {(c.dropout, c.recurrent_dropout, c.training, c.predict) for c in LIVE} >= {
        (0.5, 0.0, True, False),
        (0.0, 0.5, True, False),
        (0.5, 0.0, False, True),
        (0.0, 0.5, False, False),
    }
    assert {c.use_bias for c in LIVE} == {True, False}
    assert {c.layer_tag for c in LIVE} == {"SimpleRNN", "LSTM", "GRU-ra1", "GRU-ra0"}


@pytest.mark.keras
@pytest.mark.parametrize("case", LIVE, ids=[c.id for c in LIVE])
def test_option_case_agrees_with_keras(case, rnn_session):
    verdict = rnn_session.live(case)
    assert verdict.agrees, verdict.explain()


def test_dropout_shows_nowhere_when_every_step_is_masked_and_from_a_carried_state():
    """One row, masked: no step is computed. A stateful layer's second call starts
    from the state the first left, so recurrent dropout shows even at T=1."""
    one = dict(SHAPE, batch=1, timesteps=1, return_sequences=False, return_state=False)
    masked = Case(layer="GRU", dropout=0.5, training=True, mask="row", **one)
    assert expected_facts(masked)["differs_from_inference"] is False
    two_rows = Case(layer="GRU", dropout=0.5, training=True, mask="row", **dict(one, batch=2))
    assert expected_facts(two_rows)["differs_from_inference"] is True
    carried = Case(layer="GRU", recurrent_dropout=0.5, training=True, stateful=True, **one)
    assert expected_facts(carried)["differs_from_inference"] is True
    relu = Case(layer="GRU", dropout=0.5, training=True, activation="relu", **one)
    assert expected_facts(relu) == {"repeatable": True}


@pytest.mark.keras
def test_a_training_run_that_overflows_is_repeatable(rnn_session):
    """Linear gates over seven steps overflow to NaN alike in two seeded runs: NaN is
    equal to NaN in the facts (the runner once said 'not repeatable')."""
    from rnn_shapes.keras.run import run_keras

    case = Case(
        layer="GRU", units=5, batch=5, timesteps=7, features=1, activation="linear",
        recurrent_activation="linear", weights=Constant(0.2, 0.5, 0.3), dropout=0.5,
        recurrent_dropout=0.5, training=True,
    )  # fmt: skip
    result = run_keras(case)
    assert np.isnan(result.outputs[0]).any()
    assert result.facts == {"differs_from_inference": True, "repeatable": True}


def test_a_stateful_layer_that_starts_from_zeros_carries_zeros():
    """A zero kernel and no bias: nothing below reaches the layer, its state stays 0
    through every call, so dropout has nothing to change (a random case of
    2026-12-07); given initial states, it has."""
    from dataclasses import replace

    from rnn_shapes.cases.axes import Lower
    from rnn_shapes.cases.signature import expected_facts

    case = Case(
        layer="LSTM", units=1, batch=1, timesteps=9, features=1, stateful=True,
        use_bias=False, weights=Constant(0.0, 0.2, 0.1), recurrent_activation="hard_sigmoid",
        dropout=0.5, recurrent_dropout=0.5, training=True,
        stack=(Lower("SimpleRNN", 9, stateful=True),),
    )  # fmt: skip
    assert expected_facts(case) == {"differs_from_inference": False, "repeatable": True}
    started = replace(case, initial_state="input")
    assert expected_facts(started) == {"differs_from_inference": True, "repeatable": True}

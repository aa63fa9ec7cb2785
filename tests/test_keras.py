"""Live Keras against the rules and the oracle, parametrised over the matrix."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_shapes import run_oracle
from rnn_shapes.check import rejection_problems, signature_problems, value_problems
from rnn_shapes.keras_runner import build_model, packed_weights, rnn_layers

pytestmark = pytest.mark.keras


def test_refusals(refused_case, keras_run, keras_major):
    """Keras refuses the cases its version's rule says it refuses, for that reason."""
    assert rejection_problems(refused_case, keras_run(refused_case), keras_major) == []


def test_signature(live_case, keras_run, keras_major):
    """Built, not refused; arity, order, shapes, dtypes and container as the rules say."""
    result = keras_run(live_case)
    assert rejection_problems(live_case, result, keras_major) == []
    assert signature_problems(live_case, result) == []


def test_values(live_case, keras_run):
    """float32 Keras within the case's tolerance of the float64 oracle (check.tolerance)."""
    result = keras_run(live_case)
    assert result.outcome == "ok", result.error
    assert value_problems(live_case, result.outputs, run_oracle(live_case)) == []


def test_predict_path(predict_case, keras_run, keras_major):
    """Model.predict returns what a direct call returns, in the same container."""
    via_predict = keras_run(predict_case, "predict")
    via_call = keras_run(predict_case, "call")
    assert rejection_problems(predict_case, via_predict, keras_major) == []
    assert signature_problems(predict_case, via_predict) == []
    assert via_predict.container == via_call.container
    assert value_problems(predict_case, via_predict.outputs, run_oracle(predict_case)) == []


def test_weights_layout(weights_case):
    """get_weights() holds the case's weights: forward kernel, recurrent, bias, then backward.

    For Constant weights Keras' own initializers made them, so this pins their
    semantics (LSTM's forget block of ones, GRU's (2, 3U) bias); for "distinct"
    it pins the order and shapes. That the gates sit in the right blocks is
    proven by the values against the oracle, which knows gates only by meaning.
    """
    model = build_model(weights_case)
    layer = model.layers[-1]
    expected = []
    for direction, _ in enumerate(rnn_layers(layer)):
        packed = packed_weights(weights_case, direction)
        expected += [packed["kernel"], packed["recurrent_kernel"], packed["bias"]]
    got = layer.get_weights()
    assert [w.shape for w in got] == [e.shape for e in expected]
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(g, e.astype(np.float32))

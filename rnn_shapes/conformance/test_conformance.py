"""Live Keras against the rules, the NumPy oracle and the environment's golden set.

One test per case judges every aspect at once (refusal rule, arity, order,
shapes, dtypes, container, values, the recorded result), so a failure names
each aspect that failed and pytest's overhead is paid once per case.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_shapes.check import REGEN_HINT, signature_problems, value_problems
from rnn_shapes.defects import listed
from rnn_shapes.golden.sets import stale_and_missing
from rnn_shapes.oracle import run_oracle
from rnn_shapes.plugin.summary import OUTCOME_KEY

pytestmark = [pytest.mark.rnn_shapes, pytest.mark.keras]


def test_case(rnn_case, rnn_session, request):
    """Keras builds (or refuses, as its version's rule says) and returns what the rules,
    the oracle and the golden set say, within the case's tolerance (check.tolerance)."""
    verdict = rnn_session.judge(rnn_case)
    request.node.user_properties.append((OUTCOME_KEY, rnn_session.outcome(verdict)))
    assert verdict.agrees, verdict.explain()


def test_golden_set(rnn_session):
    """The environment has a golden set, and it holds exactly the matrix's cases."""
    golden = rnn_session.golden()
    if golden is None:
        why = rnn_session.why_no_golden()
        if rnn_session.regen:
            pytest.skip(why)
        if rnn_session.require:
            pytest.fail(f"{why} (--rnn-require-golden)", pytrace=False)
        pytest.skip(f"values checked against the oracle only: {why}")
    stale, missing = stale_and_missing(golden, rnn_session.matrix_name)
    assert not (stale or missing), (
        f"{golden.path} is stale ({REGEN_HINT}):\n"
        + "".join(f"  not in the matrix: {cid}\n" for cid in stale)
        + "".join(f"  not in the set: {cid}\n" for cid in missing)
    )


def _unless_a_listed_defect(case, env) -> None:
    """A case a listed defect applies to in this environment cannot show what these
    tests check (Keras 3.0-3.1 cannot build a Bidirectional with return_state, say):
    reported as an expected failure naming the defect; test_case checks it shows."""
    defect = listed(case, env)
    if defect is not None:
        pytest.xfail(f"listed defect {defect.name!r} applies in this environment")


def test_predict_path(rnn_predict_case, rnn_session):
    """Model.predict returns what a direct call returns, in the same container."""
    _unless_a_listed_defect(rnn_predict_case, rnn_session.env)
    via_predict = rnn_session.run(rnn_predict_case, "predict")
    via_call = rnn_session.run(rnn_predict_case, "call")
    assert via_predict.outcome == "ok", via_predict.error
    backend = rnn_session.env.backend
    assert signature_problems(rnn_predict_case, via_predict, backend) == []
    assert via_predict.container == via_call.container
    expected = run_oracle(rnn_predict_case, keras_major=rnn_session.keras_major)
    assert value_problems(rnn_predict_case, via_predict.outputs, expected, backend) == []


def test_weights_layout(rnn_weights_case, rnn_session):
    """get_weights() holds the case's weights: forward kernel, recurrent, bias, then backward.

    For Constant weights Keras' own initializers made them, so this pins their
    semantics (LSTM's forget block of ones, GRU's (2, 3U) bias); for "distinct"
    it pins the order and shapes. That the gates sit in the right blocks is
    proven by the values against the oracle, which knows gates only by meaning.
    """
    from rnn_shapes.keras.build import build_model, packed_weights, rnn_layers

    _unless_a_listed_defect(rnn_weights_case, rnn_session.env)
    model = build_model(rnn_weights_case)
    layer = model.layers[-1]
    expected = []
    for direction, _ in enumerate(rnn_layers(layer)):
        expected += packed_weights(rnn_weights_case, direction).values()  # kernel, recurrent, bias
    got = layer.get_weights()
    assert [w.shape for w in got] == [e.shape for e in expected]
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(g, e.astype(g.dtype))

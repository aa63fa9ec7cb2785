"""Break the oracle on purpose: the comparison with live Keras must notice.

Each mutation is one plausible mistake of a reimplementation. A harness whose
checks stay green under these would prove nothing.
"""

from __future__ import annotations

import pytest

from rnn_shapes import Case, Constant
from rnn_shapes import oracle as oracle_module
from rnn_shapes.cases.axes import TUTORIAL_CONSTANT
from rnn_shapes.judge import Judge
from rnn_shapes.selftest.oracle_faults import ORACLE_FAULTS, SHAPE, swapped

pytestmark = pytest.mark.keras


@pytest.mark.parametrize("name", ORACLE_FAULTS)
def test_mutated_oracle_is_caught(name, monkeypatch, rnn_session):
    attr, replacement, case = ORACLE_FAULTS[name]
    result = rnn_session.run(case)
    assert Judge(rnn_session.env)(case, result).agrees  # sound as it is
    monkeypatch.setattr(oracle_module, attr, replacement)
    verdict = Judge(rnn_session.env)(case, result)  # a fresh judge: nothing memoised
    assert not verdict.agrees, f"mutation {name!r} went unnoticed"


def test_constant_weights_cannot_see_a_gate_swap(monkeypatch, rnn_session):
    """Why the 'distinct' scheme exists: equal gates hide a c<->o mix-up."""
    case = Case(layer="LSTM", weights=TUTORIAL_CONSTANT, **SHAPE)
    assert isinstance(case.weights, Constant)
    result = rnn_session.run(case)
    monkeypatch.setattr(oracle_module, "direction_weights", swapped("c", "o"))
    assert Judge(rnn_session.env)(case, result).agrees

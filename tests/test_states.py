"""Initial states: the oracle's rule by construction, and live Keras on a slice.

Rule (rnn_shapes/oracle.py): the list is the layer's states in order ([h] or
LSTM's [h, c]); Bidirectional gives the first half to the forward copy and the
second to the backward copy; a masked leading step keeps them, and outputs 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_shapes import Case, run_oracle
from rnn_shapes.cases.blocks import state_cases
from rnn_shapes.cases.inputs import inputs
from rnn_shapes.cases.states import initial_states, state_units
from rnn_shapes.oracle import run_direction

SHAPE = dict(units=3, batch=3, timesteps=5, features=2, return_sequences=True, return_state=True)


@pytest.mark.parametrize("layer", ["SimpleRNN", "LSTM", "GRU"])
def test_states_start_from_the_given_ones(layer):
    case = Case(layer=layer, initial_state="constant", **SHAPE)
    x = inputs(case).astype(np.float64)
    start = initial_states(case)
    assert len(start) == len(state_units(case)) and len({a.tobytes() for a in start}) == len(start)
    assert all(len(np.unique(a)) == a.size for a in start)  # distinct per row and unit
    seq = run_direction(case, x[:, :1], 0, False, start=start)[0]  # one step by hand
    zero = run_direction(case, x[:, :1], 0, False)[0]
    assert not np.allclose(seq, zero)  # the start matters
    got = run_oracle(case)
    np.testing.assert_allclose(got[0][:, :1], seq, rtol=0, atol=0)


def test_bidirectional_splits_forward_first():
    case = Case(layer="LSTM", bidirectional=True, merge_mode=None, initial_state="input", **SHAPE)
    x = inputs(case).astype(np.float64)
    h = initial_states(case)
    fwd, bwd, fh, fc, bh, bc = run_oracle(case)
    fseq, (fh2, fc2) = run_direction(case, x, 0, False, start=h[:2])
    bseq, (bh2, bc2) = run_direction(case, x, 1, True, start=h[2:])
    np.testing.assert_array_equal(fwd, fseq)
    np.testing.assert_array_equal(bwd, bseq[:, ::-1])
    for got, want in ((fh, fh2), (fc, fc2), (bh, bh2), (bc, bc2)):
        np.testing.assert_array_equal(got, want)


def test_masked_row_keeps_its_initial_state_and_outputs_zero():
    case = Case(layer="GRU", mask="row", mask_via="call", initial_state="input", **SHAPE)
    seq, h = run_oracle(case)
    np.testing.assert_array_equal(h[-1], initial_states(case)[0][-1])
    assert not seq[-1].any()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"initial_state": "random"}, "initial_state"),
        ({"initial_state": "input", "state_form": "telepathic"}, "state_form"),
        ({"state_form": "positional"}, "state_form"),
    ],
)
def test_impossible_state_cases_name_the_field(changes, field):
    with pytest.raises(ValueError, match=rf"field '{field}'"):
        Case(layer="LSTM", **SHAPE, **changes)


LIVE = state_cases()[::11]  # 11 is prime: no aliasing with the axes (asserted below)


def test_live_slice_covers_every_axis_value():
    assert {c.initial_state for c in LIVE} == {"constant", "input"}
    assert {c.state_form for c in LIVE} == {"keyword", "positional", "named"}
    assert {(c.mask, c.mask_via) for c in LIVE} == {
        (None, "layer"),
        ("left", "layer"),
        ("left", "call"),
        ("row", "call"),
    }
    assert {c.layer_tag for c in LIVE} == {"SimpleRNN", "LSTM", "GRU-ra1", "GRU-ra0"}


@pytest.mark.keras
@pytest.mark.parametrize("case", LIVE, ids=[c.id for c in LIVE])
def test_initial_state_case_agrees_with_keras(case, rnn_session):
    verdict = rnn_session.live(case)
    assert verdict.agrees, verdict.explain()


def test_keras_2_refuses_numpy_initial_states_by_rule():
    from rnn_shapes.cases.signature import expected_rejection

    constant = Case(layer="LSTM", initial_state="constant", **SHAPE)
    assert expected_rejection(constant, 2, "tensorflow") == "Expected a symbolic tensor instance"
    assert expected_rejection(constant, 3, "tensorflow") is None
    assert (
        expected_rejection(Case(layer="LSTM", initial_state="input", **SHAPE), 2, "tensorflow")
        is None
    )

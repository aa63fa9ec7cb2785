"""unroll=True gives the loop's numbers (the oracle has no unrolled variant),
except where a listed defect says otherwise; checked live on a slice."""

from __future__ import annotations

import pytest

from rnn_shapes import Case
from rnn_shapes.cases.blocks import unroll_cases
from rnn_shapes.defects import listed
from rnn_shapes.environment import Environment

LIVE = unroll_cases()[::7]  # 7 is prime: no aliasing with the axes (asserted below)
K315 = Environment(tensorflow="2.21.0", keras="3.15.1", backend="tensorflow")


def test_slice_covers_the_axes_and_the_listed_defect():
    assert {c.mask for c in LIVE} == {None, "right", "left", "hole", "row", "none"}
    assert {c.layer_tag for c in LIVE} == {"SimpleRNN", "LSTM", "GRU-ra1", "GRU-ra0"}
    assert {c.go_backwards for c in LIVE} == {False, True}
    assert any(listed(c, K315) for c in LIVE)  # the defect's strictness is exercised


def test_unroll_appears_in_the_id_only_when_set():
    plain = Case(layer="GRU", units=2, batch=1, timesteps=3, features=1)
    assert "unroll" not in plain.id
    assert Case(layer="GRU", units=2, batch=1, timesteps=3, features=1, unroll=True).id == (
        plain.id + "-unroll"
    )


@pytest.mark.keras
@pytest.mark.parametrize("case", LIVE, ids=[c.id for c in LIVE])
def test_unrolled_case_agrees_with_keras(case, rnn_session):
    verdict = rnn_session.live(case)
    assert verdict.agrees, verdict.explain()

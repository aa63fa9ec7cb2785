"""Masks: the oracle's rule for masked steps, by construction and against live Keras.

The rule (rnn_shapes/oracle.py): a masked step keeps every state and repeats
the previous output (0 before the first real step; 0 under
zero_output_for_mask); Bidirectional forces zero_output_for_mask to
return_sequences. The by-construction tests need no Keras: the final states of
a masked row are those of a run over its real steps alone.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rnn_shapes import Case, run_oracle
from rnn_shapes.cases.blocks import mask_cases
from rnn_shapes.cases.inputs import inputs
from rnn_shapes.cases.masks import MASK_VALUE, mask_of, mask_text, masked_inputs
from rnn_shapes.cases.signature import expected_masks
from rnn_shapes.check import mask_problems, received_problems
from rnn_shapes.oracle import run_direction
from rnn_shapes.result import Result

BASE = dict(units=3, batch=3, timesteps=5, features=2, return_sequences=True, return_state=True)


def masked(layer: str = "LSTM", **kw) -> Case:
    return Case(layer=layer, **{**BASE, **kw})


@pytest.mark.parametrize("pattern", ["right", "left", "hole", "none"])
@pytest.mark.parametrize("backwards", [False, True])
def test_final_states_are_those_of_the_real_steps_alone(pattern, backwards):
    case = masked(mask=pattern, go_backwards=backwards)
    x, mask = inputs(case).astype(np.float64), mask_of(case)
    _, h, c = run_oracle(case)
    for row in range(case.batch):
        real = x[row : row + 1, mask[row]]  # only this row's real steps, in order
        _, (h_row, c_row) = run_direction(case, real, 0, backwards)
        np.testing.assert_allclose(h[row], h_row[0], rtol=0, atol=1e-15)
        np.testing.assert_allclose(c[row], c_row[0], rtol=0, atol=1e-15)


def test_masked_steps_repeat_the_last_output_and_zeros_before_any():
    seq, h, _ = run_oracle(masked(mask="left"))
    mask = mask_of(masked(mask="left"))
    for row in range(3):
        first = int(np.argmax(mask[row]))
        assert np.all(seq[row, :first] == 0.0)  # left padding: nothing to repeat yet
    right = masked(mask="right")
    seq, h, _ = run_oracle(right)
    last_real = mask_of(right).sum(axis=1) - 1
    for row, t in enumerate(last_real):
        assert np.all(seq[row, t:] == seq[row, t])  # carried to the end
        np.testing.assert_array_equal(seq[row, -1], h[row])


def test_fully_masked_row_outputs_and_states_are_zero():
    seq, h, c = run_oracle(masked(mask="row"))
    assert not seq[-1].any() and not h[-1].any() and not c[-1].any()
    assert seq[0].any()


def test_zero_output_for_mask_zeroes_masked_steps_and_the_last_output():
    case = masked(mask="right", zero_output_for_mask=True)
    seq = run_oracle(case)[0]
    assert np.all(seq[~mask_of(case)] == 0.0)
    last = run_oracle(masked(mask="right", zero_output_for_mask=True, return_sequences=False))[0]
    assert not last[1:].any() and last[0].any()  # rows 1, 2 end masked: their last output is 0


def test_bidirectional_forces_zero_output_to_return_sequences():
    seq = run_oracle(masked(mask="right", bidirectional=True, merge_mode=None))
    assert np.all(seq[0][~mask_of(masked(mask="right"))] == 0.0)  # forward copy zeroed


def test_masking_layer_inputs_mark_exactly_the_masked_steps():
    case = masked(mask="hole", features=3)
    x = masked_inputs(case)
    np.testing.assert_array_equal(np.all(x == MASK_VALUE, axis=-1), ~mask_of(case))
    assert np.all(np.abs(inputs(case)) <= 1.0)  # generated inputs never hit MASK_VALUE


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mask": "diagonal"}, "mask"),
        ({"mask": "right", "mask_via": "telepathy"}, "mask_via"),
        ({"mask_via": "call"}, "mask_via"),
        ({"mask": "hole", "timesteps": 2}, "mask"),
        ({"mask": "right", "timesteps": 1}, "mask"),
    ],
)
def test_impossible_mask_cases_name_the_field(changes, field):
    with pytest.raises(ValueError, match=rf"field '{field}'"):
        masked(**changes)


def test_mask_text_writes_rows_of_real_and_masked_steps():
    assert mask_text(np.array([[True, True, False], [False, True, True]])) == "110/011"


@pytest.mark.parametrize("backwards", [False, True])
def test_sequence_outputs_hand_on_the_mask_as_given_and_states_none(backwards):
    case = masked(mask="right", go_backwards=backwards)
    given = mask_text(mask_of(case))
    assert expected_masks(case) == (given, None, None)  # LSTM: output, h, c
    assert expected_masks(masked(mask="right", return_sequences=False)) == (None, None, None)
    bi = masked(mask="right", bidirectional=True, merge_mode=None, return_state=False)
    assert expected_masks(bi) == (given, given)
    assert expected_masks(masked()) is None


def test_a_reversed_or_missing_mask_is_a_problem():
    case = masked(mask="right", return_state=False, go_backwards=True)
    given = mask_text(mask_of(case))
    reversed_rows = "/".join(row[::-1] for row in given.split("/"))
    assert reversed_rows != given

    def problems(masks):
        return mask_problems(case, Result(case.id, "ok", "tensor", masks=masks))

    assert problems((given,)) == []
    assert "mask expected" in problems((reversed_rows,))[0].text
    assert "expected" in problems(None)[0].text
    assert "Keras raised TypeError" in problems("TypeError: x")[0].text
    assert [p.kind for p in problems((reversed_rows,))] == ["mask"]


def test_a_mask_the_tensor_does_not_carry_is_a_problem():
    """What compute_mask says and what the returned tensor carries (what a next layer
    reads) must agree: a layer that computes the mask but drops it is seen."""
    case = masked(mask="right", return_state=True)
    said = expected_masks(case)

    def problems(received):
        result = Result(case.id, "ok", "list", masks=said, received=received)
        return received_problems(case, result)

    assert problems(said) == [] and problems(None) == []  # None: not observed (predict)
    dropped = problems((None,) * len(said))
    assert [p.kind for p in dropped] == ["received"] and "compute_mask says" in dropped[0].text
    assert dropped[0].output == 0


@pytest.mark.keras
def test_a_live_masked_case_observes_the_mask_it_hands_on(rnn_session):
    from rnn_shapes.keras.run import run_keras

    case = masked(mask="left", return_state=True)
    result = run_keras(case, reuse=False)
    assert result.received is not None and result.received == result.masks
    assert run_keras(replace(case, predict=True), reuse=False).received is None


def test_ids_name_the_mask_only_when_there_is_one():
    plain = masked()
    assert "mask" not in plain.id
    assert masked(mask="left", mask_via="call", zero_output_for_mask=True).id == (
        plain.id + "-mask_left_by_call-zero_output"
    )


# Every 13th masked case of the full matrix, for CI (the full matrix runs them
# all): 13 is prime, so the stride does not alias with the axes' lengths, and
# the test below proves every value of every axis is met.
LIVE = mask_cases()[::13]


def test_live_slice_covers_every_axis_value():
    seen = {(c.mask, c.mask_via, c.layer_tag, c.direction) for c in LIVE}
    assert {c.mask for c in LIVE} == {"right", "left", "hole", "row", "none"}
    assert {c.mask_via for c in LIVE} == {"layer", "call", "embedding"}
    assert {c.zero_output_for_mask for c in LIVE} == {False, True}
    assert {c.go_backwards for c in LIVE} == {False, True}
    assert {c.timesteps for c in LIVE} == {1, 5}
    assert {c.layer_tag for c in LIVE} == {"SimpleRNN", "LSTM", "GRU-ra1", "GRU-ra0"}
    assert len({c.direction for c in LIVE}) == 6 and len(seen) > 40


@pytest.mark.keras
@pytest.mark.parametrize("case", LIVE, ids=[c.id for c in LIVE])
def test_masked_case_agrees_with_keras(case, rnn_session):
    verdict = rnn_session.live(case)
    assert verdict.agrees, verdict.explain()

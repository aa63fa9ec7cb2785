"""The Case refuses only what Keras cannot express (docs/notes/case-refusals.md): each
rule it keeps is listed there with its evidence, and what Keras accepts the Case
accepts, with the rules and the oracle that say what it must return."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnn_shapes import Case, run_oracle
from rnn_shapes.cases.axes import SAMPLES, Lower
from rnn_shapes.cases.rules import CASE_RULES, CHECKS, RULES, Kept
from rnn_shapes.cases.signature import expected_rejection, signature

NOTE = Path(__file__).parents[1] / "docs" / "notes" / "case-refusals.md"
SHAPE = dict(units=3, batch=2, timesteps=4, features=2)
SAMPLE, (B, T, D) = next(iter(SAMPLES.items()))

# A case for each rule the designs keep to and the Case no longer asks of a case
# (Kept), by the rule's reason: Keras accepts each (scripts/probe_refusals.py).
ACCEPTED = {
    "only meaningful with a mask": dict(layer="GRU", zero_output_for_mask=True),
    "only an LSTM with a bias has a forget bias": dict(
        layer="LSTM", use_bias=False, unit_forget_bias=False
    ),
    "training=True changes nothing without dropout (set a rate)": dict(layer="GRU", training=True),
    "relu's zero region can hide dropout entirely; take another activation": dict(
        layer="SimpleRNN", training=True, dropout=0.5, activation="relu"
    ),
    "a training call is a single direct call (not stateful, not predict)": dict(
        layer="LSTM", training=True, dropout=0.5, stateful=True
    ),
    "a stateful case starts from its stored states (zeros)": dict(
        layer="GRU", stateful=True, initial_state="input"
    ),
    "Bidirectional splits the initial states in half: both layers need as many": dict(
        layer="GRU", bidirectional=True, backward_layer="LSTM", initial_state="input"
    ),
    "the designs stack layers under a layer that is not stateful": dict(
        layer="LSTM", stateful=True, stack=(Lower("GRU", 4, stateful=True),)
    ),
    "the designs call only a stateful layer at another batch": dict(
        layer="LSTM", stack=(Lower("GRU", 4, stateful=True),), call_batch=3
    ),
    "the designs call a stateful layer at one length": dict(
        layer="GRU", stateful=True, dynamic_time=True
    ),
    "a training call's values are random: nothing to compare after loading": dict(
        layer="GRU", training=True, dropout=0.5, save="keras"
    ),
    "the tutorials' samples feed a single layer": dict(
        layer="LSTM", batch=B, timesteps=T, features=D, sample=SAMPLE, stack=(Lower("GRU", 3),)
    ),
}


def _case(fields: dict) -> Case:
    return Case(**{**SHAPE, **fields})


def test_each_rule_only_the_designs_keep_has_a_case_the_case_accepts():
    kept = {rule.why: rule for rule in RULES if isinstance(rule, Kept)}
    assert set(ACCEPTED) == set(kept)
    for why, fields in ACCEPTED.items():
        assert kept[why].broken(vars(_case(fields))), why  # the example breaks that rule


def test_every_rule_the_case_keeps_is_in_the_note_with_its_evidence():
    note = NOTE.read_text(encoding="utf-8")
    missing = [rule.why for rule in CASE_RULES if rule.why not in note]
    missing += [c.__name__ for c in CHECKS if callable(c) and f"`{c.__name__}`" not in note]
    assert not missing, f"{NOTE.name} does not list: {missing}"


@pytest.mark.parametrize("forward", ["SimpleRNN", "GRU"])
def test_bidirectional_initial_states_split_at_half_their_number(forward):
    """Keras 3 gives the forward layer len // 2 of them: a one-state forward layer
    beside an LSTM takes its one; Keras 2 refuses an odd number."""
    case = _case(
        dict(layer=forward, bidirectional=True, backward_layer="LSTM", initial_state="input",
             return_state=True, return_sequences=True)
    )  # fmt: skip
    sig = signature(case)
    assert sig.names == ("output", "forward_h", "backward_h", "backward_c")
    assert [o.shape for o in run_oracle(case)] == [tuple(s) for s in sig.shapes]
    assert "the state should be a list" in expected_rejection(case, 2, "tensorflow")
    assert expected_rejection(case, 3, "tensorflow") is None
    with pytest.raises(ValueError, match="field 'initial_state': Bidirectional gives"):
        _case(dict(layer="LSTM", bidirectional=True, backward_layer=forward, initial_state="input"))


@pytest.mark.parametrize("merge", ["sum", "mul", "ave"])
@pytest.mark.parametrize(("units", "backward"), [(1, 4), (4, 1)])
def test_an_elementwise_merge_broadcasts_a_width_of_one(merge, units, backward):
    case = _case(
        dict(layer="GRU", units=units, bidirectional=True, merge_mode=merge, backward_layer="GRU",
             backward_units=backward, return_sequences=True)
    )  # fmt: skip
    (out,) = run_oracle(case)
    assert out.shape == signature(case).shapes[0] == (2, 4, 4)
    assert expected_rejection(case, 3, "tensorflow", 15) is None
    assert "same number of units" in expected_rejection(case, 3, "tensorflow", 16)  # keras#23687
    with pytest.raises(ValueError, match="field 'backward_units'"):
        _case(dict(layer="GRU", bidirectional=True, merge_mode=merge, backward_layer="GRU",
                   backward_units=2))  # fmt: skip


def test_a_stateful_layer_below_carries_its_states_into_the_second_call():
    top = dict(layer="LSTM", stateful=True, return_sequences=True)
    carried = run_oracle(_case({**top, "stack": (Lower("GRU", 4, stateful=True),)}))
    fresh = run_oracle(_case({**top, "stack": (Lower("GRU", 4),)}))
    same = [np.array_equal(a, b) for a, b in zip(carried, fresh, strict=True)]
    assert same == [True, False, True]  # the calls: x; x reversed; x after a reset
    assert _case({**top, "stack": (Lower("GRU", 4, stateful=True),)}).id.endswith("stack_stGRU4")


def test_a_stateful_layer_below_a_layer_that_is_not_makes_a_stateful_model():
    """The lower layer carries its states; the top starts from zeros in every call."""
    case = _case(dict(layer="LSTM", return_sequences=True, stack=(Lower("GRU", 4, stateful=True),)))
    assert case.keeps_states and not case.stateful and "stateful" in case.families
    first, second, third = run_oracle(case)
    np.testing.assert_array_equal(first, third)  # after a reset
    alone = _case(dict(layer="LSTM", return_sequences=True, stack=(Lower("GRU", 4),)))
    (reversed_fresh,) = run_oracle(alone, inputs_reversed(alone))
    assert not np.allclose(second, reversed_fresh)  # the lower layer went on from its states
    assert [tuple(s) for s in signature(case).shapes] == [(2, 4, 3)] * 3
    with pytest.raises(ValueError, match="field 'call_batch': only a model with a stateful"):
        _case(dict(layer="LSTM", stack=(Lower("GRU", 4),), call_batch=3))


def inputs_reversed(case: Case) -> np.ndarray:
    from rnn_shapes.cases.inputs import second_inputs

    return second_inputs(case)


def test_a_stateful_dynamic_time_case_calls_the_longer_input_second():
    """From the states the first call left: not the longer input from zeros."""
    case = _case(dict(layer="GRU", stateful=True, dynamic_time=True, return_sequences=True))
    first, second, third = run_oracle(case)
    assert [o.shape for o in (first, second, third)] == [(2, 4, 3), (2, 7, 3), (2, 4, 3)]
    fresh = run_oracle(_case(dict(layer="GRU", dynamic_time=True, return_sequences=True)))
    np.testing.assert_array_equal(fresh[0], first)
    assert fresh[1].shape == second.shape and not np.allclose(fresh[1], second)
    np.testing.assert_array_equal(first, third)


def test_an_embedding_case_of_any_size_repeats_the_tables_rows():
    """Beyond 8 rows or 128 steps the tokens go round the table: every step is a row."""
    from rnn_shapes.cases.embedding import table, token_ids
    from rnn_shapes.cases.inputs import inputs

    small = _case(dict(layer="GRU", mask="none", mask_via="embedding"))
    big = _case(dict(layer="GRU", batch=10, timesteps=130, mask="none", mask_via="embedding"))
    for case in (small, big):
        ids = token_ids(case)
        np.testing.assert_array_equal(table(2)[ids][ids > 0], inputs(case)[ids > 0])
    np.testing.assert_array_equal(token_ids(big)[:2, :4], token_ids(small))
    assert token_ids(big)[8, 0] == token_ids(big)[0, 0] == 1

"""Model paths: symbolic shapes, a dynamic time axis, explicit backward layers,
stacks, save and load. The rules and the oracle by construction, and live Keras
on the default matrix's path cases.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rnn_shapes import Case, run_oracle
from rnn_shapes import oracle as oracle_module
from rnn_shapes.cases import signature as signature_module
from rnn_shapes.cases.case import Lower, families
from rnn_shapes.cases.inputs import inputs
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.cases.path_blocks import TUTORIAL_STACK, path_cases
from rnn_shapes.cases.paths import backward_case, longer, lower_cases, top_case
from rnn_shapes.cases.signature import (
    expected_facts,
    expected_masks,
    expected_rejection,
    signature,
    symbolic_signature,
)
from rnn_shapes.cases.states import initial_states
from rnn_shapes.check import signature_problems, symbolic_problems
from rnn_shapes.defects import load as load_defects
from rnn_shapes.judge import Judge
from rnn_shapes.result import Result
from rnn_shapes.verdict import Problem

SHAPE = dict(units=3, batch=3, timesteps=5, features=2, return_sequences=True, return_state=True)
ASYMMETRIC = Case(
    layer="LSTM",
    bidirectional=True,
    merge_mode="concat",
    backward_layer="GRU",
    backward_units=5,
    **SHAPE,
)


def result_of(case: Case, outs, symbolic=None, **kw) -> Result:
    """A result as Keras would give it if it followed the rules."""
    sym = symbolic or tuple((s, "float32") for s in symbolic_signature(case).shapes)
    dtypes = tuple(str(o.dtype) for o in outs)
    return Result(
        case.id,
        "ok",
        "tuple" if len(outs) > 1 else "tensor",
        outs,
        dtypes,
        **kw,
        symbolic=sym,
        masks=expected_masks(case),
        facts=expected_facts(case),
    )


# ---------------------------------------------------------------- ids and fields


def test_path_ids_say_the_path_and_keep_the_old_ids():
    plain = Case(layer="LSTM", **SHAPE)
    assert plain.id == "LSTM-uni-seq1-state1-fwd-B3T5D2U3-distinct"  # a golden key
    assert Case(layer="LSTM", dynamic_time=True, **SHAPE).id.endswith("-dynT")
    assert ASYMMETRIC.id.endswith("-bwd_GRU-ra1_U5")
    stacked = Case(layer="GRU", stack=(Lower("LSTM", 4), Lower("SimpleRNN", 2, True)), **SHAPE)
    assert stacked.id.endswith("-stack_LSTM4_biSimpleRNN2")
    assert Case(layer="LSTM", save="config", **SHAPE).id.endswith("-from_config")
    assert Case(layer="LSTM", save="h5", **SHAPE).id.endswith("-save_h5")
    assert stacked.families == ("stack",)
    assert set(ASYMMETRIC.families) == {"backward layer"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"backward_layer": "GRU"}, "backward_layer"),  # not bidirectional
        ({"bidirectional": True, "backward_layer": "CNN"}, "backward_layer"),
        ({"backward_units": 4}, "backward_units"),  # no backward layer
        (
            {
                "bidirectional": True,
                "merge_mode": "sum",
                "backward_layer": "GRU",
                "backward_units": 4,
            },
            "backward_units",
        ),
        (
            {"bidirectional": True, "backward_layer": "GRU", "initial_state": "input"},
            "initial_state",
        ),
        ({"stack": (Lower("CNN", 3),)}, "stack"),
        ({"stack": (Lower("LSTM", 0),)}, "stack"),
        ({"save": "pickle"}, "save"),
        ({"stack": (Lower("GRU", 3, stateful="yes"),)}, "stack"),
    ],
)
def test_impossible_path_cases_name_their_field(changes, field):
    with pytest.raises(ValueError, match=f"Case field '{field}'"):
        Case(layer="LSTM", **{**SHAPE, **changes})


def test_matrices_hold_every_path():
    default = {c.id for c in matrix("default")}
    paths = path_cases()
    assert {c.id for c in paths} <= default
    found = {f for c in paths for f in families(c.id)}
    assert {"dynamic time", "backward layer", "stack", "save/load"} <= found
    predicted = {f for c in matrix("default") if c.predict for f in families(c.id)}
    assert {"dynamic time", "backward layer", "stack", "save/load"} <= predicted
    saved = {f for c in paths if c.save for f in families(c.id)}
    assert set(saved) >= {"core", "masking", "initial state", "stateful", "unroll"} - {"core"}
    assert TUTORIAL_STACK.id in default
    assert {(c.backward_layer, c.layer) for c in paths if c.backward_layer} >= {("GRU", "LSTM")}
    assert any(len(c.stack) == 2 for c in paths) and any(
        lower.bidirectional for c in paths for lower in c.stack
    )


# ---------------------------------------------------------------- rules


def test_asymmetric_signature_follows_each_direction():
    sig = signature(ASYMMETRIC)
    assert sig.names == ("output", "forward_h", "forward_c", "backward_h")
    assert sig.shapes == ((3, 5, 8), (3, 3), (3, 3), (3, 5))
    unmerged = dataclasses.replace(ASYMMETRIC, merge_mode=None, return_state=False)
    assert signature(unmerged).shapes == ((3, 5, 3), (3, 5, 5))


def test_symbolic_signature_has_unknown_batch_and_time():
    dynamic = Case(layer="GRU", dynamic_time=True, **SHAPE)
    assert symbolic_signature(dynamic).shapes == ((None, None, 3), (None, 3))
    stateful = Case(layer="GRU", stateful=True, **SHAPE)
    assert symbolic_signature(stateful).shapes == ((3, 5, 3), (3, 3))


def test_dynamic_case_is_two_calls_with_masks_of_their_length():
    case = Case(layer="LSTM", dynamic_time=True, mask="right", **SHAPE)
    sig = signature(case)
    t2 = longer(case).timesteps
    assert sig.names[0] == "T5 output" and sig.names[3] == f"T{t2} output"
    assert sig.shapes[0] == (3, 5, 3) and sig.shapes[3] == (3, t2, 3)
    masks = expected_masks(case)
    assert len(masks[0].split("/")[0]) == 5 and len(masks[3].split("/")[0]) == t2
    outs = run_oracle(case)
    fixed = dataclasses.replace(case, timesteps=t2, dynamic_time=False)
    np.testing.assert_array_equal(outs[3], run_oracle(fixed)[0])


def test_unroll_needs_the_length_in_keras_2_and_in_keras_3_predict_on_tensorflow():
    case = Case(layer="LSTM", dynamic_time=True, unroll=True, **SHAPE)
    assert (
        expected_rejection(case, 2, "tensorflow")
        == "Unrolling requires a fixed number of timesteps"
    )
    # Keras 2's SimpleRNN refuses it earlier, in RNN.call (found by a random case)
    simple = dataclasses.replace(case, layer="SimpleRNN")
    assert expected_rejection(simple, 2, "tensorflow") == (
        "Cannot unroll a RNN if the time dimension is undefined"
    )
    assert expected_rejection(case, 3, "tensorflow") is None
    predicted = dataclasses.replace(case, predict=True)
    assert expected_rejection(predicted, 3, "tensorflow") == (
        "Cannot unroll a RNN if the time dimension is undefined"
    )
    assert all(expected_rejection(predicted, 3, b) is None for b in ("jax", "torch"))


def test_keras3_takes_a_backward_layer_walking_forwards():
    case = dataclasses.replace(ASYMMETRIC, go_backwards=True)
    plain = dataclasses.replace(case, backward_layer=None, backward_units=None)
    assert expected_rejection(case, 3, "tensorflow") is None and expected_rejection(
        plain, 3, "tensorflow"
    )


def test_symbolic_mismatch_is_a_problem():
    case = Case(layer="GRU", **SHAPE)
    outs = run_oracle(case)
    outs = tuple(o.astype(np.float32) for o in outs)
    assert signature_problems(case, result_of(case, outs)) == []
    wrong = (((None, 5, 6), "float32"), ((None, 3), "float32"))
    problems = symbolic_problems(case, result_of(case, outs, symbolic=wrong))
    assert any(p.text.startswith("symbolic output:") for p in problems)
    assert any(p.text.startswith("symbolic against eager, output output:") for p in problems)
    dtype = (((None, 5, 3), "float16"), ((None, 3), "float32"))
    assert symbolic_problems(case, result_of(case, outs, symbolic=dtype))


def test_saved_case_must_equal_its_original():
    case = Case(layer="GRU", save="keras", **SHAPE)
    outs = tuple(o.astype(np.float32) for o in run_oracle(case))
    assert signature_problems(case, result_of(case, outs)) == []
    differs = dataclasses.replace(result_of(case, outs), facts={"identical_to_original": False})
    assert [p.text for p in signature_problems(case, differs)] == [
        "identical_to_original: expected True, got False"
    ]


# ---------------------------------------------------------------- the oracle


def test_stack_feeds_each_layer_the_previous_sequence():
    case = Case(layer="GRU", stack=(Lower("LSTM", 4), Lower("SimpleRNN", 2, True)), **SHAPE)
    low1, low2 = lower_cases(case)
    assert (low1.features, low2.features, top_case(case).features) == (2, 4, 4)
    x = inputs(case)
    h1 = oracle_module.layer_call(low1, x.astype(np.float64), (None, None), 3, 2)[0][0]
    h2 = oracle_module.layer_call(low2, h1, (None, None), 3, 1)[0][0]
    top = oracle_module.layer_call(top_case(case), h2, (None, None), 3, 0)[0]
    for got, want in zip(run_oracle(case), top, strict=True):
        np.testing.assert_array_equal(got, want)
    # each layer has its own weights: the same layer one place lower differs
    lower = oracle_module.layer_call(top_case(case), h2, (None, None), 3, 1)[0]
    assert not np.allclose(lower[0], top[0])


def test_backward_layer_has_its_own_type_units_and_states():
    back = backward_case(ASYMMETRIC)
    assert (back.layer, back.units, back.reset_after) == ("GRU", 5, True)
    h0 = initial_states(dataclasses.replace(ASYMMETRIC, backward_layer="LSTM"))
    assert h0 is None
    case = Case(
        layer="LSTM",
        bidirectional=True,
        backward_layer="LSTM",
        backward_units=5,
        initial_state="input",
        **SHAPE,
    )
    assert [s.shape for s in initial_states(case)] == [(3, 3), (3, 3), (3, 5), (3, 5)]


def test_defect_explains_only_its_problems():
    entry = next(d for d in load_defects() if d.name.endswith("symbolic-shapes-follow-forward"))
    symbolic = Problem("symbolic", "symbolic output: expected ...", 0, aspect="rules")
    shape = Problem("shape", "output output: shape expected (3, 5, 8), got (3, 5, 6)", 0)
    case = Case(layer="GRU", bidirectional=True, backward_layer="GRU", backward_units=5, **SHAPE)
    assert entry.concerns(case) and not entry.concerns(dataclasses.replace(case, backward_units=3))
    assert entry.explained(symbolic, case)
    assert not entry.explained(dataclasses.replace(shape, aspect="rules"), case)
    assert not entry.explained(dataclasses.replace(symbolic, aspect="golden"), case)  # rules' only


# ---------------------------------------------------------------- live Keras


@pytest.mark.keras
@pytest.mark.parametrize("case", path_cases()[::7], ids=lambda c: c.id)
def test_path_case_agrees_with_keras(case, rnn_session):
    """A slice of the default path cases: live Keras against the rules, the oracle
    and the listed defects; the symbolic outputs are always recorded."""
    result = rnn_session.run(case)
    if result.outcome == "ok":
        assert result.symbolic is not None
    verdict = rnn_session.live(case)
    assert verdict.agrees, verdict.explain()


@pytest.mark.keras
def test_mutation_stack_fed_last_step_only_is_caught(monkeypatch, rnn_session):
    """The stacked oracle broken on purpose: the top layer gets only the last
    step of the layer below, repeated (the seq2seq RepeatVector mistake)."""
    case = Case(layer="LSTM", stack=(Lower("GRU", 4),), **SHAPE)
    result = rnn_session.run(case)
    assert Judge(rnn_session.env)(case, result).agrees
    real = oracle_module.layer_call

    def last_step_only(layer_case, x, start, keras_major=3, depth=0, **kw):
        outs, states = real(layer_case, x, start, keras_major, depth, **kw)
        if depth == 0:
            return outs, states
        seq = np.repeat(outs[0][:, -1:], outs[0].shape[1], axis=1)
        return (seq, *outs[1:]), states

    monkeypatch.setattr(oracle_module, "layer_call", last_step_only)
    verdict = Judge(rnn_session.env)(case, result)  # a fresh judge: nothing memoised
    assert not verdict.agrees and verdict.failed_aspects() == ["oracle"]


@pytest.mark.keras
def test_mutation_asymmetric_signature_with_forward_units_is_caught(monkeypatch, rnn_session):
    """The asymmetric signature broken on purpose: the forward units for both
    directions. The eager shapes go red, whatever the symbolic defect says."""
    case = dataclasses.replace(ASYMMETRIC, backward_layer="LSTM")
    judge = Judge(rnn_session.env)
    result = rnn_session.run(case)
    oracle = judge.expected(case)
    assert judge.against(case, result, oracle).agrees
    real = signature_module.backward_case
    monkeypatch.setattr(
        signature_module, "backward_case", lambda c: dataclasses.replace(real(c), units=c.units)
    )
    verdict = judge.against(case, result, oracle)
    assert not verdict.agrees
    assert any("shape expected (3, 5, 6), got (3, 5, 8)" in p.text for p in verdict.problems)
    assert {p.kind for p in verdict.problems} >= {"shape"}


def test_a_recorded_result_of_another_arity_than_the_rules_is_compared():
    """Keras 3 drops a backward LSTM's cell state (a listed defect): its recorded result
    has fewer outputs than the rules, and comparing it with itself finds nothing."""
    from rnn_shapes.check import golden_problems

    case = dataclasses.replace(ASYMMETRIC, layer="GRU", reset_after=True, backward_layer="LSTM")
    outs = tuple(o.astype(np.float32) for o in run_oracle(case))[:-1]
    short = result_of(case, outs)
    assert golden_problems(case, short, short) == []
    moved = dataclasses.replace(short, outputs=(outs[0] + 1, *outs[1:]))
    assert "output 0 of 3" in golden_problems(case, short, moved)[0].text

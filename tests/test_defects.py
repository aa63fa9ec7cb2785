"""Listed Keras defects: strict reading, selection by a case's fields and the
environment, each problem to the entry that explains it, and strictness in the
verdict (a listed defect that no longer shows fails)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from rnn_shapes import Case, Constant, run_oracle
from rnn_shapes.cases.signature import expected_masks
from rnn_shapes.defects import PATH, concerning, listed, load
from rnn_shapes.environment import Environment
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.judge import Judge
from rnn_shapes.result import Result

K315 = Environment(tensorflow="2.21.0", keras="3.15.1", backend="tensorflow")
K215 = Environment(tensorflow="2.15.1", keras="2.15.0", backend="tensorflow")
SHAPE = dict(units=3, batch=3, timesteps=5, features=2, return_sequences=True, return_state=True)
LISTED = Case(layer="GRU", mask="left", initial_state="input", **SHAPE)


def entry(name: str = "a", **keys: str) -> str:
    """One [[defect]] table, its keys as TOML values; the required ones defaulted."""
    base = {
        "name": f'"{name}"',
        "when": '{ layer = "GRU" }',
        "explains": '[{ problem = "oracle/values" }]',
        "keras": '">=3"',
        "backends": '["tensorflow"]',
        "reason": '"r"',
        "upstream": '""',
    }
    base.update(keys)
    return "[[defect]]\n" + "".join(f"{k} = {v}\n" for k, v in base.items() if v is not None)


@pytest.fixture
def listing(tmp_path, monkeypatch):
    """Judge with the entries of a file written for the test."""
    from rnn_shapes import defects

    def use(*entries: str):
        path = tmp_path / "defects.toml"
        path.write_text("\n".join(entries))
        loaded = load(path)
        monkeypatch.setattr(defects, "load", lambda: loaded)
        return loaded

    return use


def test_committed_file_reads_and_every_entry_is_complete():
    defects = load(PATH)
    assert defects and all(d.reason and d.when and d.explains for d in defects)


def test_selection_by_fields_keras_version_and_backend():
    assert listed(LISTED, K315).name == "initial-state-drops-implicit-mask"
    assert listed(LISTED, K215) is None  # Keras 2 fills the mask
    assert listed(LISTED, replace(K315, backend="mlx")) is None  # a backend it names not
    assert listed(LISTED, None) is None
    by_call = Case(layer="GRU", mask="left", mask_via="call", initial_state="input", **SHAPE)
    assert listed(by_call, K315) is None  # an explicit mask= is kept
    nothing_masked = Case(layer="GRU", mask="none", initial_state="input", **SHAPE)
    assert listed(nothing_masked, K315) is None  # dropping an all-True mask changes nothing
    # a shape no matrix uses is selected by what it is, not by its id
    odd = replace(LISTED, mask="row", batch=1, timesteps=1, features=7, units=1)
    assert listed(odd, K315).name == "initial-state-drops-implicit-mask"


def result_of(case: Case, outputs) -> Result:
    outs = tuple(np.asarray(o, dtype=np.float32) for o in outputs)
    dtypes = tuple("float32" for _ in outs)
    return Result(case.id, "ok", "tuple", outs, dtypes, masks=expected_masks(case))


def test_a_listed_disagreement_is_expected_and_an_agreement_fails():
    oracle = run_oracle(LISTED)
    differs = result_of(LISTED, [o + 0.5 for o in oracle])
    verdict = Judge(K315).against(LISTED, differs, oracle)
    assert verdict.agrees and verdict.defect == "initial-state-drops-implicit-mask"
    assert any(p.aspect == "oracle" for p in verdict.defect_problems)
    fixed = Judge(K315).against(LISTED, result_of(LISTED, oracle), oracle)
    assert not fixed.agrees and "no longer shows" in fixed.problems[0].text
    assert fixed.problems[0].kind == "no-longer-shows"
    assert fixed.failed_aspects() == ["defect"]
    plain = Judge(K215).against(LISTED, differs, oracle)  # not listed there: a disagreement
    assert not plain.agrees and plain.defect is None


REFUSED = '[{ problem = "refusal/refused", error = "TypeError", message = "carry types" }]'


def refused(case: Case, error: str) -> Result:
    return Result(case.id, "rejected", None, error=error)


def test_an_error_is_explained_by_its_type_and_message_only(listing):
    listing(entry(explains=REFUSED))
    case = Case(layer="GRU", **SHAPE)
    mine = Judge(K315).against(case, refused(case, "TypeError: the carry types differ"), None)
    assert mine.agrees and mine.defects == {"a": mine.defect_problems}
    for other in ("ValueError: the carry types differ", "TypeError: cannot concatenate"):
        verdict = Judge(K315).against(case, refused(case, other), None)
        assert not verdict.agrees and verdict.defect is None, other
        # not absorbed: the refusal stays, and the entry says it no longer shows
        assert [p.key for p in verdict.problems] == ["refusal/refused", "defect/no-longer-shows"]


def test_each_problem_goes_to_the_entry_that_explains_it(listing):
    """Two entries concern the case: each takes its own problem; neither absorbs
    the other's, and a third kind of problem stays unexplained."""
    listing(
        entry("values", explains='[{ problem = "oracle/values" }]'),
        entry("received", explains='[{ problem = "rules/received" }]'),
    )
    oracle = run_oracle(LISTED)
    result = replace(result_of(LISTED, [o + 0.5 for o in oracle]), received=(None,) * 3)
    verdict = Judge(K315).against(LISTED, result, oracle)
    assert list(verdict.defects) == ["values", "received"]
    assert {p.key for p in verdict.defects["values"]} == {"oracle/values"}
    assert {p.key for p in verdict.defects["received"]} == {"rules/received"}
    shapeless = replace(result, outputs=result.outputs[:1], dtypes=result.dtypes[:1])
    left = Judge(K315).against(LISTED, shapeless, oracle)
    assert not left.agrees and {p.key for p in left.problems} >= {"rules/arity"}


def test_a_values_bound_explains_what_is_within_it_only(listing):
    listing(entry(explains='[{ problem = "oracle/values", within = "float32" }]'))
    case = Case(layer="GRU", dtype="float64", **SHAPE)
    oracle = run_oracle(case)

    def off_by(delta: float) -> Result:
        outs = tuple(np.asarray(o + delta, dtype=np.float64) for o in oracle)
        return Result(case.id, "ok", "tuple", outs, tuple("float64" for _ in outs))

    assert Judge(K315).against(case, off_by(1e-7), oracle).state == "defect"
    beyond = Judge(K315).against(case, off_by(1e-2), oracle)
    assert beyond.state == "disagree" and beyond.defect is None


def test_unless_leaves_out_cases_the_conditions_select(listing):
    (only,) = listing(entry(when='{ layer = "LSTM" }', unless="{ stateful = true }"))
    lstm = Case(layer="LSTM", **SHAPE)
    assert only.applies(lstm, K315)
    assert not only.applies(replace(lstm, stateful=True), K315)
    assert not only.applies(replace(lstm, layer="GRU"), K315)


def test_may_hide_lets_an_agreeing_case_agree_there_only(listing):
    """Where the entry says the defect may not show, an agreeing case agrees (and
    counts no defect); elsewhere the entry stays strict; a disagreement there is
    still the defect's."""
    listing(entry(may_hide='{ mask = "left" }'))
    oracle = run_oracle(LISTED)
    hidden = Judge(K315).against(LISTED, result_of(LISTED, oracle), oracle)
    assert hidden.agrees and hidden.defect is None
    shown = Judge(K315).against(LISTED, result_of(LISTED, [o + 0.5 for o in oracle]), oracle)
    assert shown.agrees and shown.defect == "a"
    strict = replace(LISTED, mask="right")
    fixed = Judge(K315).against(strict, result_of(strict, run_oracle(strict)), run_oracle(strict))
    assert not fixed.agrees and fixed.problems[0].kind == "no-longer-shows"


def test_a_values_defect_of_a_refused_case_cannot_show(listing):
    """Keras refused the case for a reason another entry explains: the values entry
    is not 'no longer shows' (the case never ran), and a refusal no entry explains
    stays a disagreement."""
    listing(entry("values"), entry("refusal", explains=REFUSED))
    case = Case(layer="GRU", **SHAPE)
    ran_not = Judge(K315).against(case, refused(case, "TypeError: carry types"), None)
    assert ran_not.agrees and list(ran_not.defects) == ["refusal"]
    other = Judge(K315).against(case, refused(case, "ValueError: no"), None)
    assert [p.key for p in other.problems] == ["refusal/refused", "defect/no-longer-shows"]


def test_a_case_refused_as_its_rule_predicts_shows_no_defect():
    case = Case(
        layer="GRU",
        bidirectional=True,
        merge_mode="sum",
        mask="right",
        initial_state="constant",
        unroll=True,
        **SHAPE,
    )
    assert listed(case, K215).name == "unroll-backwards-zero-output-mirrored"
    error = "ValueError: Unexpectedly found an instance ... Expected a symbolic tensor instance."
    verdict = Judge(K215).against(case, refused(case, error), run_oracle(case))
    assert verdict.agrees and verdict.defect is None


BAD = {
    "unknown key": (entry(extra="1"), "expected keys"),
    "no explains": (entry(explains=None), "expected keys"),
    "bad version": (entry(keras='"3 or so"'), "keras '3 or so'"),
    "empty explains": (entry(explains="[]"), "explains must be a non-empty list"),
    "unknown facet": (entry(when='{ colour = "red" }'), r"defect 1 \(a\): when: unknown facet"),
    "value of no facet": (entry(when='{ layer = "Dense" }'), r"when: layer: 'Dense' is not one"),
    "wrong type": (entry(unless='{ stateful = "yes" }'), "unless: stateful: 'yes' must be a bool"),
    "empty condition": (entry(may_hide="{}"), "may_hide: a condition is a non-empty table"),
    "unknown problem": (entry(explains='[{ problem = "oracle/colour" }]'), "names no aspect"),
    "error of values": (
        entry(explains='[{ problem = "oracle/values", error = "TypeError" }]'),
        "an error or message is said of",
    ),
    "bound of an error": (
        entry(explains='[{ problem = "refusal/refused", within = "float32" }]'),
        "`within` is one of",
    ),
    "unknown prediction": (entry(predicts='"telepathy"'), "predicts 'telepathy': expected one of"),
    "mask of no facet": (entry(hands_no_mask='{ colour = "red" }'), "hands_no_mask: unknown facet"),
    "not toml": ("[[defect\n", "cannot read it"),
}


@pytest.mark.parametrize("kind", BAD)
def test_malformed_file_is_one_error_naming_it(kind, tmp_path):
    text, message = BAD[kind]
    path = tmp_path / "defects.toml"
    path.write_text(text)
    with pytest.raises(RnnShapesError, match=message) as info:
        load(path)
    assert str(path) in str(info.value)


@pytest.mark.keras
@pytest.mark.parametrize("via", ["layer", "call"])
@pytest.mark.parametrize("layer", ["SimpleRNN", "LSTM", "GRU"])
def test_listed_defect_still_shows_live(layer, via, rnn_session):
    """Keras 3 drops a Masking layer's mask once initial_state is given; mask= works."""
    case = Case(layer=layer, mask="left", mask_via=via, initial_state="input", **SHAPE)
    verdict = rnn_session.live(case)
    assert verdict.agrees, verdict.explain()
    listed_here = bool(concerning(case, rnn_session.env))
    assert (verdict.defect is not None) == listed_here


def test_every_condition_selects_a_case_of_some_matrix():
    """A `when`, `unless` or `may_hide` table that selects no case of any matrix
    applies nowhere the harness looks, silently: a typo, or a case the matrices no
    longer build."""
    from rnn_shapes.cases.matrix import MATRICES, matrix

    cases = list({c.id: c for name in MATRICES for c in matrix(name)}.values())
    dead = [
        f"{d.name}: {key} {{ {condition} }}"
        for d in load(PATH)
        for key, conditions in (
            ("when", d.when),
            ("unless", d.unless),
            ("may_hide", d.hidden),
            ("hands_no_mask", d.no_mask),
        )
        for condition in conditions
        if not any(condition.holds(c) for c in cases)
    ]
    assert not dead, "conditions that select no case:\n" + "\n".join(dead)


def test_a_defect_that_cannot_show_is_not_said_to_be_fixed():
    """torch-stateful-mixed-precision-states-not-kept predicts a model that forgets its
    states: where that is the right answer anyway (every step masked: nothing moves),
    right values say nothing; where it is not, right values say the defect is fixed."""
    torch = Environment(tensorflow="2.21.0", keras="3.15.1", backend="torch")
    shape = dict(units=3, timesteps=4, features=2, return_sequences=True)
    name = "torch-stateful-mixed-precision-states-not-kept"
    moving = Case(layer="GRU", batch=2, stateful=True, dtype="mixed_float16", **shape)
    still = replace(moving, batch=1, mask="row")  # one row, every step masked
    for case, fixed in ((moving, True), (still, False)):
        assert name in [d.name for d in concerning(case, torch)]
        oracle = run_oracle(case)
        verdict = Judge(torch).against(case, result_of(case, oracle), oracle)
        said = [p.expected for p in verdict.problems if p.kind == "no-longer-shows"]
        assert (said == [name]) is fixed, case.id


@pytest.mark.parametrize(
    "name, still, moving",
    [
        (  # a bias of 0.1 beside constants float32 holds exactly: below float64's rounding
            "constant-initializer-float64-rounds-through-float32",
            Case("SimpleRNN", 1, 1, 4, 5, weights=Constant(0.5, 0, 0.1), sample="seed004",
                 dtype="float64"),
            Case("LSTM", 2, 2, 3, 2, weights=Constant(0.1, 0.2, 0.3), dtype="float64"),
        ),
        (  # saturated units: the padded steps run on zeros give what skipping them gives
            "initial-state-drops-implicit-mask",
            Case("SimpleRNN", 2, 2, 4, 3, weights=Constant(20, 20, 0), mask="right",
                 initial_state="constant"),
            Case("GRU", 2, 2, 4, 2, return_sequences=True, mask="right", initial_state="input"),
        ),
    ],
)  # fmt: skip
def test_explored_defects_that_cannot_show_are_not_said_to_be_fixed(name, still, moving):
    """Explore found cases where these defects' values are the right ones within the
    tolerance; their predictions (defect_values.py) say so. Right values on a case where
    the prediction differs still say the defect no longer shows."""
    for case, fixed in ((moving, True), (still, False)):
        assert name in [d.name for d in concerning(case, K315)]
        oracle = run_oracle(case)
        outs = tuple(np.asarray(o) for o in oracle)
        result = Result(case.id, "ok", "tuple", outs, tuple(str(o.dtype) for o in outs),
                        masks=expected_masks(case))  # fmt: skip
        verdict = Judge(K315).against(case, result, oracle)
        said = [p.expected for p in verdict.problems if p.kind == "no-longer-shows"]
        assert (said == [name]) is fixed, case.id


@cache
def _committed_sets():
    from rnn_shapes.golden.layout import configured_root
    from rnn_shapes.golden.sets import read_set

    root = configured_root(Path(__file__).resolve().parent)
    return [read_set(p) for p in sorted(root.glob("*/*.json"))]


def test_an_entry_that_hands_no_mask_hands_none_on_every_committed_case():
    """`hands_no_mask` is what advise predicts a model's masks from: on every committed
    set an entry applies to, each case it selects there (where it may not hide, and
    the masks attached were observed) returns a tensor without the mask its
    compute_mask says (or none at all, where compute_mask raised)."""
    from rnn_shapes.cases.matrix import any_case
    from rnn_shapes.check import received_problems

    entries = [d for d in load(PATH) if d.no_mask]
    assert entries
    seen = 0
    for golden in _committed_sets():
        env = golden.environment
        for entry in entries:
            for case_id, result in golden.results.items():
                case = any_case(case_id)
                if (
                    case is None
                    or result.outcome != "ok"
                    or result.received is None
                    or not entry.applies(case, env)
                    or entry.may_hide(case)
                    or not entry.hands_no_mask(case)
                ):
                    continue
                seen += 1
                if isinstance(result.masks, str):  # compute_mask raised: none attached at all
                    dropped = [m for m in result.received if m is None]
                else:
                    dropped = [p for p in received_problems(case, result) if p.got is None]
                assert dropped, (golden.path, entry.name, case_id)
    assert seen > 50


def test_what_an_entry_predicts_is_what_keras_computed_on_every_committed_case():
    """An entry's `predicts` sizes advise's values: on every committed set it applies
    to, each case it predicts (where it may not hide) holds Keras' values within the
    case's tolerance of the prediction."""
    from rnn_shapes.cases.matrix import any_case
    from rnn_shapes.check import value_problems
    from rnn_shapes.defect_values import PREDICTIONS

    entries = [d for d in load(PATH) if d.predicts == "mask-dropped"]
    seen = 0
    for golden in _committed_sets():
        env = golden.environment
        for case_id, result in golden.results.items():
            case = any_case(case_id)
            if case is None or result.outcome != "ok" or not result.outputs:
                continue
            for entry in entries:
                if not entry.applies(case, env) or entry.may_hide(case):
                    continue
                predicted = PREDICTIONS[entry.predicts](case, env.keras_major)
                if predicted is None:
                    continue
                seen += 1
                off = value_problems(case, result.outputs, predicted, env.backend)
                assert not off, (golden.path, entry.name, case_id, off[0].text)
    assert seen > 40

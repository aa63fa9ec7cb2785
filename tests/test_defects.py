"""Listed Keras defects: strict reading, matching by case and environment, and
strictness in the verdict (a listed defect that no longer shows fails)."""

from __future__ import annotations

import fnmatch
from dataclasses import replace

import numpy as np
import pytest

from rnn_shapes import Case, run_oracle
from rnn_shapes.cases.signature import expected_masks
from rnn_shapes.defects import PATH, listed, load
from rnn_shapes.environment import Environment
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.judge import Judge
from rnn_shapes.result import Result

K315 = Environment(tensorflow="2.21.0", keras="3.15.1", backend="tensorflow")
K215 = Environment(tensorflow="2.15.1", keras="2.15.0", backend="tensorflow")
SHAPE = dict(units=3, batch=3, timesteps=5, features=2, return_sequences=True, return_state=True)
LISTED = Case(layer="GRU", mask="left", initial_state="input", **SHAPE)


def test_committed_file_reads_and_every_entry_is_complete():
    defects = load(PATH)
    assert defects and all(d.reason and d.cases for d in defects)


def test_matching_by_case_keras_version_and_backend():
    assert listed(LISTED.id, K315).name == "initial-state-drops-implicit-mask"
    assert listed(LISTED.id, K215) is None  # Keras 2 fills the mask
    assert listed(LISTED.id, replace(K315, backend="mlx")) is None  # a backend it names not
    assert listed(LISTED.id, None) is None
    by_call = Case(layer="GRU", mask="left", mask_via="call", initial_state="input", **SHAPE)
    assert listed(by_call.id, K315) is None  # an explicit mask= is kept
    nothing_masked = Case(layer="GRU", mask="none", initial_state="input", **SHAPE)
    assert listed(nothing_masked.id, K315) is None  # dropping an all-True mask changes nothing


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


BAD = {
    "unknown key": (
        '[[defect]]\nname="a"\ncases=["*"]\nkeras=">=3"\nbackends=["jax"]\n'
        'reason="r"\nupstream=""\nextra=1\n',
        "expected keys",
    ),
    "bad version": (
        '[[defect]]\nname="a"\ncases=["*"]\nkeras="3 or so"\nbackends=["jax"]\n'
        'reason="r"\nupstream=""\n',
        "keras '3 or so'",
    ),
    "empty cases": (
        '[[defect]]\nname="a"\ncases=[]\nkeras=">=3"\nbackends=["jax"]\nreason="r"\nupstream=""\n',
        "cases must be a non-empty list",
    ),
    "empty except": (
        '[[defect]]\nname="a"\ncases=["*"]\nexcept=[]\nkeras=">=3"\nbackends=["jax"]\n'
        'reason="r"\nupstream=""\n',
        "except must be a non-empty list",
    ),
    "not toml": ("[[defect\n", "cannot read it"),
}


def test_except_leaves_out_matching_cases(tmp_path):
    path = tmp_path / "defects.toml"
    path.write_text(
        '[[defect]]\nname="a"\ncases=["LSTM-*"]\nexcept=["*-stateful*"]\nkeras=">=3"\n'
        'backends=["tensorflow"]\nreason="r"\nupstream=""\n'
    )
    (entry,) = load(path)
    assert entry.applies("LSTM-uni-x", K315) and not entry.applies("LSTM-uni-x-stateful", K315)


def test_may_hide_lets_an_agreeing_case_agree_there_only(tmp_path, monkeypatch):
    """Where the entry says the defect may not show, an agreeing case agrees (and
    counts no defect); elsewhere the entry stays strict; a disagreement there is
    still the defect's."""
    from rnn_shapes import defects

    path = tmp_path / "defects.toml"
    path.write_text(
        '[[defect]]\nname="a"\ncases=["GRU-*"]\nmay_hide=["*-mask_left_*"]\nkeras=">=3"\n'
        'backends=["tensorflow"]\nreason="r"\nupstream=""\n'
    )
    entries = load(path)
    monkeypatch.setattr(defects, "load", lambda: entries)
    oracle = run_oracle(LISTED)
    hidden = Judge(K315).against(LISTED, result_of(LISTED, oracle), oracle)
    assert hidden.agrees and hidden.defect is None
    shown = Judge(K315).against(LISTED, result_of(LISTED, [o + 0.5 for o in oracle]), oracle)
    assert shown.agrees and shown.defect == "a"
    strict = replace(LISTED, mask="right")
    fixed = Judge(K315).against(strict, result_of(strict, run_oracle(strict)), run_oracle(strict))
    assert not fixed.agrees and fixed.problems[0].kind == "no-longer-shows"


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
    assert listed(case.id, K215).name == "unroll-backwards-zero-output-mirrored"
    error = "ValueError: Unexpectedly found an instance ... Expected a symbolic tensor instance."
    refused = Result(case.id, "rejected", None, error=error)  # Keras 2 takes no NumPy states
    verdict = Judge(K215).against(case, refused, run_oracle(case))
    assert verdict.agrees and verdict.defect is None


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
    listed_here = listed(case.id, rnn_session.env) is not None
    assert (verdict.defect is not None) == listed_here


def test_every_pattern_matches_a_case_of_some_matrix():
    """A `cases` or `except` pattern that matches no case applies nowhere, silently:
    a typo, or a case the matrices no longer build."""
    from rnn_shapes.cases.matrix import MATRICES, matrix

    ids = sorted({c.id for name in MATRICES for c in matrix(name)})
    dead = [
        f"{d.name}: {key} {pattern!r}"
        for d in load(PATH)
        for key, patterns in (("cases", d.cases), ("except", d.excluded), ("may_hide", d.hidden))
        for pattern in patterns
        if not fnmatch.filter(ids, pattern)
    ]
    assert not dead, "patterns that match no case:\n" + "\n".join(dead)

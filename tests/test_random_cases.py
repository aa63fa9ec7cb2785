"""Cases no matrix holds, drawn at random over every axis (cases/draw.py): what the
harness must say of each is computable without Keras, and consistent.

For each drawn case: the refusal rule in each Keras major and backend; where the
rule builds it, the signature (the rules) and the oracle's values, whose shapes must
be the signature's; the listed defects that concern it in every environment of the
committed sets. A rule or an entry that only holds for the matrices' shapes raises
here instead of in a user's run.

And live, in the installed Keras (the README's environment in CI): another fixed draw,
each case run and judged, must be explained: agreeing, a listed defect, or refused by
rule. docs/notes/defects-by-fields.md says what other draws still find (exploding
recurrences beyond the tolerance, among others).
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from rnn_shapes.cases.axes import AXES
from rnn_shapes.cases.draw import draw_cases
from rnn_shapes.cases.matrix import any_case
from rnn_shapes.cases.signature import expected_rejection, signature
from rnn_shapes.defects import concerning
from rnn_shapes.environment import Environment
from rnn_shapes.golden.sets import read_metadata
from rnn_shapes.oracle import run_oracle

N = 300
SEED = 20261207
LIVE = draw_cases(300, 4101).cases  # all explained in TF 2.21 / Keras 3.15.1
ROOT = Path(__file__).resolve().parent.parent / "fixtures"
# every environment of the committed sets, read from their metadata (no values)
ENVIRONMENTS = sorted(
    {Environment.of(read_metadata(p)) for p in ROOT.glob("*/default.json")}, key=str
)


@pytest.fixture(scope="module")
def drawn():
    return draw_cases(N, SEED)


def test_the_draw_reaches_every_axis_outside_the_matrices(drawn):
    assert len(drawn.cases) == N and len(ENVIRONMENTS) > 30
    assert all(any_case(c.id) is None for c in drawn.cases[:50])  # not the matrices' cases
    unset = [
        name
        for name, axis in AXES.items()
        if not any(getattr(c, name) != axis.default for c in drawn.cases)
        and name != "sample"  # the tutorials' inputs: named cases only
    ]
    assert not unset, f"no drawn case sets {unset}"
    assert {c.timesteps for c in drawn.cases} >= {1, 2} and {c.units for c in drawn.cases} >= {1}
    assert any(c.backward_units != c.units for c in drawn.cases if c.backward_layer)
    assert [c.id for c in draw_cases(20, SEED).cases] == [c.id for c in drawn.cases[:20]]


@cache
def oracle(case, keras_major: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a linear recurrence may overflow
        return run_oracle(case, keras_major=keras_major)


def test_rules_oracle_and_defects_are_computable_and_agree_for_any_case(drawn):
    wrong: set[str] = set()
    for case in drawn.cases:
        sig = signature(case)
        for env in ENVIRONMENTS:
            concerning(case, env)
            minor = env.keras_release[1]
            if expected_rejection(case, env.keras_major, env.backend, minor) is not None:
                continue
            values = oracle(case, env.keras_major)
            if values is not None and [v.shape for v in values] != list(sig.shapes):
                wrong.add(f"{case.id}: oracle {[v.shape for v in values]}, rules {sig.shapes}")
            if values is not None and not all(v.dtype == np.float64 for v in values):
                wrong.add(f"{case.id}: oracle values not float64")
    assert not wrong, "\n".join(sorted(wrong)[:10])


@pytest.mark.keras
@pytest.mark.parametrize("case", LIVE, ids=[c.id for c in LIVE])
def test_a_random_case_is_explained_live(case, rnn_session):
    verdict = rnn_session.live(case)
    assert verdict.state != "disagree", verdict.explain()

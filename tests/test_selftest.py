"""rnn-shapes selftest: every injected fault is reported, the control is not, and a
harness with a blind spot fails the self-test."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnn_shapes.cli import main
from rnn_shapes.keras.run import run_keras
from rnn_shapes.selftest.golden_faults import GOLDEN_FAULTS
from rnn_shapes.selftest.keras_faults import KERAS_FAULTS
from rnn_shapes.selftest.oracle_faults import ORACLE_FAULTS
from rnn_shapes.selftest.run import CONTROL, SLICE, selftest, table

pytestmark = pytest.mark.keras
ROOT = Path(__file__).resolve().parent.parent


def test_every_fault_is_caught_and_the_control_is_not(rnn_session):
    base, outcomes = selftest(rnn_session.env, run_keras)
    names = [o.name for o in outcomes]
    assert names == [*KERAS_FAULTS, *ORACLE_FAULTS, *GOLDEN_FAULTS, CONTROL]
    assert base.usable, "no slice case agrees at baseline: nothing could be tried"
    for o in outcomes:
        assert o.passed, f"{o.name} ({o.where}): reported on {o.reported} of {o.tried} cases"
    tried = [o for o in outcomes if o.tried]
    assert all(o.caught for o in tried if o.where != "control")
    control = outcomes[-1]
    assert control.tried and not control.caught and control.where == "control"
    untried = [o.name for o in outcomes if not o.tried]
    assert len(untried) <= 3, f"faults not tried here: {untried}"  # a listed defect's cases
    text = table(base, outcomes)
    assert all(n in text for n in names) and "the control was not reported" in text
    faults = len(names) - 1
    for page in ("docs/selftest.md", "README.md"):  # the table the docs show is this one
        shown = (ROOT / page).read_text(encoding="utf-8")
        assert f"verdict: {faults} of {faults} faults caught" in shown, page
    assert all(n in (ROOT / "docs/selftest.md").read_text(encoding="utf-8") for n in names)


def test_a_harness_blind_to_values_fails_the_selftest(rnn_session, monkeypatch):
    """The oracle aspect switched off: the oracle's own faults go unnoticed, and the
    self-test says which."""
    monkeypatch.setattr("rnn_shapes.judge.value_problems", lambda *a, **k: [])
    base, outcomes = selftest(rnn_session.env, run_keras, only="gates")
    survived = {o.name for o in outcomes if not o.passed}
    assert {"lstm gates i<->f", "lstm gates c<->o", "gru gates z<->r"} <= survived
    assert "SURVIVED: " in table(base, outcomes)


def test_the_command_exits_0_when_every_fault_shows(capsys):
    assert main(["selftest", "--only", "GRU gates z<->r"]) == 0
    out = capsys.readouterr().out
    assert "GRU gates z<->r" in out and "verdict: 2 of 2 faults caught" in out


def test_the_slice_covers_every_fault():
    for name, (_, cases) in KERAS_FAULTS.items():
        assert cases and set(cases) <= set(SLICE), name

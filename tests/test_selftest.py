"""rnn-shapes selftest: every injected fault is reported, the control is not, and a
harness with a blind spot fails the self-test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rnn_shapes.cli import main
from rnn_shapes.keras.run import run_keras
from rnn_shapes.selftest.golden_faults import GOLDEN_FAULTS
from rnn_shapes.selftest.keras_faults import KERAS_FAULTS
from rnn_shapes.selftest.oracle_faults import ORACLE_FAULTS
from rnn_shapes.selftest.run import CONTROL, EXPLORE_FAULT, SLICE, selftest, table

pytestmark = pytest.mark.keras
ROOT = Path(__file__).resolve().parent.parent


def shown_table() -> str:
    """The table docs/selftest.md shows: its fenced block that starts with the header."""
    text = (ROOT / "docs/selftest.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```\n(rnn-shapes selftest on .*?)```", text, re.S)
    return block


def test_every_fault_is_caught_and_the_control_is_not(rnn_session):
    base, outcomes = selftest(rnn_session.env, run_keras)
    names = [o.name for o in outcomes]
    explored = [f"explore: {EXPLORE_FAULT}", "control: explore without a fault"]
    assert names == [*KERAS_FAULTS, *ORACLE_FAULTS, *GOLDEN_FAULTS, CONTROL, *explored]
    assert base.usable, "no slice case agrees at baseline: nothing could be tried"
    for o in outcomes:  # an untried fault passes only for a reason the environment states
        assert o.passed, (
            f"{o.name} ({o.where}): reported on {o.reported} of {o.tried} cases {o.note}"
        )
    assert all(o.caught for o in outcomes if o.tried and o.where != "control")
    control, found, quiet = outcomes[-3:]
    assert control.tried and not control.caught and control.where == "control"
    # exploration under the fault finds it and shrinks it to a core case; without, quiet
    assert found.caught and "shrunk to core" in found.aspects and found.tried >= 30
    assert quiet.where == "control" and quiet.tried >= 30 and not quiet.caught
    text = table(base, outcomes)
    assert all(n in text for n in names) and "the control was not reported" in text
    assert "control: explore without a fault was not reported" in text
    verdict = text.strip().splitlines()[-1]
    shown = shown_table()
    # The docs' table is this run's wherever its environment is this one (CI's is:
    # the README's environment, tests/test_docs.py).
    if shown.split()[3] == base.env.name:
        assert text == shown, "docs/selftest.md shows another table: paste this run's"
        assert verdict in (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(n in shown for n in names)


def test_an_untried_fault_fails_the_selftest_unless_the_environment_excuses_it():
    from rnn_shapes.selftest.run import Outcome

    untried = Outcome("a fault", "keras", note="disagrees at baseline")
    excused = Outcome("a fault", "keras", note="Keras 3's cell only", excused=True)
    control = Outcome(CONTROL, "control", excused=True)
    assert not untried.passed and excused.passed and not control.passed


def test_a_harness_blind_to_values_fails_the_selftest(rnn_session, monkeypatch):
    """The oracle aspect switched off: the oracle's own faults go unnoticed, and the
    self-test says which."""
    monkeypatch.setattr("rnn_shapes.judge.value_problems", lambda *a, **k: [])
    base, outcomes = selftest(rnn_session.env, run_keras, only="gates")
    survived = {o.name for o in outcomes if not o.passed}
    assert {"lstm gates i<->f", "lstm gates c<->o", "gru gates z<->r"} <= survived
    assert "SURVIVED: " in table(base, outcomes)


def test_the_command_exits_0_when_every_fault_shows(capsys):
    only = "GRU gates z<->r"
    named = [
        n for n in (*KERAS_FAULTS, *ORACLE_FAULTS, *GOLDEN_FAULTS) if only.lower() in n.lower()
    ]
    assert len(named) > 1  # the Keras fault and the oracle's
    assert main(["selftest", "--only", only]) == 0
    out = capsys.readouterr().out
    assert only in out and f"verdict: {len(named)} of {len(named)} faults caught" in out


def test_the_slice_covers_every_fault():
    for name, (_, cases) in KERAS_FAULTS.items():
        assert cases and set(cases) <= set(SLICE), name

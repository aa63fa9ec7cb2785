"""Exploration: the public strategies, the relations, the search and its shrinking,
the example database, the reproductions and the command."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, find, given, settings

from rnn_shapes.cases.axes import AXES, COUNTS
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.relations import RELATIONS, relations_for
from rnn_shapes.explore import search as search_module
from rnn_shapes.explore.run import size
from rnn_shapes.explore.search import Plan, Search
from rnn_shapes.explore.trial import Trial
from rnn_shapes.strategies import cases, examples
from rnn_shapes.verdict import Problem, Verdict

QUICK = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def off_default(case: Case) -> set[str]:
    return {
        name
        for name, axis in AXES.items()
        if name not in ("layer", *COUNTS)
        and axis.of(case.layer)
        and getattr(case, name) != axis.default
    }


# ------------------------------------------------------------------ the strategies


@QUICK
@given(cases(layer="GRU", mask="right"))
def test_held_axes_are_held_and_every_draw_is_a_valid_case(case: Case) -> None:
    assert case.layer == "GRU" and case.mask == "right"
    assert Case(**vars(case)) == case  # the Case accepts it as drawn
    assert case.batch >= 2 and case.timesteps >= 2  # the rules padding needs, kept


def test_draws_are_valid_by_construction_not_filtered() -> None:
    """No draw is thrown away: a strategy that rejected most draws would fail hypothesis'
    filter health check, which this run keeps on."""
    strict = settings(max_examples=100, deadline=None, database=None)

    @strict
    @given(examples())
    def draw(example: tuple[Case, str | None]) -> None:
        case, relation = example
        assert relation is None or relation in relations_for(case)

    draw()


def test_shrinking_moves_towards_keras_defaults() -> None:
    """The minimal case with a mask sets the mask alone, at the smallest shapes."""
    minimal = find(cases(), lambda c: c.mask is not None, settings=QUICK)
    assert off_default(minimal) == {"mask"}
    assert (minimal.units, minimal.batch, minimal.timesteps, minimal.features) == (1, 1, 1, 1)
    assert minimal.weights == "distinct"


def test_held_axes_the_case_refuses_are_refused_at_once() -> None:
    with pytest.raises(ValueError, match="no such axis: colour"):
        cases(colour="red")
    with pytest.raises(ValueError, match="Case field"):
        cases(layer="GRU", units=2, batch=1, timesteps=1, features=1, mask="hole")


# ------------------------------------------------------------------ the relations (no Keras)


def test_relations_hold_for_the_cases_their_rows_say() -> None:
    plain = Case("LSTM", 2, 2, 3, 2)
    assert set(relations_for(plain)) == {
        "mask-all-true",
        "padded-final-state",
        "go-backwards",
        "save-load",
        "from-config",
    }
    assert relations_for(replace(plain, stateful=True)) == ("stateful-chunks",)
    assert "bidirectional-apart" in relations_for(replace(plain, bidirectional=True))
    assert relations_for(replace(plain, dropout=0.3, training=True)) == ()
    for name, relation in RELATIONS.items():  # each left side is a case the Case accepts
        for case in (plain, replace(plain, stateful=True), replace(plain, bidirectional=True)):
            if relation.holds_for(case):
                assert isinstance(relation.left(case), Case), name


# ------------------------------------------------------------------ the search (no Keras)


def fake_attempt(case: Case, relation: str | None, judge: object) -> Trial:
    """A Keras whose GRU of 3 units or more is wrong: the finding to shrink."""
    verdict = Verdict(case, "ok")
    if case.layer == "GRU" and case.units >= 3:
        verdict.add("oracle", [Problem("values", "off")])
    signature = tuple(sorted({p.key for p in verdict.problems}))
    return Trial(case, relation, verdict, signature)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> list[Case]:
    tried: list[Case] = []

    def attempt(case: Case, relation: str | None, judge: object) -> Trial:
        tried.append(case)
        return fake_attempt(case, relation, judge)

    monkeypatch.setattr(search_module, "attempt", attempt)
    return tried


def test_a_finding_is_shrunk_to_its_core_and_found_once(fake: list[Case]) -> None:
    tally = Search(Plan(examples=200, seed=3), judge=None).run()  # type: ignore[arg-type]
    assert list(tally.findings) == [("oracle/values",)]
    minimal = tally.findings[("oracle/values",)].case
    assert (minimal.layer, minimal.units) == ("GRU", 3)
    assert off_default(minimal) == set() and minimal.batch == minimal.timesteps == 1
    assert tally.examples >= 200 and tally.shrink_runs > 0


def test_each_example_is_run_once(monkeypatch: pytest.MonkeyPatch) -> None:
    keys: list[tuple[str, str | None]] = []

    def attempt(case: Case, relation: str | None, judge: object) -> Trial:
        keys.append((case.id, relation))
        return fake_attempt(case, relation, judge)

    monkeypatch.setattr(search_module, "attempt", attempt)
    tally = Search(Plan(examples=100, seed=4), judge=None).run()  # type: ignore[arg-type]
    assert len(keys) == len(set(keys)) == tally.examples + tally.shrink_runs


def test_a_finding_is_tried_first_next_time(fake: list[Case], tmp_path: Path) -> None:
    plan = Plan(examples=150, seed=5, database=tmp_path / "examples")
    Search(plan, judge=None).run()  # type: ignore[arg-type]
    fake.clear()
    tally = Search(replace(plan, seed=99, examples=1), judge=None).run()  # type: ignore[arg-type]
    assert fake[0].layer == "GRU" and fake[0].units >= 3  # replayed from the database
    assert ("oracle/values",) in tally.findings


def test_without_a_fault_the_search_is_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    def attempt(case: Case, relation: str | None, judge: object) -> Trial:
        return Trial(case, relation, Verdict(case, "ok"), ())

    monkeypatch.setattr(search_module, "attempt", attempt)
    tally = Search(Plan(examples=80, seed=6), judge=None).run()  # type: ignore[arg-type]
    assert tally.findings == {} and tally.examples >= 80 and tally.shrink_runs == 0


def test_the_smallest_finding_is_kept() -> None:
    small = Trial(Case("GRU", 3, 1, 1, 1), None, None, ("oracle/values",))
    large = Trial(Case("GRU", 3, 2, 1, 1, go_backwards=True), None, None, ("oracle/values",))
    assert size(small) < size(large)


# ------------------------------------------------------------------ live Keras


@pytest.mark.parametrize(
    "case",
    [
        Case("LSTM", 2, 2, 4, 3, return_sequences=True, return_state=True),
        Case("GRU", 2, 3, 4, 2, go_backwards=True, return_state=True, mask="right"),
        Case("SimpleRNN", 2, 2, 4, 3, bidirectional=True, return_sequences=True, mask="left"),
        Case("GRU", 2, 2, 5, 3, stateful=True, go_backwards=True, return_sequences=True),
        # initial states as wide as the sequence is long: not reversed with it (explored)
        Case("SimpleRNN", 2, 1, 2, 1, initial_state="input"),
    ],
    ids=lambda c: c.id,
)
def test_every_relation_holds_in_the_installed_keras(case: Case) -> None:
    from rnn_shapes.environment import Environment
    from rnn_shapes.judge import Judge
    from rnn_shapes.keras.relations import sides
    from rnn_shapes.keras.run import run_keras

    judge = Judge(Environment.installed())
    result = run_keras(case)
    for name in relations_for(case):
        side = sides(case, name)
        verdict = judge(case, result, [side])
        assert side.error is None and verdict.state in ("agree", "defect"), verdict.explain()


def test_a_broken_relation_is_a_problem_of_its_own() -> None:
    """A wrong side (the other side's values moved) is reported as that relation."""
    from rnn_shapes.environment import Environment
    from rnn_shapes.judge import Judge
    from rnn_shapes.keras.relations import sides
    from rnn_shapes.keras.run import run_keras

    case = Case("LSTM", 2, 2, 4, 3, go_backwards=True)
    side = sides(case, "go-backwards")
    side.right = tuple(r + 0.01 for r in side.right)
    verdict = Judge(Environment.installed())(case, run_keras(case), [side])
    assert [p.key for p in verdict.problems] == ["relation/go-backwards"]


def test_a_reproduction_exits_1_while_it_shows_and_0_once_it_agrees(tmp_path: Path) -> None:
    from rnn_shapes.environment import Environment
    from rnn_shapes.explore.reproduce import reproduction, script
    from rnn_shapes.explore.trial import attempt
    from rnn_shapes.judge import Judge

    judge = Judge(Environment.installed())
    trial = attempt(Case("GRU", 2, 2, 3, 2, return_state=True, mask="right"), None, judge)
    rep = reproduction(trial, judge)
    assert rep is not None and rep.expected is not None
    agree, differ = tmp_path / "agree.py", tmp_path / "differ.py"
    agree.write_text(script(rep, "agrees"))
    moved = replace(rep, expected=tuple(w + 0.05 for w in rep.expected))
    differ.write_text(script(moved, "differs"))
    text = agree.read_text()
    assert "rnn_shapes" not in text  # Keras and NumPy only
    runs = {
        p.name: subprocess.run([sys.executable, str(p)], capture_output=True, text=True)
        for p in (agree, differ)
    }
    assert runs["agree.py"].returncode == 0, runs["agree.py"].stderr[-2000:]
    assert runs["differ.py"].returncode == 1 and "DIFFER" in runs["differ.py"].stdout
    assert "expected" in runs["differ.py"].stdout  # both printed


def test_explore_command_reports_json_and_exits_0_when_quiet(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "rnn_shapes", "explore", "--examples", "6", "--seed", "1",
         "--hold", "layer=SimpleRNN", "--format", "json", "--out", str(tmp_path / "f"),
         "--database", str(tmp_path / "db")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    record = json.loads(out.stdout)
    assert record["examples"] >= 6 and out.returncode == (1 if record["findings"] else 0)
    assert sum(record["states"].values()) == record["examples"]


@pytest.mark.parametrize(
    "args, words",
    [
        (["--hold", "colour=red"], "--hold 'colour=red': expected FIELD=VALUE"),
        (["--hold", "units=many"], "--hold 'units=many': units must be a positive int"),
        (["--hold", "mask=hole", "--hold", "timesteps=1", "--hold", "layer=GRU",
          "--hold", "units=1", "--hold", "batch=1", "--hold", "features=1"], "--hold: Case field"),
        (["-k", "LSTM and"], "-k 'LSTM and'"),
    ],
)  # fmt: skip
def test_bad_explore_options_are_one_line_and_exit_2(args: list[str], words: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "rnn_shapes", "explore", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 2 and words in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_relation_sides_are_arrays_in_the_left_sides_order() -> None:
    from rnn_shapes.keras.relations import sides

    side = sides(Case("LSTM", 2, 2, 4, 3, return_state=True), "padded-final-state")
    assert [a.shape for a in side.left] == [a.shape for a in side.right] == [(2, 2)] * 3
    assert all(np.isfinite(a).all() for a in side.left)


def test_the_conformance_suite_explores_only_when_asked(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    env = {**__import__("os").environ, "RNN_SHAPES_CACHE": str(tmp_path)}

    def suite(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
             "rnn_shapes/conformance", "--rnn-matrix", "smoke", "-k", "exploration", *args],
            cwd=root, capture_output=True, text=True, env=env, timeout=600,
        )  # fmt: skip

    asked = suite("--rnn-explore", "4", "--rnn-explore-seed", "2")
    assert asked.returncode == 0 and "1 passed" in asked.stdout, asked.stdout[-3000:]
    unasked = suite("--collect-only")
    assert unasked.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, unasked.stdout[-2000:]


def test_seconds_bound_a_search(monkeypatch: pytest.MonkeyPatch) -> None:
    def attempt(case: Case, relation: str | None, judge: object) -> Trial:
        __import__("time").sleep(0.01)
        return Trial(case, relation, Verdict(case, "ok"), ())

    monkeypatch.setattr(search_module, "attempt", attempt)
    tally = Search(Plan(examples=10**6, seconds=1.0, seed=7), judge=None).run()  # type: ignore[arg-type]
    assert 0 < tally.examples < 10**6 and tally.seconds < 30


def test_a_keyword_keeps_to_the_cases_it_names(fake: list[Case]) -> None:
    Search(Plan(examples=20, seed=8, keyword="LSTM-uni"), judge=None).run()  # type: ignore[arg-type]
    assert fake and all(c.layer == "LSTM" and not c.bidirectional for c in fake)


def test_a_relation_problem_is_explained_by_the_entry_of_the_configuration_it_ran() -> None:
    """A mask added to an unmasked float64 LSTM on torch runs the generic loop, whose
    products are float32 (torch-float64-matmul-in-float32): the two sides differ by
    float32's rounding, a listed defect; by more, a problem."""
    from rnn_shapes.cases.relations import masked_left
    from rnn_shapes.cases.signature import expected_masks
    from rnn_shapes.environment import Environment
    from rnn_shapes.judge import Judge
    from rnn_shapes.keras.relations import Sides
    from rnn_shapes.oracle import run_oracle
    from rnn_shapes.result import Result

    torch = Environment(tensorflow="2.21.0", keras="3.15.1", backend="torch")
    case = Case("LSTM", 1, 1, 2, 1, dtype="float64")
    oracle = run_oracle(case)
    result = Result(case.id, "ok", "tensor", oracle, ("float64",), masks=expected_masks(case))
    for moved, state in ((1e-9, "defect"), (1e-3, "disagree")):
        side = Sides("mask-all-true", masked_left(case), left=oracle,
                     right=tuple(o + moved for o in oracle))  # fmt: skip
        verdict = Judge(torch)(case, result, [side])
        assert verdict.state == state, verdict.explain()
        assert state == "disagree" or list(verdict.defects) == ["torch-float64-matmul-in-float32"]

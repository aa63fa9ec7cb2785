"""The covering designs of the matrices: every pair held, stable ids, the rules kept."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import pytest

from rnn_shapes.cases.crossing import FAMILIES_CROSS, FAMILIES_SLICE
from rnn_shapes.cases.design import (
    CROSS,
    LAYER_DIRECTION,
    NEW_AXES,
    SLICE,
    Design,
    feasible,
    uncovered,
)
from rnn_shapes.cases.matrix import matrix

DESIGNS = {
    "slice": SLICE,
    "cross": CROSS,
    "families slice": FAMILIES_SLICE,
    "families cross": FAMILIES_CROSS,
}


@pytest.mark.parametrize("name", DESIGNS)
def test_every_feasible_pair_is_held(name):
    assert uncovered(DESIGNS[name]) == []


def test_uncovered_sees_a_missing_pair():
    design = DESIGNS["slice"]
    rows = design.rows()
    dropped = Design(design.axes, design.strength)
    dropped.__dict__["rows"] = lambda: rows[1:]  # one row fewer: its unique pairs go
    assert uncovered(dropped)


def test_every_new_axis_value_meets_every_layer_in_every_direction():
    cases = SLICE.cases()
    met = {(c.layer_tag, c.direction) for c in cases}
    assert len(met) == len(LAYER_DIRECTION)
    values = {
        "mask": lambda c: c.mask,
        "mask_via": lambda c: c.mask_via if c.mask else None,
        "zero": lambda c: c.zero_output_for_mask,
        "initial": lambda c: c.initial_state,
        "form": lambda c: c.state_form if c.initial_state else None,
        "unroll": lambda c: c.unroll,
        "stateful": lambda c: c.stateful,
        "other_batch": lambda c: c.call_batch is None,
    }
    assert values.keys() == NEW_AXES.keys()
    for axis, value in values.items():
        seen = {(c.layer_tag, c.direction, value(c)) for c in cases}
        wanted = {v for c in cases for v in [value(c)]}
        assert len(wanted) >= 2, axis
        missing = {(lt, d, v) for (lt, d), v in itertools.product(met, wanted)} - seen
        assert not missing, f"{axis}: {sorted(missing, key=str)[:3]}"


def test_design_cases_obey_the_case_rules_and_skip_bidirectional_backwards():
    for case in SLICE.cases() + CROSS.cases() + FAMILIES_SLICE.cases() + FAMILIES_CROSS.cases():
        assert not (case.bidirectional and case.go_backwards), case.id


# Where two families' code paths cross: pairs no case held before the families' design.
MEETINGS = {
    "a mixed policy on a stateful layer": lambda c: c.stateful and c.dtype.startswith("mixed"),
    "a mixed policy with a mask": lambda c: c.mask is not None and c.dtype.startswith("mixed"),
    "dropout with a mask": lambda c: c.mask is not None and c.dropout > 0,
    "recurrent dropout on a stateful layer": lambda c: c.stateful and c.recurrent_dropout > 0,
    "float64 with initial states": lambda c: c.initial_state and c.dtype == "float64",
    "float64 unrolled": lambda c: c.unroll and c.dtype == "float64",
    "an option on a time axis of any length": lambda c: c.dynamic_time and not c.use_bias,
    "a stateful layer with a backward layer": lambda c: c.stateful and c.backward_layer,
    "initial states below a stack, given as inputs": lambda c: c.stack and c.initial_state,
    "a saved stateful model": lambda c: c.stateful and c.save == "h5",
    "training on a time axis of any length": lambda c: c.training and c.dynamic_time,
}


@pytest.mark.parametrize("name", ["families slice", "families cross"])
def test_the_families_meet(name):
    cases = DESIGNS[name].cases()
    for meeting, held in MEETINGS.items():
        assert any(held(c) for c in cases), meeting


def test_every_families_value_meets_every_layer_direction_it_can():
    """Every label in all 24 layer-directions, but where a rule or exclusion bars
    it: predict and training runs in uni and bi-concat (RUNS_UNI_AND_CONCAT),
    an explicit backward layer in Bidirectional, no walking backwards there,
    SimpleRNN without a recurrent activation or a forget bias."""
    rows = FAMILIES_SLICE.rows()
    for axis, labels in FAMILIES_SLICE.axes.items():
        if axis == "layer_direction":
            continue
        for label in labels:
            met = {r["layer_direction"] for r in rows if r[axis] == label}
            barred = {
                ld
                for ld in LAYER_DIRECTION
                if not feasible(FAMILIES_SLICE, {axis: label, "layer_direction": ld})
            }
            assert met == set(LAYER_DIRECTION) - barred, (axis, label)


def test_cross_has_single_samples_single_steps_and_a_masked_row_at_one_step():
    cases = CROSS.cases()
    assert any(c.batch == 1 for c in cases) and any(c.timesteps == 1 for c in cases)
    assert any(c.timesteps == 1 and c.mask == "row" and c.batch > 1 for c in cases)


def test_default_holds_the_slice_and_full_holds_default():
    default = [c.id for c in matrix("default")]
    full = {c.id for c in matrix("full")}
    assert {c.id for c in SLICE.cases()} <= set(default) and set(default) <= full
    assert len(default) == len(set(default))


# Three interpreters build both matrices from scratch: up to 6 minutes beside a heavy
# job on 2 cores (docs/notes/flake-free-suite.md), so a bound of its own.
@pytest.mark.timeout(1800)
def test_matrices_are_the_same_under_another_hash_seed(tmp_path):
    """Built afresh in each process (an empty cache each), and again from the cache."""
    script = (
        "from rnn_shapes.cases.matrix import matrix;"
        "print('\\n'.join(c.id for n in ('default', 'full') for c in matrix(n)))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed, "RNN_SHAPES_CACHE": str(tmp_path / cache)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed, cache in (("0", "a"), ("4242", "b"), ("7", "b"))
    ]
    assert runs[0] == runs[1] == runs[2]
    assert runs[0].count("\n") == len(matrix("default")) + len(matrix("full"))
    assert len(list((tmp_path / "b").glob("design-*.json"))) == 6


def test_a_damaged_or_unwritable_design_cache_is_built_again(tmp_path, monkeypatch):
    from rnn_shapes.cases import design

    monkeypatch.setenv("RNN_SHAPES_CACHE", str(tmp_path))
    built = design.OPTIONS_SLICE.rows()
    (cached,) = tmp_path.glob("design-*.json")
    cached.write_text('[{"layer_direction": "LSTM-uni"}]')  # not a row of these axes
    assert design.OPTIONS_SLICE.rows() == built
    assert json.loads(cached.read_text()) == built  # rewritten
    monkeypatch.setenv("RNN_SHAPES_CACHE", str(tmp_path / "file" / "below"))
    (tmp_path / "file").write_text("a file where the folder should be")
    assert design.OPTIONS_SLICE.rows() == built


def test_a_cached_design_of_half_its_rows_is_built_again(tmp_path, monkeypatch):
    """Well-formed rows of the right axes and labels, but too few to cover every pair
    (or breaking a rule): the cache is not trusted, the matrix keeps every case."""
    from rnn_shapes.cases import design

    monkeypatch.setenv("RNN_SHAPES_CACHE", str(tmp_path))
    fresh = Design(design.SLICE.axes, design.SLICE.strength)
    built = fresh.rows()
    (cached,) = tmp_path.glob("design-*.json")
    cached.write_text(json.dumps(built[: len(built) // 2]))
    assert Design(design.SLICE.axes, design.SLICE.strength).rows() == built
    assert json.loads(cached.read_text()) == built  # rewritten
    bi_backwards = {**built[0], "layer_direction": "LSTM-bi-concat", "walk": "back"}
    cached.write_text(json.dumps([*built, bi_backwards]))  # covers, but breaks a rule
    assert Design(design.SLICE.axes, design.SLICE.strength).rows() == built


def test_an_unwritable_design_cache_is_said_once_naming_the_folder(tmp_path, monkeypatch, capsys):
    from rnn_shapes.cases import design

    (tmp_path / "file").write_text("a file where the folder should be")
    folder = tmp_path / "file" / "below"
    monkeypatch.setenv("RNN_SHAPES_CACHE", str(folder))
    for built in (design.SLICE, design.OPTIONS_SLICE, design.SLICE):
        Design(built.axes, built.strength, built.exclusions).rows()
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert f"design cache {folder}: cannot write there" in line and "RNN_SHAPES_CACHE" in line


def test_spec_imports_neither_keras_nor_golden_nor_cli():
    """spec is what a case is: the design cache writes through rnn_shapes.files."""
    script = (
        "import importlib, pkgutil, sys, rnn_shapes.cases as s\n"
        "for m in pkgutil.iter_modules(s.__path__):\n"
        "    importlib.import_module('rnn_shapes.cases.' + m.name)\n"
        "print('\\n'.join(sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    wrong = ("rnn_shapes.golden", "rnn_shapes.keras", "rnn_shapes.cli", "keras", "tensorflow")
    assert "rnn_shapes.cases.design" in loaded
    assert not [m for m in loaded if m.split(".")[0] in wrong or m.startswith(wrong)]

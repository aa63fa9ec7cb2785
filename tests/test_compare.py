"""compare and report on small synthetic golden sets: one test per kind of difference."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from synthetic import synthetic_results

from rnn_shapes.cli import main
from rnn_shapes.compare import compare, load, render, ulp_distance
from rnn_shapes.golden import read_set, write_set
from rnn_shapes.matrix import matrix
from rnn_shapes.report import generate, heatmap_svg
from rnn_shapes.result import Result
from rnn_shapes.signature import signature

CASES = [c for c in matrix("smoke") if c.sample is None][:4]
SIGS = {c.id: signature(c) for c in CASES}


def env(tf: str, keras: str) -> dict[str, str]:
    return {
        "tensorflow": tf,
        "keras": keras,
        "backend": "tensorflow",
        "numpy": "2.0.0",
        "python": "3.11.0",
        "platform": "test",
    }


def base_results() -> list[Result]:
    return synthetic_results(CASES)


def make_set(root: Path, name: str, results: list[Result], tf="2.21.0", keras="3.15.0"):
    write_set(root, name, "smoke", results, SIGS, env(tf, keras))
    return read_set(root / name / "smoke.json")


def nudge(r: Result, ulps: int) -> Result:
    """Move the largest value of the first output up by `ulps` float32 steps."""
    first = r.outputs[0].copy()
    bits = first.view(np.int32)
    bits.flat[int(np.argmax(np.abs(first)))] += ulps
    return replace(r, outputs=(first, *r.outputs[1:]))


@pytest.fixture
def base(tmp_path):
    return make_set(tmp_path, "a", base_results())


def test_identical(base, tmp_path):
    c = compare(base, make_set(tmp_path, "b", base_results()))
    assert c.identical and c.shared == len(CASES)
    assert c.buckets()["identical"] == sorted(r.id for r in CASES)


def test_container_change(base, tmp_path):
    rs = base_results()
    multi = next(i for i, r in enumerate(rs) if r.container == "tuple")
    rs[multi] = replace(rs[multi], container="list")
    c = compare(base, make_set(tmp_path, "b", rs))
    assert dict(c.structural) == {"container tuple -> list": [rs[multi].case_id]}
    assert "container tuple -> list in 1 cases" in render(c, "text")


def test_outcome_change(base, tmp_path):
    rs = base_results()
    rs[0] = Result(rs[0].case_id, "rejected", None, error="ValueError: no")
    c = compare(base, make_set(tmp_path, "b", rs))
    assert dict(c.structural) == {"outcome ok -> rejected": [rs[0].case_id]}


def test_arity_shape_and_dtype_changes(base, tmp_path):
    rs = base_results()
    rs[0] = replace(
        rs[0],
        outputs=(*rs[0].outputs, rs[0].outputs[0]),
        dtypes=(*rs[0].dtypes, "float32"),
        container="tuple",
    )
    rs[1] = replace(rs[1], outputs=(rs[1].outputs[0][:1], *rs[1].outputs[1:]))
    rs[2] = replace(
        rs[2],
        outputs=tuple(o.astype(np.float64) for o in rs[2].outputs),
        dtypes=tuple("float64" for _ in rs[2].outputs),
    )
    sigs = dict(SIGS)
    sigs[rs[0].case_id] = replace(SIGS[rs[0].case_id], names=(*SIGS[rs[0].case_id].names, "x"))
    write_set(tmp_path, "b", "smoke", rs, sigs, env("2.21.0", "3.15.0"))
    c = compare(base, read_set(tmp_path / "b" / "smoke.json"))
    kinds = dict(c.structural)
    assert kinds["arity 1 -> 2"] == [rs[0].case_id]
    assert kinds["shapes changed"] == [rs[1].case_id]
    assert kinds["dtypes float32 -> float64"] == [rs[2].case_id]


def test_value_drift_buckets(base, tmp_path):
    rs = base_results()
    rs[0], rs[1], rs[2] = nudge(rs[0], 1), nudge(rs[1], 3), nudge(rs[2], 1000)
    c = compare(base, make_set(tmp_path, "b", rs))
    b = c.buckets()
    assert b["<= 1 ULP"] == [rs[0].case_id]
    assert b["<= 4 ULP"] == [rs[1].case_id]
    assert b["> 4 ULP"] == [rs[2].case_id]
    assert b["identical"] == [rs[3].case_id]
    assert c.drift[rs[2].case_id][1] == 1000.0
    out = json.loads(render(c, "json"))
    assert out["max_ulp"] == 1000 and out["value_drift"]["> 4 ULP"] == 1
    assert render(c, "md").startswith("## ")


def test_different_matrices_compare_shared_cases(base, tmp_path):
    other = make_set(tmp_path, "b", base_results()[:2])
    c = compare(base, other)
    assert c.shared == 2 and len(c.only_a) == 2 and not c.identical
    assert "left out: 2 cases only in" in render(c, "text")


def test_ulp_distance_is_at_the_output_scale():
    a = np.array([1.0, -0.0, 0.5], dtype=np.float32)
    b = np.array([np.nextafter(np.float32(1), np.float32(2)), 0.0, 0.5], dtype=np.float32)
    assert ulp_distance(a, b) == 1.0  # one step of the last bit of 1.0
    assert ulp_distance(a, a) == 0.0
    near_zero = np.array([1.0, 1e-8], dtype=np.float32)
    moved = np.array([1.0, 2e-8], dtype=np.float32)
    assert ulp_distance(near_zero, moved) < 0.1  # a wobble near zero is not thousands of ULPs


def test_cli_exit_codes(base, tmp_path, capsys):
    same = make_set(tmp_path, "b", base_results())
    drifted = make_set(tmp_path, "c", [nudge(r, 2) for r in base_results()])
    assert main(["compare", str(base.path), str(same.path)]) == 0
    assert main(["compare", str(base.path), str(drifted.path), "--format", "md"]) == 1
    assert main(["compare", str(base.path), str(tmp_path / "nothing.json")]) == 2
    assert "nothing.json" in capsys.readouterr().err
    assert load("b", tmp_path, "smoke").path == same.path  # an environment name works too


def test_report_marks_differences(tmp_path):
    k2 = base_results()
    multi = next(i for i, r in enumerate(k2) if r.container == "tuple")
    k2[multi] = replace(k2[multi], container="list")
    make_set(tmp_path, "tf2.15-keras2.15-tensorflow", k2, tf="2.15.0", keras="2.15.0")
    make_set(tmp_path, "tf2.21-keras3.15-tensorflow", [nudge(r, 7) for r in base_results()])
    files = generate(tmp_path, "smoke")
    md = next(text for path, text in files.items() if path.suffix == ".md")
    assert "| tf2.15-keras2.15-tensorflow | 2.15.0 | 2.15.0 | tensorflow | 4 |" in md
    assert "container list -> tuple: 1" in md
    assert "**list 2: 2x3 2x3**" in md  # the Keras 2 cell differs from the reference
    svg = next(text for path, text in files.items() if path.suffix == ".svg")
    assert svg.startswith("<svg") and ">7.0<" in svg


def test_heatmap_is_deterministic():
    drift = {"env-a": {"LSTM": 0.0, "GRU-ra1": 3.0}, "env-b": {"LSTM": 12.5}}
    assert heatmap_svg(drift) == heatmap_svg(drift)
    assert ">-<" in heatmap_svg(drift)  # env-b has no GRU case to compare

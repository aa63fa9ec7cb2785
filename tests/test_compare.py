"""compare and report on small synthetic golden sets: one test per kind of difference."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from synthetic import synthetic_results

from rnn_shapes.analysis.compare import compare, load, render
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.cases.signature import signature
from rnn_shapes.cli import main
from rnn_shapes.golden.sets import read_set
from rnn_shapes.golden.writing import write_set
from rnn_shapes.report import report_files, write
from rnn_shapes.report.model import load_sets, read_report, upgrade_path
from rnn_shapes.report.svg import heatmap_svg
from rnn_shapes.result import Result
from rnn_shapes.tolerance import ulp_distance

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
        "backend_version": "0",
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
    assert "dtypes float32 -> float32" not in kinds  # one more float32 output: arity only


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
    moved = rs[2].outputs[0].astype(np.float64) - base.results[rs[2].case_id].outputs[0]
    assert c.drift[rs[2].case_id][0] == np.max(np.abs(moved)) > 0  # the one moved value
    out = json.loads(render(c, "json"))
    assert out["max_ulp"] == 1000 and out["value_drift"]["> 4 ULP"] == 1
    assert out["max_abs_diff"] == c.drift[rs[2].case_id][0]
    assert render(c, "md").startswith("## ")


def test_markdown_lists_worst_cases_under_their_bucket(base, tmp_path):
    rs = base_results()
    rs = [nudge(r, n) for r, n in zip(rs, (1, 3, 1000, 40), strict=True)]
    c = compare(base, make_set(tmp_path, "b", rs, tf="2.20.0"))
    worst = [
        f"{rs[2].case_id}: 1000.0 ULP, max |diff| {1000 * 2.0**-22:.3g}",  # float32 steps at 3
        f"{rs[3].case_id}: 40.0 ULP, max |diff| {40 * 2.0**-21:.3g}",  # and at 4
    ]
    assert render(c, "md").splitlines() == [
        "## tf2.21-keras3.15-tensorflow -> tf2.20-keras3.15-tensorflow: 4 shared cases",
        "",
        "",
        "### by family (a case with several new axes counts in each)",
        "",
        "- core: 4 shared; values > 4 ULP: 2",
        "",
        "### values (cases whose outputs line up; ULPs of float32 at each output's "
        "largest magnitude)",
        "",
        "- `<= 1 ULP`: 1 cases",
        "- `<= 4 ULP`: 1 cases",
        "- `> 4 ULP`: 2 cases",  # in backticks: a bare "- > 4" is a quote in a list item
        *[f"  - {line}" for line in worst],  # a sub-list of that bucket
    ]
    assert render(c, "text").splitlines()[-3:] == [
        "  > 4 ULP: 2 cases",
        *[f"    {line}" for line in worst],
    ]


def test_different_matrices_compare_shared_cases(base, tmp_path):
    other = make_set(tmp_path, "b", base_results()[:2])
    c = compare(base, other)
    assert c.shared == 2 and len(c.only_a) == 2 and not c.identical
    assert "left out: 2 cases only in" in render(c, "text")


def test_two_matrices_of_one_environment_are_told_apart(base, tmp_path):
    write_set(tmp_path, "a", "default", base_results()[:2], SIGS, env("2.21.0", "3.15.0"))
    c = compare(base, read_set(tmp_path / "a" / "default.json"))
    name = "tf2.21-keras3.15-tensorflow"
    assert render(c, "text").splitlines()[:2] == [
        f"{name} (smoke) -> {name} (default): 2 shared cases",
        f"  left out: 2 cases only in {name} (smoke), 0 only in {name} (default) "
        "(different matrices?)",
    ]
    same = compare(base, make_set(tmp_path, "b", base_results()))  # one matrix, two folders
    assert render(same, "text").splitlines()[0] == (
        f"{name} ({base.path}) -> {name} ({same.b.path}): 4 shared cases (identical)"
    )


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
    files = report_files(read_report(tmp_path, "smoke"))
    md = next(text for path, text in files.items() if path.suffix == ".md")
    assert (
        "| 2.15 | stable | tf2.15-keras2.15-tensorflow | 2.15.0 | 2.15.0 | tensorflow | 4 |" in md
    )
    assert "≠ container 1" in md  # the support table's Keras 2 cell
    assert "container list -> tuple: 1" in md
    assert "**list 2: 2x3 2x3**" in md  # the Keras 2 cell differs from the reference
    svg = next(text for path, text in files.items() if path.suffix == ".svg")
    assert svg.startswith("<svg") and ">7.0<" in svg


def test_report_orders_environments_by_version_number(tmp_path):
    make_set(tmp_path, "tf2.16-keras3.15-tensorflow", base_results(), tf="2.16.0rc1")
    make_set(tmp_path, "tf2.16-keras2.16-tensorflow", base_results(), tf="2.16.1", keras="2.16.0")
    make_set(tmp_path, "tf2.9-keras2.9-tensorflow", base_results(), tf="2.9.0", keras="2.9.0")
    sets = load_sets(tmp_path, "smoke")
    names = [
        "tf2.9-keras2.9-tensorflow",
        "tf2.16-keras2.16-tensorflow",
        "tf2.16-keras3.15-tensorflow",
    ]
    # 2.9 before 2.16, Keras 2 before 3; a TensorFlow release candidate is a pre-release:
    # after every release, and off the upgrade path (the report's next-release section)
    assert [s.path.parent.name for s in sets] == names
    assert [s.path.parent.name for s in upgrade_path(sets)] == [names[0]]


def test_report_of_another_matrix_has_files_of_its_own(tmp_path):
    root, out = tmp_path / "fixtures", tmp_path / "out"
    make_set(root, "tf2.15-keras2.15-tensorflow", base_results(), tf="2.15.0", keras="2.15.0")
    make_set(root, "tf2.21-keras3.15-tensorflow", base_results())
    written = write(root, out, "smoke")
    docs = out / "docs"
    assert written == [
        docs / "CONFORMANCE-smoke.md",
        docs / "drift-smoke.svg",
        docs / "support-smoke.svg",
    ]
    assert sorted(p for p in out.rglob("*") if p.is_file()) == sorted(written)
    md = written[0].read_text(encoding="utf-8")
    assert md.splitlines()[0] == (
        "# Conformance of Keras' recurrent layers across environments (matrix smoke)"
    )
    assert "`rnn-shapes report --matrix smoke`" in md
    assert "(drift-smoke.svg)" in md and "(drift.svg)" not in md  # links its own pictures
    assert "(support-smoke.svg)" in md and "(support.svg)" not in md
    assert written[1].read_text(encoding="utf-8").startswith("<svg")
    with pytest.raises(ValueError, match="no golden sets of matrix 'default'"):
        write(root, out)  # the default report needs default sets; nothing else is written
    assert sorted(p for p in out.rglob("*") if p.is_file()) == sorted(written)


# Rows in the caller's order (oldest TensorFlow first), layers in any order.
DRIFT = {
    "env-b": {"SimpleRNN": 0.0, "LSTM": 12.5},
    "env-a": {"LSTM": 3.0, "GRU-ra0": 0.0, "SimpleRNN": 1.0, "GRU-ra1": 4.0},
}
GRID = [
    ["GRU-ra0", "GRU-ra1", "LSTM", "SimpleRNN"],
    ["env-b", "-", "-", "12.5", "0.0"],
    ["env-a", "0.0", "4.0", "3.0", "1.0"],
]

# Builds DRIFT's rows by iterating a set, whose order follows PYTHONHASHSEED;
# prints that order, then the heat map.
HEATMAP_CHILD = textwrap.dedent("""
    import json, sys
    from rnn_shapes.report.svg import heatmap_svg
    drift = json.loads(sys.argv[1])
    layers = {layer for row in drift.values() for layer in row}
    rows = {env: {layer: row[layer] for layer in layers if layer in row}
            for env, row in drift.items()}
    print(json.dumps([list(row) for row in rows.values()]))
    sys.stdout.write(heatmap_svg(rows))
""")


def svg_grid(svg: str) -> list[list[str]]:
    """The heat map's texts as rows, top to bottom, each left to right."""
    rows: dict[float, list[tuple[float, str]]] = defaultdict(list)
    for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text"):
        rows[float(t.get("y"))].append((float(t.get("x")), t.text))
    return [[text for _, text in sorted(rows[y])] for y in sorted(rows)]


def test_heatmap_is_deterministic():
    svg = heatmap_svg(DRIFT)
    grid = svg_grid(svg)
    start = grid.index(GRID[0])  # below the title, above the caption
    assert grid[start : start + len(GRID)] == GRID
    shuffled = {env: dict(reversed(row.items())) for env, row in DRIFT.items()}
    assert heatmap_svg(shuffled) == svg

    runs = {}
    for seed in ("1", "2"):
        proc = subprocess.run(
            [sys.executable, "-c", HEATMAP_CHILD, json.dumps(DRIFT)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert proc.returncode == 0, proc.stderr
        order, _, runs[seed] = proc.stdout.partition("\n")
        runs[f"order {seed}"] = order
    assert runs["order 1"] != runs["order 2"]  # the two children built their rows differently
    assert runs["1"] == runs["2"] == svg


def test_differences_are_grouped_by_family(tmp_path):
    shape = dict(units=3, batch=3, timesteps=5, features=2, return_sequences=True)
    cases = [
        CASES[0],
        Case(layer="GRU", mask="right", **shape),
        Case(layer="LSTM", stateful=True, **shape),
        Case(layer="LSTM", mask="left", mask_via="call", initial_state="input", **shape),
    ]
    sigs = {c.id: signature(c) for c in cases}
    before = synthetic_results(cases)
    before[1] = replace(before[1], masks=("11111/11110/11100",))
    after = list(before)
    after[1] = replace(after[1], masks=(None,))
    after[2] = Result(after[2].case_id, "rejected", None, error="TypeError: no")
    after[3] = nudge(after[3], 100)
    for name, results in (("a", before), ("b", after)):
        write_set(tmp_path, name, "smoke", results, sigs, env("2.21.0", "3.15.0"))
    c = compare(read_set(tmp_path / "a" / "smoke.json"), read_set(tmp_path / "b" / "smoke.json"))
    fam = c.by_family()
    assert list(fam) == ["core", "masking", "initial state", "stateful"]
    assert fam["core"] == {"shared": 1, "values > 4 ULP": 0}
    assert fam["masking"] == {"shared": 2, "output masks changed": 1, "values > 4 ULP": 1}
    assert fam["initial state"] == {"shared": 1, "values > 4 ULP": 1}
    assert fam["stateful"] == {"shared": 1, "outcome ok -> rejected": 1, "values > 4 ULP": 0}
    text = render(c, "text")
    assert "  stateful: 1 shared; outcome ok -> rejected: 1" in text
    assert "  core: 1 shared; no change" in text
    assert json.loads(render(c, "json"))["families"]["masking"]["output masks changed"] == 1


def test_random_values_compare_by_their_facts_and_bfloat16_round_trips(base, tmp_path):
    """A training case's values are random: they are never drift; its facts are compared.
    A bfloat16 output is written as float32 values under its own dtype, and read back."""
    facts = {"differs_from_inference": True, "repeatable": True}
    rs = [replace(r, facts=facts) for r in base_results()]
    a = make_set(tmp_path, "a2", rs)
    moved = [replace(r, outputs=tuple(o + 1 for o in r.outputs)) for r in rs]
    moved[0] = replace(moved[0], facts={**facts, "repeatable": False})
    c = compare(a, make_set(tmp_path, "b2", moved))
    assert c.drift == {}
    assert dict(c.structural) == {"facts changed": [rs[0].case_id]}
    brain = [replace(r, dtypes=tuple("bfloat16" for _ in r.dtypes)) for r in base_results()]
    back = make_set(tmp_path, "bf", brain)
    assert [r.dtypes for r in back.results.values()] == [r.dtypes for r in brain]


def test_ulps_are_counted_in_the_outputs_own_dtype():
    a = np.array([1.0], dtype=np.float32)
    b = a + np.float32(2.0**-10)
    assert ulp_distance(a, b, "float32") == pytest.approx(2.0**13)
    assert ulp_distance(a, b, "float16") == pytest.approx(1.0)
    assert ulp_distance(a, b, "bfloat16") == pytest.approx(2.0**-3)

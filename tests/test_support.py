"""The report as a support table: cells, release order, minor-to-minor changes, pictures."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import replace

import pytest
from test_compare import CASES, SIGS, base_results, env, make_set

from rnn_shapes.analysis.audit import Audit
from rnn_shapes.analysis.compare import compare
from rnn_shapes.analysis.support import Cell, case_states, cells_of
from rnn_shapes.environment import environment_name, release_order
from rnn_shapes.golden.writing import write_set
from rnn_shapes.report import report_files
from rnn_shapes.report.markdown import (
    cell_history_lines,
    configuration_table,
    minor_change_lines,
    next_release_lines,
)
from rnn_shapes.report.model import build_report, labels, load_sets, read_report, upgrade_path
from rnn_shapes.report.svg import CHAR_WIDTH, heatmap_svg, support_svg
from rnn_shapes.result import Result
from rnn_shapes.verdict import Verdict


@pytest.mark.parametrize(
    "cell, text",
    [
        (Cell(10), "✓"),
        (Cell(10, refused=4), "✓ ⊘4"),
        (Cell(10, differs=Counter(container=3, values=1)), "≠ container 3, values 1"),
        (
            Cell(10, refused=2, differs=Counter(built=2), defects=Counter({"d": 1})),
            "≠ built 2 D1 1 ⊘2",
        ),
        (Cell(10, defects=Counter({"d": 2})), "D1 2"),
    ],
)
def test_a_cell_says_what_its_cases_do(cell, text):
    assert cell.text({"d": "D1"}) == text


def support_cells(audit, comparison):
    """The cells of one environment, as the report builds them."""
    return cells_of(audit, case_states(audit, comparison))


def test_cells_count_defects_refusals_and_differences_by_family_and_layer(tmp_path):
    ref = make_set(tmp_path, "tf2.21-keras3.15-tensorflow", base_results())
    k2 = base_results()
    k2[0] = replace(k2[0], container="list")
    k2[1] = Result(k2[1].case_id, "rejected", None, error="ValueError: no")
    k2[2] = replace(k2[2], container="list")  # explained by two defects: counted under each only
    old = make_set(tmp_path, "tf2.15-keras2.15-tensorflow", k2, tf="2.15.0", keras="2.15.0")
    verdicts = [
        Verdict(CASES[0], "ok", result=k2[0]),
        Verdict(CASES[1], "rejected", result=k2[1]),
        Verdict(CASES[2], "ok", result=k2[2], defects={"d": [], "e": []}),
        Verdict(CASES[3], "ok", result=k2[3]),
    ]
    cells = support_cells(Audit(verdicts=verdicts), compare(ref, old))
    assert {row[0] for row in cells} == {"core"}
    assert sum(c.cases for c in cells.values()) == 4
    assert sum(c.refused for c in cells.values()) == 1
    assert sum((c.differs for c in cells.values()), Counter()) == Counter(
        {"container": 1, "refused here": 1}
    )
    assert sum((c.defects for c in cells.values()), Counter()) == Counter(d=1, e=1)


def test_values_differ_only_beyond_the_oracle_tolerance(tmp_path):
    ref = make_set(tmp_path, "tf2.21-keras3.15-tensorflow", base_results())
    moved = [replace(r, outputs=tuple(o * 1.5 for o in r.outputs)) for r in base_results()]
    far = make_set(tmp_path, "tf2.20-keras3.15-tensorflow", moved, tf="2.20.0")
    near = make_set(
        tmp_path,
        "tf2.19-keras3.15-tensorflow",
        [replace(r, outputs=tuple(o * (1 + 2e-7) for o in r.outputs)) for r in base_results()],
        tf="2.19.0",
    )
    for other, want in ((far, len(CASES)), (near, 0)):
        verdicts = [Verdict(c, "ok", result=other.results[c.id]) for c in CASES]
        cells = support_cells(Audit(verdicts=verdicts), compare(ref, other))
        assert sum(c.differs["values"] for c in cells.values()) == want


def env_of(name: str) -> dict[str, str]:
    m = re.fullmatch(r"(?:tf([\d.]+)-)?keras([\d.]+)-(\w+)", name)
    assert m
    return {"tensorflow": m[1] or "none", "keras": m[2], "backend": m[3]}


def test_environment_names_read_and_sort_in_release_order():
    names = [
        "tf2.21-keras3.15-torch",
        "keras3.0-torch",
        "tf2.16-keras3.15-tensorflow",
        "tf2.17-keras3.2-tensorflow",
        "tf2.21-keras2.21-tensorflow",
        "keras3.0-jax",
        "tf2.16-keras3.0-tensorflow",
        "tf2.12-keras2.12-tensorflow",
        "tf2.21-keras3.15-tensorflow",
        "tf2.20-keras3.10-tensorflow",
    ]
    for name in names:
        assert environment_name(env_of(name)) == name
    assert sorted(names, key=lambda n: release_order(env_of(n))) == [
        "tf2.12-keras2.12-tensorflow",
        "tf2.21-keras2.21-tensorflow",
        "tf2.16-keras3.0-tensorflow",
        "keras3.0-jax",
        "keras3.0-torch",
        "tf2.17-keras3.2-tensorflow",
        "tf2.20-keras3.10-tensorflow",
        "tf2.16-keras3.15-tensorflow",
        "tf2.21-keras3.15-tensorflow",
        "tf2.21-keras3.15-torch",
    ]


def minors(tmp_path):
    """Keras 2.15, 3.0, 3.1 (one case changes container), 3.15 on two TF and on JAX."""
    make_set(tmp_path, "tf2.15-keras2.15-tensorflow", base_results(), tf="2.15.0", keras="2.15.0")
    make_set(tmp_path, "tf2.16-keras3.0-tensorflow", base_results(), tf="2.16.1", keras="3.0.5")
    changed = base_results()
    changed[0] = replace(changed[0], container="list")
    make_set(tmp_path, "tf2.16-keras3.1-tensorflow", changed, tf="2.16.1", keras="3.1.1")
    make_set(tmp_path, "tf2.16-keras3.15-tensorflow", base_results(), tf="2.16.1")
    make_set(tmp_path, "tf2.21-keras3.15-tensorflow", base_results())
    jax_env = env("none", "3.15.0") | {"backend": "jax"}
    write_set(tmp_path, "keras3.15-jax", "smoke", base_results(), SIGS, jax_env)
    assert environment_name(jax_env) == "keras3.15-jax"
    return load_sets(tmp_path, "smoke")


def test_the_upgrade_path_walks_the_keras_3_minors(tmp_path):
    sets = minors(tmp_path)
    assert labels(sets) == ["2.15", "3.0", "3.1", "3.15 tf2.16", "3.15 tf2.21", "3.15 jax"]
    assert [environment_name(s.metadata) for s in upgrade_path(sets)] == [
        "tf2.15-keras2.15-tensorflow",
        "tf2.16-keras3.0-tensorflow",
        "tf2.16-keras3.1-tensorflow",
        "tf2.21-keras3.15-tensorflow",  # 3.15's newest TensorFlow
    ]


def test_changes_between_consecutive_minors_name_each_cell(tmp_path):
    sets = minors(tmp_path)
    lines = minor_change_lines(build_report(sets))
    assert lines[0] == "- Keras 3.0.5 -> 3.1.1: 1 cell"
    assert re.fullmatch(r"  - core \w+: ≠ container 0 -> 1", lines[1])
    assert lines[2] == "- Keras 3.1.1 -> 3.15.0: 1 cell"
    assert re.fullmatch(r"  - core \w+: ≠ container 1 -> 0", lines[3])
    assert lines[4:] == []
    # with one Keras 3 minor there is nothing to walk, and the report says so
    one = [s for s in sets if s.metadata["keras"] in ("2.15.0", "3.0.5")]
    assert minor_change_lines(build_report(one)) == [
        "Fewer than two Keras 3 minors are recorded on TensorFlow: nothing to walk."
    ]


def test_the_arity_table_keeps_only_configurations_that_differ(tmp_path):
    sets = minors(tmp_path)
    line, _, head, _, *rows = configuration_table(build_report(sets))
    (same, total) = re.fullmatch(
        r"(\d+) of the (\d+) configurations .* differ somewhere:", line
    ).groups()
    assert int(same) + 1 == int(total) and len(rows) == 1  # only Keras 3.1's list differs
    assert rows[0].startswith("| SimpleRNN | uni | 0 | 0 | 0 |") and "**list 1: 2x3**" in rows[0]
    assert head.split(" | ")[5:7] == ["2.15", "3.0"]


def text_fits(svg: str) -> list[str]:
    """Texts (not rotated) whose estimated width runs past the picture's right edge."""
    root = ET.fromstring(svg)
    width = float(root.get("width"))
    out = []
    for t in root.iter("{http://www.w3.org/2000/svg}text"):
        if t.get("transform") or t.get("text-anchor"):
            continue
        size = float(t.get("font-size", root.get("font-size")))
        if float(t.get("x")) + len(t.text) * CHAR_WIDTH * size / 12 > width:
            out.append(t.text)
    return out


def test_the_pictures_titles_and_captions_fit_inside(tmp_path):
    sets = minors(tmp_path)
    files = report_files(read_report(tmp_path, "smoke"))
    svgs = [text for path, text in files.items() if path.suffix == ".svg"]
    assert len(svgs) == 2
    for svg in svgs:
        assert text_fits(svg) == []
    # a narrow picture wraps its title rather than letting it run out
    narrow = heatmap_svg({"e": {"LSTM": 1.0}})
    assert text_fits(narrow) == [] and narrow.count("<text") > 5
    assert text_fits(support_svg(build_report(sets[:1]))) == []  # one column


def test_labels_fall_back_to_the_full_name_where_two_are_alike(tmp_path):
    minors(tmp_path)
    with_tf = env("2.21.0", "3.15.0") | {"backend": "jax"}
    write_set(tmp_path, "tf2.21-keras3.15-jax", "smoke", base_results(), SIGS, with_tf)
    sets = load_sets(tmp_path, "smoke")
    assert labels(sets)[-3:] == ["3.15 tf2.21", "keras3.15-jax", "tf2.21-keras3.15-jax"]
    assert len(set(labels(sets))) == len(sets)


def test_the_next_release_section_measures_a_pre_release_against_its_newest_release(tmp_path):
    """A nightly on JAX against Keras 3.15 on JAX (not the TensorFlow reference): the cell
    it changes with an example, the case it newly refuses; the releases' path and
    reference stay releases; without a pre-release there is no section."""
    sets = minors(tmp_path)
    assert next_release_lines(build_report(sets)) == []
    refused = base_results()
    refused[0] = Result(refused[0].case_id, "rejected", None, error="TypeError: nightly")
    nightly = env("none", "3.16.0.dev2026102704") | {"backend": "jax"}
    write_set(tmp_path, environment_name(nightly), "smoke", refused, SIGS, nightly)
    sets = load_sets(tmp_path, "smoke")
    report = build_report(sets)
    assert report.reference == "tf2.21-keras3.15-tensorflow"
    assert labels(sets)[-1] == "next 3.16 jax"
    assert "keras3.16.0.dev2026102704-jax" not in [s.environment.name for s in upgrade_path(sets)]
    (change,) = report.next_changes
    assert (change.pre, change.release) == ("keras3.16.0.dev2026102704-jax", "keras3.15-jax")
    assert change.refusals == [refused[0].case_id]
    assert any(refused[0].case_id in examples for _, _, examples in change.cells)
    text = next_release_lines(report)
    assert text[0] == "## What the next release changes"
    assert any(
        line.startswith("- keras3.16.0.dev2026102704-jax against keras3.15-jax") for line in text
    )
    assert any("newly refused: 1 cases" in line for line in text)


def test_each_cell_that_changes_says_since_and_until_when(tmp_path):
    """A cell's stretches per lane: Keras 3.1's list is a cell of its own."""
    report = build_report(minors(tmp_path))
    ((row, lanes),) = report.cell_history.items()
    assert row[0] == "core" and list(lanes) == ["tensorflow"]  # the jax lane has one stretch
    assert [(s.first, s.last, s.text) for s in lanes["tensorflow"]] == [
        ("2.15", "3.0", "✓"),
        ("3.1", "3.1", "≠ container 1"),
        ("3.15 tf2.16", "3.15 tf2.21", "✓"),
    ]
    (line,) = [x for x in cell_history_lines(report) if x.startswith("- ")]
    assert line == (
        f"- core · {row[1]}: tensorflow: until 3.0 `✓`, 3.1 `≠ container 1`, since 3.15 tf2.16 `✓`"
    )

"""docs/CONFORMANCE.md and docs/drift.svg, generated from the committed golden sets.

Never edited by hand: tests/test_report.py fails when the committed files
differ from what `rnn-shapes report` writes. Needs no TensorFlow. Another
matrix's report goes beside it, as docs/CONFORMANCE-<matrix>.md and
docs/drift-<matrix>.svg.
"""

from __future__ import annotations

import math
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

from rnn_shapes.golden.atomic import atomic_write_text, ensure_writable_dir
from rnn_shapes.golden.audit import Audit, audit
from rnn_shapes.golden.compare import compare, family_line, summary_counts
from rnn_shapes.golden.sets import GoldenSet, read_set
from rnn_shapes.keras.environment import environment_name, major, version_tuple
from rnn_shapes.result import Result
from rnn_shapes.spec.case import FAMILIES, families
from rnn_shapes.spec.matrix import matrix

REFERENCE_SHAPE = (2, 5, 1, 3)  # (B, T, D, U) of the per-configuration table
REPORT = Path("docs/CONFORMANCE.md")
HEATMAP = Path("docs/drift.svg")


def report_paths(matrix_name: str = "default") -> tuple[Path, Path]:
    """(markdown, heat map) of a matrix: the default's keep their plain, linked-to names."""
    if matrix_name == "default":
        return REPORT, HEATMAP
    return (
        REPORT.with_name(f"{REPORT.stem}-{matrix_name}{REPORT.suffix}"),
        HEATMAP.with_name(f"{HEATMAP.stem}-{matrix_name}{HEATMAP.suffix}"),
    )


def load_sets(root: Path, matrix_name: str = "default") -> list[GoldenSet]:
    """Every committed set of `matrix_name`, oldest TensorFlow first, Keras 2 before 3."""
    sets = [read_set(p) for p in sorted(Path(root).glob(f"*/{matrix_name}.json"))]

    def order(s: GoldenSet) -> tuple:
        m = s.metadata
        return (
            version_tuple(m["tensorflow"]),
            major(m["keras"]),
            m["backend"],
        )

    return sorted(sets, key=order)


def _cell(r: Result | None) -> str:
    if r is None:
        return "not recorded"
    if r.outcome == "rejected":
        return "refused"
    shapes = " ".join("x".join(str(n) for n in s) for s in r.shapes)
    return f"{r.container} {r.arity}: {shapes}"


def _config_rows(sets: list[GoldenSet]) -> list[str]:
    b, t, d, u = REFERENCE_SHAPE
    cases = [
        c
        for c in matrix(sets[0].matrix)
        if (c.batch, c.timesteps, c.features, c.units) == (b, t, d, u)
        and c.weights == "distinct"
        and c.sample is None
    ]
    names = [environment_name(s.metadata) for s in sets]
    head = ["layer", "direction", "seq", "state", "backwards", *names]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    ref = sets.index(reference(sets))
    for c in cases:
        cells = [_cell(s.results.get(c.id)) for s in sets]
        marked = [cell if cell == cells[ref] else f"**{cell}**" for cell in cells]
        rows.append(
            "| "
            + " | ".join(
                [
                    c.layer_tag,
                    c.direction,
                    str(int(c.return_sequences)),
                    str(int(c.return_state)),
                    str(int(c.go_backwards)),
                    *marked,
                ]
            )
            + " |"
        )
    return rows


def reference(sets: list[GoldenSet]) -> GoldenSet:
    """The set others are measured against: the newest Keras 3 on TensorFlow."""
    keras3_tf = [s for s in sets if s.keras_major >= 3 and s.metadata["backend"] == "tensorflow"]
    return (keras3_tf or sets)[-1]


def _drift_by_layer(sets: list[GoldenSet]) -> dict[str, dict[str, float]]:
    """environment -> layer -> largest ULP distance from the reference set."""
    ref = reference(sets)
    cases = {c.id: c for c in matrix(ref.matrix)}
    out: dict[str, dict[str, float]] = {}
    for s in sets:
        comparison = compare(ref, s)
        per_layer: dict[str, float] = defaultdict(float)
        for cid, (_, ulp) in comparison.drift.items():
            tag = cases[cid].layer_tag if cid in cases else "?"
            per_layer[tag] = max(per_layer[tag], ulp)
        out[environment_name(s.metadata)] = dict(per_layer)
    return out


def heatmap_svg(drift: dict[str, dict[str, float]]) -> str:
    """Environment x layer, colour by log2(max ULP + 1); deterministic text."""
    layers = sorted({layer for row in drift.values() for layer in row})
    envs = list(drift)
    cw, ch, left, top = 90, 22, 230, 40
    w, h = left + cw * len(layers) + 10, top + ch * len(envs) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'font-family="sans-serif" font-size="12">',
        f'<text x="{left}" y="16">max drift from the reference in ULPs '
        f"(at each output's scale), by layer</text>",
    ]
    for j, layer in enumerate(layers):
        parts.append(
            f'<text x="{left + j * cw + cw // 2}" y="{top - 6}" text-anchor="middle">{layer}</text>'
        )
    for i, env in enumerate(envs):
        y = top + i * ch
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{env}</text>')
        for j, layer in enumerate(layers):
            ulp = drift[env].get(layer)
            level = 0.0 if not ulp else min(1.0, math.log2(ulp + 1) / 12)
            shade = int(255 - 200 * level)
            fill = "#eeeeee" if ulp is None else f"rgb(255,{shade},{shade})"
            label = "-" if ulp is None else f"{ulp:.1f}"
            parts.append(
                f'<rect x="{left + j * cw}" y="{y}" width="{cw - 2}" height="{ch - 2}" '
                f'fill="{fill}"/>'
            )
            parts.append(
                f'<text x="{left + j * cw + cw // 2}" y="{y + 15}" '
                f'text-anchor="middle">{label}</text>'
            )
    parts.append(
        f'<text x="{left}" y="{h - 10}">white: bit-identical; darker: more ULPs '
        f'(log scale); "-": no comparable case</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def upgrade_path(sets: list[GoldenSet]) -> list[GoldenSet]:
    """TensorFlow minors with their default Keras (2 up to TF 2.15, 3 after) on TensorFlow."""

    def default_keras(s: GoldenSet) -> int:
        return 2 if version_tuple(s.metadata["tensorflow"]) <= (2, 15) else 3

    return [
        s
        for s in sets
        if s.metadata["backend"] == "tensorflow" and s.keras_major == default_keras(s)
    ]


def _change_lines(a: GoldenSet, b: GoldenSet) -> list[str]:
    """A bullet per pair of sets, with a nested bullet per family where a change is."""
    comparison = compare(a, b)
    head = f"- {environment_name(a.metadata)} -> {environment_name(b.metadata)}"
    if not comparison.shared:
        return [f"{head}: no shared case"]
    per_family = comparison.by_family()
    moved = {f: n for f, n in per_family.items() if any(v for k, v in n.items() if k != "shared")}
    counts = summary_counts(comparison)
    total = "; ".join(f"{k}: {n}" for k, n in sorted(counts.items()) if n)
    if not moved:
        return [f"{head}: {total}; no change in any family ({', '.join(per_family)})"]
    return [f"{head}: {total}"] + [f"  - {family_line(f, n)}" for f, n in moved.items()]


def _family_rows(sets: list[GoldenSet], audits: dict[str, Audit]) -> list[str]:
    """Per environment and family: cases agreeing with the rules and the oracle,
    of those recorded, and how many differ as a listed defect says."""
    head = ["environment", *FAMILIES]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in sets:
        name = environment_name(s.metadata)
        cells = []
        for fam in FAMILIES:
            mine = [v for v in audits[name].verdicts if fam in families(v.case.id)]
            agree = sum(v.agrees and v.defect is None for v in mine)
            defects = sum(v.agrees and v.defect is not None for v in mine)
            cell = f"{agree}/{len(mine)}" + (f" ({defects} defect)" if defects else "")
            cells.append(cell if mine else "-")
        rows.append("| " + " | ".join([name, *cells]) + " |")
    return rows


def report_markdown(sets: list[GoldenSet], matrix_name: str = "default") -> str:
    """The report of `sets` (all of matrix `matrix_name`), linking that matrix's heat map."""
    memo: dict = {}
    default = matrix_name == "default"
    heatmap = report_paths(matrix_name)[1]
    lines = [
        "# Conformance of Keras' recurrent layers across environments"
        + ("" if default else f" (matrix {matrix_name})"),
        "",
        "Generated by `rnn-shapes report"
        + ("" if default else f" --matrix {matrix_name}")
        + "` from the committed golden sets in `fixtures/`; "
        "do not edit by hand (a test fails when this file is stale).",
        "",
        "## Environments",
        "",
        "| environment | tensorflow | keras | backend | cases | agree with oracle and "
        "rules | differ as a listed defect says | refused by Keras | largest deviation "
        "from the oracle (agreeing cases) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    audits = {environment_name(s.metadata): audit(s, memo) for s in sets}
    for s in sets:
        a = audits[environment_name(s.metadata)]
        m = s.metadata
        plain = [v for v in a.verdicts if v.defect is None]
        agree = sum(v.agrees for v in plain)
        defects = sum(v.agrees for v in a.verdicts if v.defect is not None)
        refused = sum(r.outcome == "rejected" for r in s.results.values())
        worst = max((v.max_deviation for v in plain), default=0.0)
        lines.append(
            f"| {environment_name(m)} | {m['tensorflow']} | {m['keras']} | "
            f"{m['backend']} | {len(s.results)} | {agree} | {defects} | {refused} | {worst:.3g} |"
        )
    lines += [
        "",
        "## Agreement by family",
        "",
        "Cases that agree with the rules and the oracle, of those recorded, per family "
        "of semantics (a case with several new axes counts in each); in brackets, cases "
        "that differ as a defect listed in `rnn_shapes/defects.toml` says.",
        "",
        *_family_rows(sets, audits),
    ]
    ref = reference(sets)
    path = upgrade_path(sets)
    lines += [
        "",
        "## What changes on the upgrade path",
        "",
        "Each TensorFlow minor with the Keras it installs by default (Keras 2 up to 2.15, "
        "Keras 3 from 2.16) and the TensorFlow backend, against the one before it. "
        "`rnn-shapes compare A B` lists the cases; nested bullets name the families "
        "where something changed.",
        "",
    ]
    lines += [line for a, b in pairwise(path) for line in _change_lines(a, b)]
    lines += ["", f"## Other environments against {environment_name(ref.metadata)}", ""]
    lines += [line for s in sets if s not in path for line in _change_lines(ref, s)]
    lines += [
        "",
        "## Value drift",
        "",
        f"Largest drift of each environment's values from {environment_name(ref.metadata)}, "
        "per layer, in ULPs of each output's dtype at its scale, over the cases whose "
        "outputs line up:",
        "",
        f"![max ULP distance by environment and layer]({heatmap.name})",
        "",
        f"## Arity and shapes per configuration, at (B, T, D, U) = {REFERENCE_SHAPE}",
        "",
        "Cell: container, arity, then each output's shape in order. **Bold**: differs "
        f"from {environment_name(reference(sets).metadata)}.",
        "",
    ]
    lines += _config_rows(sets)
    return "\n".join(lines) + "\n"


def generate(root: Path, matrix_name: str = "default") -> dict[Path, str]:
    """The report files of a matrix (paths relative to the output folder) and their contents."""
    sets = load_sets(root, matrix_name)
    if not sets:
        raise ValueError(f"no golden sets of matrix {matrix_name!r} under {root}")
    report, heatmap = report_paths(matrix_name)
    return {
        report: report_markdown(sets, matrix_name),
        heatmap: heatmap_svg(_drift_by_layer(sets)),
    }


def write(root: Path, out_dir: Path, matrix_name: str = "default") -> list[Path]:
    """Write the report of `matrix_name` under `out_dir`; returns the paths written.

    Every set is read first, and the folder checked, so bad input writes nothing.
    """
    files = generate(root, matrix_name)
    ensure_writable_dir(out_dir / REPORT.parent)
    written = []
    for rel, text in files.items():
        path = out_dir / rel
        atomic_write_text(path, text)
        written.append(path)
    return written

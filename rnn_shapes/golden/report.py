"""docs/CONFORMANCE.md, docs/support.svg and docs/drift.svg, from the committed golden sets.

Never edited by hand: tests/test_report.py fails when the committed files
differ from what `rnn-shapes report` writes. Needs no TensorFlow. Another
matrix's report goes beside it, as docs/CONFORMANCE-<matrix>.md,
docs/support-<matrix>.svg and docs/drift-<matrix>.svg.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from itertools import pairwise
from pathlib import Path

from rnn_shapes.defects import load as load_defects
from rnn_shapes.golden.atomic import atomic_write_text, ensure_writable_dir
from rnn_shapes.golden.audit import Audit, audit
from rnn_shapes.golden.compare import Comparison, compare, family_line, summary_counts
from rnn_shapes.golden.sets import GoldenSet, read_set
from rnn_shapes.golden.support import STATES, Cell, Row, defect_labels, rows_of, support_cells
from rnn_shapes.keras.environment import (
    environment_name,
    minor,
    release_order,
    version_tuple,
)
from rnn_shapes.result import Result
from rnn_shapes.spec.matrix import matrix

REFERENCE_SHAPE = (2, 5, 1, 3)  # (B, T, D, U) of the per-configuration table
REPORT = Path("docs/CONFORMANCE.md")
HEATMAP = Path("docs/drift.svg")
SUPPORT = Path("docs/support.svg")
COLOURS = {"agrees": "#4caf50", "refused": "#b0bec5", "differs": "#ffb300", "defect": "#e53935"}
CHAR_WIDTH = 7.2  # a generous width of one 12 px sans-serif character, for fitting text


def report_paths(matrix_name: str = "default") -> tuple[Path, Path, Path]:
    """(markdown, heat map, support picture) of a matrix: the default's keep their plain,
    linked-to names."""
    if matrix_name == "default":
        return REPORT, HEATMAP, SUPPORT
    return tuple(
        p.with_name(f"{p.stem}-{matrix_name}{p.suffix}") for p in (REPORT, HEATMAP, SUPPORT)
    )


def load_sets(root: Path, matrix_name: str = "default") -> list[GoldenSet]:
    """Every committed set of `matrix_name`, in release order (keras/environment.py)."""
    sets = [read_set(p) for p in sorted(Path(root).glob(f"*/{matrix_name}.json"))]
    return sorted(sets, key=lambda s: release_order(s.metadata))


def labels(sets: list[GoldenSet]) -> list[str]:
    """Short column names: the Keras minor, with the backend or TensorFlow where that
    minor has several environments ('3.0', '3.0 jax', '3.15 tf2.16'); the full name
    where that still leaves two alike (3.15 on JAX with and without TensorFlow)."""
    minors = Counter(minor(s.metadata["keras"]) for s in sets)
    out = []
    for s in sets:
        m = s.metadata
        label = minor(m["keras"])
        if minors[label] > 1:
            tf = "" if m["tensorflow"] == "none" else f"tf{minor(m['tensorflow'])}"
            label += f" {m['backend'] if m['backend'] != 'tensorflow' else tf}"
        out.append(label)
    clashes = Counter(out)
    return [
        environment_name(s.metadata) if clashes[label] > 1 else label
        for s, label in zip(sets, out, strict=True)
    ]


def _cell(r: Result | None) -> str:
    if r is None:
        return "not recorded"
    if r.outcome == "rejected":
        return "refused"
    shapes = " ".join("x".join(str(n) for n in s) for s in r.shapes)
    return f"{r.container} {r.arity}: {shapes}"


def _config_rows(sets: list[GoldenSet]) -> list[str]:
    """The configurations at REFERENCE_SHAPE whose arity, container or shapes differ
    somewhere, and one line saying how many are the same in every environment."""
    b, t, d, u = REFERENCE_SHAPE
    cases = [
        c
        for c in matrix(sets[0].matrix)
        if (c.batch, c.timesteps, c.features, c.units) == (b, t, d, u)
        and c.weights == "distinct"
        and c.sample is None
    ]
    head = ["layer", "direction", "seq", "state", "backwards", *labels(sets)]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    ref = sets.index(reference(sets))
    same = 0
    for c in cases:
        cells = [_cell(s.results.get(c.id)) for s in sets]
        if len(set(cells)) == 1:
            same += 1
            continue
        marked = [cell if cell == cells[ref] else f"**{cell}**" for cell in cells]
        flags = (c.return_sequences, c.return_state, c.go_backwards)
        rows.append(
            "| "
            + " | ".join([c.layer_tag, c.direction, *(str(int(f)) for f in flags), *marked])
            + " |"
        )
    line = (
        f"{same} of the {len(cases)} configurations return the same container, arity and "
        f"shapes in every environment; the {len(cases) - same} that differ somewhere:"
    )
    return [line, "", *rows]


def reference(sets: list[GoldenSet]) -> GoldenSet:
    """The set others are measured against: the newest Keras 3 on TensorFlow."""
    keras3_tf = [s for s in sets if s.keras_major >= 3 and s.metadata["backend"] == "tensorflow"]
    return (keras3_tf or sets)[-1]


def _drift_by_layer(sets: list[GoldenSet], compared=compare) -> dict[str, dict[str, float]]:
    """environment -> layer -> largest ULP distance from the reference set."""
    ref = reference(sets)
    cases = {c.id: c for c in matrix(ref.matrix)}
    out: dict[str, dict[str, float]] = {}
    for s in sets:
        comparison = compared(ref, s)
        per_layer: dict[str, float] = defaultdict(float)
        for cid, (_, ulp) in comparison.drift.items():
            tag = cases[cid].layer_tag if cid in cases else "?"
            per_layer[tag] = max(per_layer[tag], ulp)
        out[environment_name(s.metadata)] = dict(per_layer)
    return out


def heatmap_svg(drift: dict[str, dict[str, float]]) -> str:
    """Environment x layer, colour by log2(max ULP + 1); title and caption wrapped inside."""
    layers = sorted({layer for row in drift.values() for layer in row})
    envs = list(drift)
    cw, ch, left = 90, 22, 10 + int(max(map(len, envs)) * CHAR_WIDTH)
    w = left + cw * len(layers) + 10
    title = _wrap(
        "Largest drift from the reference in ULPs (at each output's scale), by layer", w - 20
    )
    caption = _wrap(
        'White: bit-identical; darker: more ULPs (log scale); "-": no comparable case.', w - 20
    )
    top = 30 + 16 * len(title)
    h = top + ch * len(envs) + 16 * len(caption) + 16
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{w}" height="{h}" fill="white"/>',
    ]
    parts += _text_lines(title, 18)
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
            label = "-" if ulp is None else f"{ulp:.1f}" if ulp < 1e5 else f"{ulp:.1e}"
            parts.append(
                f'<rect x="{left + j * cw}" y="{y}" width="{cw - 2}" height="{ch - 2}" '
                f'fill="{fill}" stroke="#dddddd"/>'
            )
            parts.append(
                f'<text x="{left + j * cw + cw // 2}" y="{y + 15}" '
                f'text-anchor="middle">{label}</text>'
            )
    y = top + ch * len(envs) + 18
    parts += _text_lines(caption, y)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def upgrade_path(sets: list[GoldenSet]) -> list[GoldenSet]:
    """The Keras releases in order on TensorFlow: Keras 2 as TF <= 2.15 ships it, then
    each Keras 3 minor with the newest TensorFlow recorded for it."""
    keras2 = [
        s
        for s in sets
        if s.keras_major == 2
        and s.metadata["tensorflow"] != "none"
        and version_tuple(s.metadata["tensorflow"]) <= (2, 15)
    ]
    keras3: dict[str, GoldenSet] = {}
    for s in sets:  # release order: the last of a minor has the newest TensorFlow
        if s.keras_major >= 3 and s.metadata["backend"] == "tensorflow":
            keras3[minor(s.metadata["keras"])] = s
    return keras2 + list(keras3.values())


def _change_lines(a: GoldenSet, b: GoldenSet, compared=compare) -> list[str]:
    """A bullet per pair of sets, with a nested bullet per family where a change is."""
    comparison = compared(a, b)
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


class _Compared:
    """compare() of two sets, computed once per pair while a report is made."""

    def __init__(self) -> None:
        self.memo: dict[tuple[Path, Path], Comparison] = {}

    def __call__(self, a: GoldenSet, b: GoldenSet) -> Comparison:
        key = (a.path, b.path)
        if key not in self.memo:
            self.memo[key] = compare(a, b)
        return self.memo[key]


def support(
    sets: list[GoldenSet], audits: dict[str, Audit], compared: _Compared
) -> tuple[list[Row], list[dict[Row, Cell]]]:
    """The support table's rows and, per set, its cells (against the reference set)."""
    ref = reference(sets)
    cells = [support_cells(audits[environment_name(s.metadata)], compared(ref, s)) for s in sets]
    return rows_of(cells), cells


def _support_rows(sets: list[GoldenSet], rows: list[Row], cells: list[dict]) -> list[str]:
    """The support table, its defects as reference links ([D3] in a cell, defined once
    below), and the list of the defects it shows."""
    names = defect_labels()
    linked = {n: f"[{label}]" for n, label in names.items()}
    head = ["family", "layer", *labels(sets)]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        texts = [c[row].text(linked) if row in c else "-" for c in cells]
        out.append("| " + " | ".join([*row, *texts]) + " |")
    shown = {d for c in cells for cell in c.values() for d in cell.defects}
    defects = {d.name: d for d in load_defects()}
    used = sorted(shown, key=list(names).index)
    out += ["", "Listed defects shown (`rnn_shapes/defects.toml`, numbered in its order):", ""]
    for name in used:
        d = defects[name]
        where = d.upstream or "no upstream issue found (see the file)"
        out.append(f"- {names[name]} `{name}`: Keras {d.keras}, {', '.join(d.backends)}; {where}")
    out.append("")
    out += [f"[{names[n]}]: {defects[n].upstream or '../rnn_shapes/defects.toml'}" for n in used]
    return out


def minor_changes(sets: list[GoldenSet], rows: list[Row], cells: list[dict]) -> list[str]:
    """What changes in each support-table cell from one Keras 3 minor to the next (on
    TensorFlow, the upgrade path's sets), as 'family layer: part before -> after'."""
    names = defect_labels()
    path = [s for s in upgrade_path(sets) if s.keras_major >= 3]
    if len(path) < 2:
        return ["Fewer than two Keras 3 minors are recorded on TensorFlow: nothing to walk."]
    index = {id(s): i for i, s in enumerate(sets)}
    out = []
    for a, b in pairwise(path):
        ca, cb = cells[index[id(a)]], cells[index[id(b)]]
        moved = []
        for row in rows:
            if row not in ca or row not in cb:
                continue
            before, after = ca[row].counts(names), cb[row].counts(names)
            parts = [
                f"{part} {before.get(part, 0)} -> {after.get(part, 0)}"
                for part in {**before, **after}
                if before.get(part, 0) != after.get(part, 0)
            ]
            if parts:
                moved.append(f"{' '.join(row)}: {', '.join(parts)}")
        head = f"- Keras {a.metadata['keras']} -> {b.metadata['keras']}"
        n = len(moved)
        out.append(f"{head}: " + (f"{n} cell{'s' * (n != 1)}" if n else "no cell changes"))
        out += [f"  - {m}" for m in moved]
    return out


def _wrap(text: str, width_px: float) -> list[str]:
    """Words of `text` in lines that fit `width_px` at CHAR_WIDTH a character."""
    per_line = max(10, int(width_px / CHAR_WIDTH))
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _text_lines(lines: list[str], y: int, style: str = "") -> list[str]:
    """Wrapped lines (`_wrap`) as SVG text at the left margin, 16 px apart from `y`."""
    return [f'<text x="10" y="{y + 16 * i}"{style}>{line}</text>' for i, line in enumerate(lines)]


def _cell_bar(cell: Cell | None, x: int, y: int, w: int, h: int) -> list[str]:
    """A cell as a bar of its cases' states, left to right in STATES order (grey if none)."""
    if cell is None or not cell.cases:
        return [f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#eeeeee"/>']
    out, start = [], 0
    for state in STATES:
        n = cell.states[state]
        if not n:
            continue
        end = start + n
        x0, x1 = x + round(w * start / cell.cases), x + round(w * end / cell.cases)
        out.append(
            f'<rect x="{x0}" y="{y}" width="{x1 - x0}" height="{h}" fill="{COLOURS[state]}"/>'
        )
        start = end
    return out


def support_svg(sets: list[GoldenSet], rows: list[Row], cells: list[dict]) -> str:
    """The support table as a picture: a square per family, layer and environment,
    coloured by its state; title and caption wrapped inside the picture's width."""
    cols = labels(sets)
    cw, ch, left = 22, 16, 170
    head = int(max(len(c) for c in cols) * CHAR_WIDTH * 0.75) + 20
    grid_w = cw * len(cols)
    width = left + grid_w + 50  # room for the last rotated label
    title = _wrap("What each environment does, per semantic family and layer", width - 20)
    caption = _wrap(
        f"Columns: environments in release order, Keras 2 then each Keras 3 minor (its "
        f"backend or TensorFlow where one minor has several). Each square is a bar of its "
        f"cases: green agrees with the NumPy oracle and with "
        f"{environment_name(reference(sets).metadata)}; grey is refused by Keras as its "
        f"rules say; amber differs from that reference as its version's rules allow; red "
        f"shows a listed Keras defect. Counts and links: docs/CONFORMANCE.md.",
        width - 20,
    )
    top = 14 + 16 * len(title) + head
    height = top + ch * len(rows) + 16 * len(caption) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    parts += _text_lines(title, 20, ' font-weight="bold"')
    for j, col in enumerate(cols):
        x, y = left + j * cw + cw // 2, top - 6
        parts.append(
            f'<text x="{x}" y="{y}" font-size="10" transform="rotate(-60 {x} {y})">{col}</text>'
        )
    for i, (fam, layer) in enumerate(rows):
        y = top + i * ch
        parts.append(
            f'<text x="{left - 6}" y="{y + 12}" text-anchor="end" font-size="11">'
            f"{fam} · {layer}</text>"
        )
        for j, c in enumerate(cells):
            parts += _cell_bar(c.get((fam, layer)), left + j * cw, y, cw - 2, ch - 2)
    y = top + ch * len(rows) + 24
    parts += _text_lines(caption, y)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def report_markdown(
    sets: list[GoldenSet],
    matrix_name: str = "default",
    compared: _Compared | None = None,
    audits: dict[str, Audit] | None = None,
    table: tuple[list[Row], list[dict[Row, Cell]]] | None = None,
) -> str:
    """The report of `sets` (all of matrix `matrix_name`), linking that matrix's pictures."""
    memo: dict = {}
    compared = compared or _Compared()
    default = matrix_name == "default"
    _, heatmap, picture = report_paths(matrix_name)
    audits = audits or {environment_name(s.metadata): audit(s, memo) for s in sets}
    rows, cells = table or support(sets, audits, compared)
    ref = reference(sets)
    lines = [
        "# Conformance of Keras' recurrent layers across environments"
        + ("" if default else f" (matrix {matrix_name})"),
        "",
        "Generated by `rnn-shapes report"
        + ("" if default else f" --matrix {matrix_name}")
        + "` from the committed golden sets in `fixtures/`; "
        "do not edit by hand (a test fails when this file is stale).",
        "",
        "## Support table",
        "",
        "Per semantic family and layer (a case with several new axes counts in each of its "
        "families), what each environment does; columns in release order, named by Keras "
        "minor (with the backend or TensorFlow where a minor has several environments; "
        "the table below names them in full). ✓ every case agrees with the NumPy oracle, "
        f"its version's rules and {environment_name(ref.metadata)}; ≠ how many cases differ "
        "from that reference, each as its version's rules allow (a list where the "
        "reference returns a tuple, a version rule, a dtype rule), and how: container, "
        "arity, dtypes, values (beyond the oracle's tolerance), symbolic, built / refused, "
        "refusal message; ⊘ how many cases Keras refuses as its rules say; Dn how many "
        "cases show listed defect n (linked).",
        "",
        f"![support table: family and layer by environment]({picture.name})",
        "",
        *_support_rows(sets, rows, cells),
        "",
        "## Environments",
        "",
        "| column | environment | tensorflow | keras | backend | cases | agree with oracle "
        "and rules | differ as a listed defect says | refused by Keras | largest deviation "
        "from the oracle (agreeing cases) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, s in zip(labels(sets), sets, strict=True):
        a = audits[environment_name(s.metadata)]
        m = s.metadata
        plain = [v for v in a.verdicts if v.defect is None]
        agree = sum(v.agrees for v in plain)
        defects = sum(v.agrees for v in a.verdicts if v.defect is not None)
        refused = sum(r.outcome == "rejected" for r in s.results.values())
        worst = max((v.max_deviation for v in plain), default=0.0)
        lines.append(
            f"| {label} | {environment_name(m)} | {m['tensorflow']} | {m['keras']} | "
            f"{m['backend']} | {len(s.results)} | {agree} | {defects} | {refused} | {worst:.3g} |"
        )
    path = upgrade_path(sets)
    lines += [
        "",
        "## What changes on the upgrade path",
        "",
        "The Keras releases in order on the TensorFlow backend: Keras 2 as TensorFlow "
        "2.12-2.15 ship it, then every Keras 3 minor (with the TensorFlow it is paired "
        "with, README), each against the one before it. `rnn-shapes compare A B` lists "
        "the cases; nested bullets name the families where something changed.",
        "",
    ]
    lines += [line for a, b in pairwise(path) for line in _change_lines(a, b, compared)]
    lines += [
        "",
        "### Support-table cells that change between consecutive Keras 3 minors",
        "",
        *minor_changes(sets, rows, cells),
    ]
    lines += ["", f"## Other environments against {environment_name(ref.metadata)}", ""]
    lines += [line for s in sets if s not in path for line in _change_lines(ref, s, compared)]
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
        f"from {environment_name(ref.metadata)}.",
        "",
    ]
    lines += _config_rows(sets)
    return "\n".join(lines) + "\n"


def generate(root: Path, matrix_name: str = "default") -> dict[Path, str]:
    """The report files of a matrix (paths relative to the output folder) and their contents."""
    sets = load_sets(root, matrix_name)
    if not sets:
        raise ValueError(f"no golden sets of matrix {matrix_name!r} under {root}")
    report, heatmap, picture = report_paths(matrix_name)
    compared, memo = _Compared(), {}
    audits = {environment_name(s.metadata): audit(s, memo) for s in sets}
    rows, cells = support(sets, audits, compared)
    return {
        report: report_markdown(sets, matrix_name, compared, audits, (rows, cells)),
        heatmap: heatmap_svg(_drift_by_layer(sets, compared)),
        picture: support_svg(sets, rows, cells),
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

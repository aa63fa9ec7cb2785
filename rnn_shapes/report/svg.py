"""docs/support.svg and docs/drift.svg from a ConformanceReport: drawing only, no analysis."""

from __future__ import annotations

import math

from rnn_shapes.analysis.support import STATES, Cell
from rnn_shapes.report.model import ConformanceReport

COLOURS = {"agrees": "#4caf50", "refused": "#b0bec5", "differs": "#ffb300", "defect": "#e53935"}
CHAR_WIDTH = 7.2  # a generous width of one 12 px sans-serif character, for fitting text


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


def support_svg(report: ConformanceReport) -> str:
    """The support table as a picture: a square per family, layer and environment,
    coloured by its state; title and caption wrapped inside the picture's width."""
    cols = report.labels
    cw, ch, left = 22, 16, 170
    head = int(max(len(c) for c in cols) * CHAR_WIDTH * 0.75) + 20
    grid_w = cw * len(cols)
    width = left + grid_w + 50  # room for the last rotated label
    title = _wrap("What each environment does, per semantic family and layer", width - 20)
    caption = _wrap(
        f"Columns: environments in release order, Keras 2 then each Keras 3 minor (its "
        f"backend or TensorFlow where one minor has several). Each square is a bar of its "
        f"cases: green agrees with the NumPy oracle and with "
        f"{report.reference}; grey is refused by Keras as its "
        f"rules say; amber differs from that reference as its version's rules allow; red "
        f"shows a listed Keras defect. Counts and links: docs/CONFORMANCE.md.",
        width - 20,
    )
    top = 14 + 16 * len(title) + head
    height = top + ch * len(report.rows) + 16 * len(caption) + 40
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
    for i, (fam, layer) in enumerate(report.rows):
        y = top + i * ch
        parts.append(
            f'<text x="{left - 6}" y="{y + 12}" text-anchor="end" font-size="11">'
            f"{fam} · {layer}</text>"
        )
        for j, c in enumerate(report.cells):
            parts += _cell_bar(c.get((fam, layer)), left + j * cw, y, cw - 2, ch - 2)
    y = top + ch * len(report.rows) + 24
    parts += _text_lines(caption, y)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def drift_svg(report: ConformanceReport) -> str:
    """The report's value drift as its heat map."""
    return heatmap_svg(report.drift)

"""docs/CONFORMANCE.md, docs/support.svg and docs/drift.svg, from the committed golden sets.

Never edited by hand: tests/test_report.py fails when the committed files
differ from what `rnn-shapes report` writes. Needs no TensorFlow. Another
matrix's report goes beside it, as docs/CONFORMANCE-<matrix>.md,
docs/support-<matrix>.svg and docs/drift-<matrix>.svg.

One pipeline: the sets are read and analysed once, into a ConformanceReport
(model.py), which each renderer lays out (markdown.py, svg.py).
"""

from __future__ import annotations

from pathlib import Path

from rnn_shapes.golden.atomic import atomic_write_text, ensure_writable_dir
from rnn_shapes.golden.report.markdown import markdown
from rnn_shapes.golden.report.model import read_report
from rnn_shapes.golden.report.svg import drift_svg, support_svg


def generate(root: Path, matrix_name: str = "default") -> dict[Path, str]:
    """The report files of a matrix (paths relative to the output folder) and their contents."""
    report = read_report(root, matrix_name)
    paths = report.paths
    return {
        paths.markdown: markdown(report),
        paths.heatmap: drift_svg(report),
        paths.support: support_svg(report),
    }


def write(root: Path, out_dir: Path, matrix_name: str = "default") -> list[Path]:
    """Write the report of `matrix_name` under `out_dir`; returns the paths written.

    Every set is read first, and the folder checked, so bad input writes nothing.
    """
    files = generate(root, matrix_name)
    for folder in sorted({rel.parent for rel in files}):  # docs/, for every matrix
        ensure_writable_dir(out_dir / folder)
    written = []
    for rel, text in files.items():
        path = out_dir / rel
        atomic_write_text(path, text)
        written.append(path)
    return written

"""docs/CONFORMANCE.md, docs/support.svg and docs/drift.svg, from the committed golden sets
(and docs/defects.md, from rnn_shapes/defects.toml).

Never edited by hand: tests/test_report.py fails when the committed files
differ from what `rnn-shapes report` writes. Needs no TensorFlow. Another
matrix's report goes beside it, as docs/CONFORMANCE-<matrix>.md,
docs/support-<matrix>.svg and docs/drift-<matrix>.svg.

One pipeline: the sets are read and analysed once, into a ConformanceReport
(model.py), which each renderer lays out (markdown.py, svg.py), and, with
--html, the browsable site (pages.py, site_data.py, site/).
"""

from __future__ import annotations

from pathlib import Path

from rnn_shapes.files import atomic_write_text, ensure_writable_dir
from rnn_shapes.report.defects_page import defects_markdown
from rnn_shapes.report.markdown import markdown
from rnn_shapes.report.model import DEFAULT_PATHS, ConformanceReport, read_report
from rnn_shapes.report.pages import site_files
from rnn_shapes.report.svg import drift_svg, support_svg

DEFECTS_PAGE = Path("docs/defects.md")


def report_files(report: ConformanceReport) -> dict[Path, str]:
    """docs/CONFORMANCE.md and its pictures, rendered from one report, and the page of
    the listed defects it links (the same for every matrix)."""
    paths = report.paths
    files = {
        paths.markdown: markdown(report),
        paths.heatmap: drift_svg(report),
        paths.support: support_svg(report),
    }
    if paths == DEFAULT_PATHS:  # another matrix's report leaves the shared page alone
        files[DEFECTS_PAGE] = defects_markdown()
    return files


def write(
    root: Path,
    out_dir: Path,
    matrix_name: str = "default",
    html: Path | None = None,
    source_url: str | None = None,
) -> list[Path]:
    """Write the report of `matrix_name` under `out_dir`, and the site into `html` when
    given (linking sources under `source_url`); returns the paths written.

    Every set is read first, and the folders checked, so bad input writes nothing.
    """
    report = read_report(root, matrix_name)
    files = {out_dir / rel: text for rel, text in report_files(report).items()}
    if html is not None:
        files |= {html / rel: text for rel, text in site_files(report, source_url).items()}
    for folder in sorted({path.parent for path in files}):  # docs/, the site's folder
        ensure_writable_dir(folder)
    written = []
    for path, text in files.items():
        atomic_write_text(path, text)
        written.append(path)
    return written

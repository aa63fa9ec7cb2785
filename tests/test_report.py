"""docs/CONFORMANCE.md and its pictures are what `rnn-shapes report` writes now."""

from __future__ import annotations

from pathlib import Path

from rnn_shapes.golden.layout import configured_root
from rnn_shapes.report import report_files
from rnn_shapes.report.model import read_report

ROOT = Path(__file__).resolve().parent.parent


def test_committed_report_is_current():
    files = report_files(read_report(configured_root(ROOT)))
    linked = {
        Path("docs/CONFORMANCE.md"),
        Path("docs/drift.svg"),
        Path("docs/support.svg"),
        Path("docs/defects.md"),
    }
    assert set(files) == linked  # the names README and the report link to
    for rel, text in files.items():
        path = ROOT / rel
        assert path.exists(), f"{rel} is missing: run `rnn-shapes report`"
        assert path.read_text(encoding="utf-8") == text, (
            f"{rel} is stale: run `rnn-shapes report` and commit the result"
        )

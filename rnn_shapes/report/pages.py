"""The conformance site: `rnn-shapes report --html DIR` writes it from the report model.

A static page (index.html with its scripts and styles from the package's
site/ folder, and data.js from site_data.py): no server, no request to another
host, opened from file:// or GitHub Pages alike. docs/site.md describes it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from rnn_shapes.report.model import ConformanceReport
from rnn_shapes.report.site_data import data_js, site_data

TEMPLATES = Path(__file__).with_name("site")
FILES = ("index.html", "style.css", "select.js", "compare.js", "common.js", "views.js", "app.js")


def generated_at() -> str:
    """The time of generation, UTC; SOURCE_DATE_EPOCH fixes it for reproducible bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(epoch) if epoch and epoch.isdigit() else int(time.time())
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def site_files(
    report: ConformanceReport, source_url: str | None = None, generated: str | None = None
) -> dict[Path, str]:
    """The site's files (paths relative to its folder) and their contents."""
    url = source_url.rstrip("/") if source_url else None
    files = {Path(name): (TEMPLATES / name).read_text(encoding="utf-8") for name in FILES}
    files[Path("data.js")] = data_js(site_data(report, generated or generated_at(), url))
    return files

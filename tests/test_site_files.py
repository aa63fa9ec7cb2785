"""The site's files (`rnn-shapes report --html DIR`), without a browser: written from a
small root, shipped in the package, and a bad DIR refused before anything is written."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from rnn_shapes.golden.layout import configured_root
from rnn_shapes.report import write
from rnn_shapes.report.pages import FILES, TEMPLATES

ROOT = Path(__file__).resolve().parent.parent


def test_templates_ship_in_the_package():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = data["tool"]["setuptools"]["package-data"]["rnn_shapes"]
    package = ROOT / "rnn_shapes"
    for name in FILES:
        rel = (TEMPLATES / name).relative_to(package).as_posix()
        assert (TEMPLATES / name).is_file() and any(fnmatch.fnmatch(rel, g) for g in globs), rel


def _small_root(tmp_path: Path) -> Path:
    """Two committed sets and the store they name (linked), for a quick report."""
    fixtures = configured_root(ROOT)
    root = tmp_path / "golden"
    root.mkdir()
    (root / "store").symlink_to(fixtures / "store")
    for name in ("tf2.15-keras2.15-tensorflow", "tf2.21-keras3.15-tensorflow"):
        shutil.copytree(fixtures / name, root / name)
    return root


@pytest.mark.parametrize("where", ["file", "unwritable"])
def test_bad_html_folder_is_one_line_exit_2_and_writes_nothing(tmp_path, where):
    root, out = _small_root(tmp_path), tmp_path / "out"
    html = tmp_path / "site"
    if where == "file":
        html.write_text("keep me", encoding="utf-8")
    else:
        html = Path("/proc/rnn-shapes-site")
    args = ["report", "--root", str(root), "--out", str(out), "--html", str(html)]
    done = subprocess.run(
        [sys.executable, "-m", "rnn_shapes", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and str(html) in lines[0], done.stderr
    assert not (out / "docs" / "CONFORMANCE.md").exists()  # nothing written
    if where == "file":
        assert html.read_text(encoding="utf-8") == "keep me"


def test_report_html_writes_the_site(tmp_path):
    root, html = _small_root(tmp_path), tmp_path / "site"
    written = write(root, tmp_path / "out", html=html, source_url="https://example.invalid/r/")
    assert {p.name for p in written if p.parent == html} == {"data.js", *FILES}
    data = (html / "data.js").read_text(encoding="utf-8")
    assert (
        data.startswith("window.RNN_SHAPES = {")
        and '"source_url":"https://example.invalid/r"' in data
    )
    # no request to another host: every script and style is the site's own file
    page = (html / "index.html").read_text(encoding="utf-8")
    assert "http" not in page.replace("http-equiv", "")

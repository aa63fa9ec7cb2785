"""The conformance site (`rnn-shapes report --html`), driven in headless Chromium.

Debian's chromium and chromium-driver with Selenium from PyPI (.ci/run installs
them); nothing downloads a browser. Under CI=true a missing browser fails these
tests; elsewhere they skip, saying what to install. The site is generated from
the committed sets into a temporary folder, opened from its file:// URL.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from rnn_shapes.analysis import history
from rnn_shapes.analysis.compare import compare, family_line, summary_counts
from rnn_shapes.cases.axes import AXES
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.cases.select import parse
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.golden.layout import configured_root
from rnn_shapes.report.code import model_code
from rnn_shapes.report.model import build_report
from rnn_shapes.report.pages import site_files
from rnn_shapes.report.releases import load_sets

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
EXPRESSIONS = [
    "LSTM",
    "lstm and bi-concat and not state1",
    "(GRU or SimpleRNN) and mask_",
    "not (uni or bi-sum) and seq1",
    "stack_ or bwd_ and not save",
    "B1T4D5U3 and (predict or unroll)",
    "not " * 301 + "LSTM",  # a run of not: its parity, as the CLI reads it
]
# the last: nested past select.MAX_DEPTH, and longer than an error line shows (select.SHOWN)
BAD_EXPRESSIONS = ["LSTM and", "(GRU", "and LSTM", "LSTM )", "(" * 101 + "LSTM" + ")" * 101]


def _browser_or_skip() -> tuple[str, str]:
    """(chromium, chromedriver); a failure under CI, a skip elsewhere, when missing."""
    browser = next((p for p in map(shutil.which, CHROMIUM) if p), None)
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        browser = None
    if browser and driver:
        return browser, driver
    why = (
        "the site's browser tests need Debian's chromium and chromium-driver "
        "(apt-get install chromium chromium-driver) and selenium (the test extra)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {why}", pytrace=False)
    pytest.skip(why)


@pytest.fixture(scope="module")
def sets():
    return load_sets(configured_root(ROOT))


@pytest.fixture(scope="module")
def report(sets):
    return build_report(sets)


def _site_of(report, folder: Path) -> Path:
    """The site's files written into `folder` (made if missing); its index.html."""
    folder.mkdir(exist_ok=True)
    for rel, text in site_files(report, "https://example.invalid/repo/blob/main").items():
        (folder / rel).write_text(text, encoding="utf-8")
    return folder / "index.html"


@pytest.fixture(scope="module")
def site(report, tmp_path_factory) -> Path:
    return _site_of(report, tmp_path_factory.mktemp("site")).parent


@pytest.fixture(scope="module")
def browser(site):
    binary, driver_path = _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(arg)
    options.add_argument("--disable-dev-shm-usage")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    started = time.monotonic()
    driver.get((site / "index.html").as_uri())
    driver.load_seconds = time.monotonic() - started  # type: ignore[attr-defined]
    yield driver
    driver.quit()


def go(browser, hash_: str) -> None:
    browser.execute_script("location.hash = arguments[0];", hash_)
    browser.execute_script("window.dispatchEvent(new HashChangeEvent('hashchange'));")


def js(browser, script: str, *args):
    return browser.execute_script(script, *args)


def each(browser, selector: str, what: str = "textContent") -> list:
    """`what` (a property, or 'dataset.x') of every element matching `selector`."""
    path = "".join(f"[{json.dumps(p)}]" for p in what.split("."))
    return js(
        browser, f"return [...document.querySelectorAll(arguments[0])].map(e => e{path});", selector
    )


def click(browser, selector: str) -> None:
    js(browser, "document.querySelector(arguments[0]).click();", selector)


def search(browser, expr: str) -> None:
    js(
        browser,
        "const i = document.getElementById('search-input'); i.value = arguments[0];"
        " i.dispatchEvent(new Event('input'));",
        expr,
    )


def test_load_time_is_measured(browser, capsys):
    ready = js(browser, "return window.RS && RS.readyMs;")
    assert ready is not None, "the page did not finish drawing"
    with capsys.disabled():
        print(f"\nsite: get() {browser.load_seconds:.2f} s, page drawn at {ready / 1000:.2f} s")


def test_table_renders_every_environment_in_release_order(browser, report):
    go(browser, "#table")
    assert each(browser, "#support th.env", "dataset.env") == [e.name for e in report.environments]
    assert len(each(browser, "#support tbody tr")) == len(report.rows)
    first = report.rows[0]
    assert each(browser, "#support tbody tr:first-child td", "title") == [
        c[first].text(report.defect_labels) if first in c else "" for c in report.cells
    ]


def toggle(browser, kind: str, value: str) -> None:
    click(browser, f"input[data-filter='{kind}'][value='{value}']")


def test_filters_hide_what_they_should(browser, report):
    go(browser, "#table")
    toggle(browser, "backend", "jax")
    shown = each(browser, "#support th.env", "dataset.env")
    assert shown == [e.name for e in report.environments if e.metadata["backend"] != "jax"]
    toggle(browser, "layer", "GRU")
    layers = each(browser, "#support tbody tr", "dataset.layer")
    assert layers == [layer for _, layer in report.rows if layer != "GRU"]
    toggle(browser, "family", "core")
    families = each(browser, "#support tbody tr", "dataset.family")
    assert families and "core" not in families
    toggle(browser, "keras_major", "2")
    majors = each(browser, "#support th.env", "dataset.env")
    assert majors and all("keras2" not in name for name in majors)
    for kind, value in (("backend", "jax"), ("layer", "GRU"), ("family", "core")):
        toggle(browser, kind, value)  # back as it was
    toggle(browser, "keras_major", "2")
    assert len(each(browser, "#support th.env")) == len(report.environments)
    assert len(each(browser, "#support tbody tr")) == len(report.rows)


def _cell_with_a_defect(report) -> tuple[int, int]:
    for ri, row in enumerate(report.rows):
        for i, cells in enumerate(report.cells):
            if row in cells and cells[row].defects and cells[row].differs:
                return ri, i
    raise AssertionError("no cell shows a defect")


def test_opening_a_cell_shows_its_cases_and_timeline(browser, report):
    go(browser, "#table")
    ri, i = _cell_with_a_defect(report)
    cell = report.cells[i][report.rows[ri]]
    click(browser, f"#support td[data-row='{ri}'][data-env='{i}'] a")
    assert js(browser, "return document.getElementById('view-cell').hidden;") is False
    ids = each(browser, "#cell-cases tbody tr", "dataset.case")
    assert len(ids) == cell.cases
    assert all(each(browser, "#cell-cases td.timeline"))
    family, layer = report.rows[ri]
    cases = report.cases.cases
    assert all(layer == cases[cid].layer and family in cases[cid].families for cid in ids)
    links = set(each(browser, "#view-cell a.defect", "hash"))
    assert links == {f"#defect/{name}" for name in cell.defects}


def test_two_environments_match_compare(browser, report, sets):
    names = [e.name for e in report.environments]
    ref = names.index(report.reference)
    jax = [k for k, s in enumerate(sets) if s.metadata["backend"] == "jax"]
    keras2 = [k for k, s in enumerate(sets) if s.metadata["keras"].startswith("2.")]
    # across the majors, within a backend, to the newest, and backwards in release order
    pairs = [(0, ref), (jax[0], jax[-1]), (keras2[-1], keras2[-1] + 1), (ref, len(sets) - 1)]
    pairs.append((ref, ref - 1))
    for a, b in pairs:
        go(browser, f"#compare/{names[a]}/{names[b]}")
        view = "#view-compare"
        counts = json.loads(each(browser, view, "dataset.counts")[0])
        expected = compare(sets[a], sets[b])
        assert counts == dict(summary_counts(expected)), (names[a], names[b])
        assert each(browser, "#compare-title", "dataset.shared") == [str(expected.shared)]
        lines = each(browser, "#compare-families summary")
        assert lines == [family_line(f, n) for f, n in expected.by_family().items()]


def test_search_finds_what_k_selects(browser):
    go(browser, "#search")
    ids = [c.id for c in matrix("default")]
    for expr in EXPRESSIONS:
        search(browser, expr)
        keep = parse(expr)
        assert each(browser, "#search-results li") == [cid for cid in ids if keep(cid)], expr
    for expr in BAD_EXPRESSIONS:
        search(browser, expr)
        with pytest.raises(RnnShapesError) as raised:
            parse(expr)
        assert each(browser, "#search-count") == [str(raised.value)], expr


def test_a_case_page_spells_out_its_id_and_model(browser, report, sets):
    case = next(c for c in matrix("default") if c.stack and c.bidirectional)
    go(browser, "#case/" + case.id)
    assert each(browser, "#view-case .case-id") == [case.id]
    # what it returns and the code first, the axes last
    assert each(browser, "#view-case h3") == [
        "What it returns",
        "The code to run it",
        "Outputs per environment",
        "The id spelled out",
    ]
    lanes = each(browser, "#case-stretches > li", "dataset.lane")
    expected = {history.lane(s) for s in sets if case.id in s.results}
    assert set(lanes) == expected
    assert all(each(browser, "#case-stretches > li li"))
    assert len(each(browser, "#case-axes tbody tr")) == len(AXES)
    assert each(browser, "#case-code") == [model_code(case)]
    assert len(each(browser, "#case-envs tbody tr")) == len(report.environments)


def views(report) -> list[str]:
    """One of each view: a cell with a defect, the oldest set against the reference."""
    ri, i = _cell_with_a_defect(report)
    family, layer = report.rows[ri]
    oldest, env = report.environments[0].name, report.environments[i].name
    first = matrix("default")[0].id
    return ["#table", f"#cell/{quote(family, safe='')}/{layer}/{env}",
            f"#compare/{oldest}/{report.reference}", "#search/LSTM and bi-concat",
            f"#case/{first}", f"#defect/{report.defects_shown[0].name}"]  # fmt: skip


def test_views_fit_1280_px_and_log_no_errors(browser, report, tmp_path_factory):
    keep = os.environ.get("RNN_SHAPES_SCREENSHOTS")  # a folder to keep them in
    shots = Path(keep) if keep else tmp_path_factory.mktemp("screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    for k, view in enumerate(views(report)):
        go(browser, view)
        width = js(
            browser, "const d = document.documentElement; return [d.scrollWidth, d.clientWidth];"
        )
        assert width[0] <= width[1], f"{view}: the page is {width[0]} px wide in {width[1]}"
        browser.save_screenshot(str(shots / f"{k}-{view[1:].split('/')[0]}.png"))
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


# The site's files of the committed sets, built in a process of its own: their digests.
SITE_CHILD = """
import hashlib, json, sys
from pathlib import Path
from rnn_shapes.golden.layout import configured_root
from rnn_shapes.report.model import build_report
from rnn_shapes.report.pages import site_files
from rnn_shapes.report.releases import load_sets
report = build_report(load_sets(configured_root(Path(sys.argv[1]))))
files = site_files(report, None, "2000-01-01T00:00:00Z")
print(json.dumps({str(k): hashlib.sha256(v.encode()).hexdigest() for k, v in files.items()}))
"""


def digests(files: dict) -> dict[str, str]:
    return {str(k): hashlib.sha256(v.encode()).hexdigest() for k, v in files.items()}


def test_site_bytes_are_deterministic(report):
    """The same bytes in another process under another hash seed (set and dict order
    follow it): this process's seed is random, the child's fixed and another."""
    one = site_files(report, None, "2000-01-01T00:00:00Z")
    seed = os.environ.get("PYTHONHASHSEED", "")
    child_seed = str(int(seed) + 1) if seed.isdigit() else "0"
    child = subprocess.run(
        [sys.executable, "-c", SITE_CHILD, str(ROOT)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": child_seed},
    )
    assert child.returncode == 0, child.stderr[-3000:]
    assert json.loads(child.stdout) == digests(one)
    size = sum(len(text.encode()) for text in one.values())
    assert size < 8_000_000, f"the site is {size} bytes"


def test_links_name_what_they_open_and_old_numbered_links_are_refused(browser, report):
    """Every link of the table and of a cell's and a pair's views names what it opens;
    a link written with the numbers of earlier pages, or a name the page lacks, is
    refused with a line saying so."""
    go(browser, "#table")
    cells = each(browser, "#support td.cell a", "hash")
    assert cells and not any(re.search(r"^#cell/\d+/\d+$", h) for h in cells)
    names = {e.name for e in report.environments}
    assert {unquote(h.split("/")[3]) for h in cells} <= names
    go(browser, "#compare/3/34")
    assert "column and row numbers" in each(browser, "#view-compare .error")[0]
    go(browser, "#cell/4/20")
    assert "column and row numbers" in each(browser, "#view-cell .error")[0]
    go(browser, "#compare/tf9.99-keras9.99-tensorflow/" + report.reference)
    assert (
        '"tf9.99-keras9.99-tensorflow" is not on this page'
        in each(browser, "#view-compare .error")[0]
    )


def _opened(browser, view: str) -> str:
    """What a link opens: the visible view's heading and its rows and items, as text
    (a cell's timelines aside: they span every set, an added one too)."""
    go(browser, view)
    return js(
        browser,
        "const v = [...document.querySelectorAll('main > section')].find(s => !s.hidden);"
        " const h = v.querySelector('h2, h3, .case-id, .error');"
        " const rows = [...v.querySelectorAll('tbody tr, li')].map(e =>"
        "   [...e.children].filter(c => !c.classList.contains('timeline'))"
        "     .map(c => c.textContent).join('|') || e.textContent);"
        " return v.id + '|' + (v.querySelector('.error') ? '.error' : '') + '|'"
        "   + (h ? h.textContent : '') + '|' + rows.join('\\n');",
    )


def _older_set(golden, path: Path):
    """A copy of a set as if an older release had recorded it (first in release order)."""
    meta = {**golden.metadata, "tensorflow": "2.11.0", "keras": "2.11.0"}
    copy = path / "older.json"
    shutil.copy(golden.path, copy)  # its file, as the provenance reads it
    return dataclasses.replace(golden, path=copy, metadata=meta)


def test_a_set_added_leaves_every_link_opening_the_same_thing(
    browser, site, report, sets, tmp_path
):
    """A site of a few sets, then the same with one more set first in release order
    (every column moves one along): each view's link opens what it opened before."""
    few = [s for s in sets if s.environment.name == report.reference] + sets[:2] + sets[-1:]
    extra = _older_set(sets[0], tmp_path)
    after_report = build_report([extra, *few])
    assert after_report.environments[0].name == extra.environment.name
    pages = [_site_of(build_report(few), tmp_path / "a"), _site_of(after_report, tmp_path / "b")]
    try:
        browser.get(pages[0].as_uri())  # the links as the page writes them
        go(browser, "#table")
        ref = js(browser, "return RS.REF;")
        cell = each(browser, f"#support td.cell[data-env='{ref}'] a", "hash")[0]
        go(browser, cell)
        links = [cell, each(browser, "#cell-cases a.case", "hash")[0]]
        links.append(js(browser, "return RS.compareLink(0, RS.REF);"))
        before = {link: _opened(browser, link) for link in links}
        assert not any(".error" in v for v in before.values())
        browser.get(pages[1].as_uri())
        for link in links:
            now = _opened(browser, link)
            if link.startswith("#case/"):  # one more environment's row, the others the same
                assert set(before[link].split("\n")) <= set(now.split("\n")), link
            else:
                assert now == before[link], link
    finally:
        browser.get((site / "index.html").as_uri())


def test_a_listed_defect_has_a_page_of_its_own(browser, report):
    """Each defect a cell shows has a page: what it is, the environments where the
    committed sets show it (those of the support table's cells), its upstream link,
    what to do instead, and its cases; a name the page lacks is refused naming it."""
    for defect in report.defects_shown[:6]:
        go(browser, f"#defect/{defect.name}")
        assert each(browser, "#view-defect h2.defect-name")[0].endswith(defect.name)
        shown = {
            report.environments[i].name
            for i, cells in enumerate(report.cells)
            if any(c.defects.get(defect.name) for c in cells.values())
        }
        assert set(each(browser, "#defect-envs tbody tr", "dataset.env")) == shown, defect.name
        upstream = each(browser, "#view-defect a.upstream", "href")
        assert upstream == ([defect.upstream] if defect.upstream else []), defect.name
        assert each(browser, "#defect-cases a.case"), defect.name
        if defect.instead:
            assert defect.instead in each(browser, "#view-defect")[0]
    go(browser, "#defect/no-such-defect")
    assert '"no-such-defect" is not on this page' in each(browser, "#view-defect .error")[0]

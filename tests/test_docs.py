"""The README and docs/ stay true: the generated table, the numbers, the CI command, the
defects, the API example, the command table and every link."""

from __future__ import annotations

import ast
import configparser
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
from test_cli import commands

from rnn_shapes.cases import matrix as m
from rnn_shapes.cases.blocks import embedding_cases, kept_apart_cases
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.crossing import FAMILIES_CROSS, FAMILIES_SLICE
from rnn_shapes.cases.design import OPTIONS_SLICE, SLICE
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.cli.table import shape_table, with_table
from rnn_shapes.golden.sets import SCHEMA
from rnn_shapes.tolerance import ATOL, PREDICT_ULPS, RTOL, SIGNIFICANT_BITS, tolerance

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
# Every Markdown page: the README, docs/ and its notes.
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
# The pages that describe the current code (PERFORMANCE.md and the notes record figures
# and findings of past work, at the matrix sizes of their day; CONFORMANCE.md is generated).
CURRENT = [
    ROOT / "README.md",
    *(p for p in sorted(DOCS.glob("*.md")) if p.name not in ("PERFORMANCE.md", "CONFORMANCE.md")),
]


def text(rel: str) -> str:
    return (ROOT / rel).read_text(encoding="utf-8")


def flat(s: str) -> str:
    """`s` with every run of white space one space: a figure may wrap across lines."""
    return " ".join(s.split())


def section(page: str, heading: str) -> str:
    """The text of `page` under the heading `heading`, up to the next heading of its level."""
    lines = text(page).splitlines()
    level, start = next(
        (len(line) - len(line.lstrip("#")), i)
        for i, line in enumerate(lines)
        if line.lstrip("#").strip() == heading and line.startswith("#")
    )
    end = next(
        (j for j in range(start + 1, len(lines)) if re.match(rf"#{{1,{level}}} ", lines[j])),
        len(lines),
    )
    return "\n".join(lines[start:end])


def outside_code(s: str) -> str:
    """`s` without its fenced code blocks."""
    return re.sub(r"^\s*```.*?^\s*```", "", s, flags=re.S | re.M)


# ---------------------------------------------------------------- the generated table


def test_smoke_table_lives_in_families():
    assert "<!-- table:smoke -->" in text("docs/families.md")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_generated_tables_are_current(page):
    doc = page.read_text(encoding="utf-8")
    for name in re.findall(r"^<!-- table:(\w+) -->$", doc, flags=re.M):
        assert with_table(doc, name, shape_table(matrix(name))) == doc, (
            f"{page.relative_to(ROOT)}'s {name} table is stale: run "
            f"`rnn-shapes table --matrix {name} --write-readme {page.relative_to(ROOT)}`"
        )


# ---------------------------------------------------------------- case counts


def test_readme_case_counts():
    for name in ("smoke", "default", "full"):
        assert f"`{name}` ({len(matrix(name)):,} cases)" in README


@pytest.mark.parametrize("page", CURRENT, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_matrix_size_stated_is_right(page):
    """Wherever a page says 'smoke (N cases)', 'the default matrix ... N cases' etc."""
    doc = flat(page.read_text(encoding="utf-8"))
    pattern = r"`?\b(smoke|default|full)\b`? (?:matrix )?\(([\d,]+) cases"
    for name, n in re.findall(pattern, doc):
        assert int(n.replace(",", "")) == len(matrix(name)), f"{name} ({n} cases)"


def _default_parts() -> list[int]:
    """The new cases each part of the default matrix adds, in matrix()'s order."""
    parts = [
        m.grid(m.DEFAULT_SHAPES) + m.named_cases(),
        SLICE.cases(),
        OPTIONS_SLICE.cases(),
        m.predict_cases(),
        m.path_cases(),
        FAMILIES_SLICE.cases(),
        embedding_cases(),
        kept_apart_cases(),
    ]
    seen: set[str] = set()
    added = []
    for part in parts:
        ids = {c.id for c in part}
        added.append(len(ids - seen))
        seen |= ids
    return added


def test_family_case_counts():
    core, slice_, options, predict, paths, meet, tokens, apart = _default_parts()
    default, full = len(matrix("default")), len(matrix("full"))
    assert core + slice_ + options + predict + paths + meet + tokens + apart == default
    assert apart == len(kept_apart_cases())  # the whole block is new in both matrices
    assert {c.id for c in kept_apart_cases()} <= {c.id for c in matrix("full")}
    stateful = m.stateful_cases()
    families = flat(text("docs/families.md"))
    claims = [
        f"the tutorials' table ({len(matrix('smoke'))} cases)",
        f"({core:,} + {slice_} + {options} + {predict} + {paths} + {meet} + {tokens} + {apart}, "
        f"so {default:,} cases)",
        f"their own, {apart} cases in both matrices (`kept_apart_cases`",
        f"(`cases/blocks.embedding_cases`, {tokens} cases",
        f"covering designs ({full:,} cases)",
        f"The full matrix has {len(m.mask_cases()):,} masked cases",
        f"The full matrix has {len(m.state_cases()):,} such cases",
        f"The full matrix has {len(m.unroll_cases()):,} such cases",
        f"The full matrix has {sum(c.call_batch is None for c in stateful)} (every layer",
        f"The full matrix has {sum(c.call_batch is not None for c in stateful)} such cases",
        f"The default matrix has {paths} such cases (`cases/matrix.path_cases`)",
        f"{meet} new cases in **default**",
        f"{len(FAMILIES_CROSS.cases())} in **full**",
        f"(`path_blocks`, {len(m.path_blocks()):,} cases)",
        f"direction, flag and walking direction ({len(m.option_cases()):,} cases)",
        f"in **default**, a {slice_}-case slice",
        f"{options} cases in **default**",
    ]
    for claim in claims:
        assert claim in families, claim


def test_environment_counts():
    """The environments in tox.ini, the committed sets, and the cases they hold."""
    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini")
    envs = [e.strip(" ,") for e in tox["tox"]["envlist"].split() if e.strip(" ,")]
    sets = sorted((ROOT / "fixtures").glob("*/default.json"))
    assert len(envs) == len(sets)
    default = len(matrix("default"))
    environments = flat(text("docs/environments.md"))
    assert f"`tox.ini` has {len(envs)} environments" in environments
    assert f"Default matrix, {len(envs)} environments (" in environments
    assert f"All {len(envs)} install" in environments
    assert f"every one of the {default:,} cases" in environments
    assert f"{len(sets)} default sets take" in environments
    golden = flat(text("docs/golden-sets.md"))
    assert f"the {len(sets)} committed sets hold {len(sets) * default:,} cases" in golden
    assert f"The schema is {SCHEMA}" in golden


@pytest.mark.parametrize(
    ("heading", "test_file", "family", "step"),
    [
        ("Masks", "test_masks.py", "mask_cases", 13),
        ("Initial states", "test_states.py", "state_cases", 11),
        ("unroll", "test_unroll.py", "unroll_cases", 7),
        ("stateful", "test_stateful.py", "stateful_cases", 5),
        ("Layer options, dropout and precision", "test_options.py", "option_cases", 13),
    ],
)
def test_live_sample_steps(heading, test_file, family, step):
    """'CI checks every Nth live': the test that does it takes every Nth."""
    assert f"every {step}th" in section("docs/families.md", heading)
    assert f"{family}()[::{step}]" in (ROOT / "tests" / test_file).read_text(encoding="utf-8")


# ---------------------------------------------------------------- the CI command


def test_ci_runs_the_readme_test_command():
    blocks = re.findall(r"```\n(python3 -m venv .*)\n```", README)
    test_cmd = next(b for b in blocks if "pytest" in b)
    pytest_part = test_cmd.split("&& ")[-1].replace(".venv/bin/", "")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/" + pytest_part in ci
    install = test_cmd.split("&& ")[1].replace(".venv/bin/pip install", "")
    assert ".venv/bin/pip install -q" + install.rstrip() in ci


# ---------------------------------------------------------------- defects


def test_every_defect_is_documented_and_every_documented_defect_exists():
    listed = [d["name"] for d in tomllib.loads(text("rnn_shapes/defects.toml"))["defect"]]
    rows = re.findall(r"^### D\d+\. `([\w.-]+)`$", text("docs/defects.md"), flags=re.M)
    assert rows == listed, "docs/defects.md: one section per entry, in the file's order"


# ---------------------------------------------------------------- tolerance


def _at(**fields) -> Case:
    return Case(
        **{"layer": "LSTM", "units": 3, "batch": 2, "timesteps": 5, "features": 1, **fields}
    )


def test_tolerance_figures():
    doc = flat(text("docs/tolerance.md"))
    assert ATOL == RTOL == 2e-6 and "atol = rtol = 2e-6" in doc
    roundoff = 2.0 ** -SIGNIFICANT_BITS["float32"]
    assert f"about {round(ATOL / roundoff)} u of float32" in doc
    figures = [  # (the phrase, the figure it states, the case it is of)
        ("float64 layers 3.7e-15", 3.7e-15, _at(dtype="float64")),
        ("float16 0.016", 0.016, _at(dtype="mixed_float16")),
        ("bfloat16 0.13", 0.13, _at(dtype="mixed_bfloat16")),
        ("(1.1e-4 at T = 100, D = U = 64)", 1.1e-4, _at(timesteps=100, features=64, units=64)),
    ]
    for phrase, stated, case in figures:
        assert phrase in doc, phrase
        assert tolerance(case)[0] == pytest.approx(stated, rel=0.05), phrase
    assert f"within {PREDICT_ULPS} ULP" in doc
    assert f"within {PREDICT_ULPS} ULP" in flat(section("docs/families.md", "predict"))


# ---------------------------------------------------------------- the API example


def _python_blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text(page), flags=re.S)


def test_api_examples_compile():
    for block in _python_blocks("docs/api.md"):
        compile(block, "docs/api.md", "exec")


def test_api_example_numbers():
    """Each `expr  # literal` line of the example is what `expr` gives (no Keras run)."""
    block = next(b for b in _python_blocks("docs/api.md") if "signature(case)" in b)
    lines = block.splitlines()
    setup_end = next(i for i, line in enumerate(lines) if line.startswith(")"))
    scope: dict = {}
    exec("\n".join(lines[: setup_end + 1]), scope)  # the imports and the Case
    checked = 0
    for line in lines[setup_end + 1 :]:
        expr, _, comment = line.partition("  # ")
        try:
            stated = ast.literal_eval(comment.split(":")[0].strip())
        except (ValueError, SyntaxError):
            continue
        assert "run_keras" not in expr and "check_case" not in expr
        assert eval(expr, scope) == stated, line
        checked += 1
    assert checked >= 3  # the id, the shapes and the size of the default matrix
    outputs = scope["run_oracle"](scope["case"])  # "float64 NumPy outputs in Keras' order"
    assert all(o.dtype == np.float64 for o in outputs)
    assert tuple(o.shape for o in outputs) == scope["signature"](scope["case"]).shapes


# ---------------------------------------------------------------- the command table


def _commands_in(doc: str) -> set[str]:
    """The commands in the first column of `doc`'s command table."""
    rest = doc[doc.index("| command |") :]
    table = rest[: rest.index("\n\n")]
    return {re.match(r"\| `([\w-]+)", row).group(1) for row in table.splitlines()[2:]}


def test_command_tables_list_every_command():
    assert _commands_in(README) == commands()
    assert _commands_in(text("docs/cli.md")) == commands()


# ---------------------------------------------------------------- links and paths


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    s = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return s.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    doc = outside_code(page.read_text(encoding="utf-8"))
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", doc, flags=re.M)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    doc = outside_code(page.read_text(encoding="utf-8"))
    for target in re.findall(r"\]\(([^)\s]+)\)", doc):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        assert dest.is_relative_to(ROOT) and dest.exists(), f"{target}: no such file"
        if anchor and dest.suffix == ".md":
            assert anchor in _anchors(dest), f"{target}: no such heading"


REPO_PATH = r"`((?:rnn_shapes|tests|docs|\.ci|\.github)/[\w./-]*|tox\.ini|constraints\.txt)`"


@pytest.mark.parametrize("page", CURRENT, ids=lambda p: str(p.relative_to(ROOT)))
def test_repository_paths_named_exist(page):
    for path in re.findall(REPO_PATH, page.read_text(encoding="utf-8")):
        assert (ROOT / path).exists(), f"{page.relative_to(ROOT)} names {path}: no such file"


def layout_names() -> list[str]:
    """The modules and folders docs/layout.md's tables name (relative to rnn_shapes/)."""
    rows = re.findall(r"^\| (`.+?) \|", text("docs/layout.md"), flags=re.M)
    return [name for row in rows for name in re.findall(r"`([\w/.]+)`", row)]


def test_layout_modules_exist():
    modules = layout_names()
    assert "tolerance.py" in modules
    for name in modules:
        assert (ROOT / "rnn_shapes" / name).exists(), f"docs/layout.md names {name}"


def test_layout_names_every_module():
    """A new module gets its row: its one concern, said where people look."""
    named = layout_names()
    package = ROOT / "rnn_shapes"
    missing = [
        rel
        for path in sorted(package.rglob("*.py"))
        if (rel := path.relative_to(package).as_posix()) not in named
        and not any(rel.startswith(n) for n in named if n.endswith("/"))
        and not (path.name == "__init__.py" and len(path.read_text().splitlines()) < 10)
    ]
    assert not missing, f"docs/layout.md does not name {missing}"


def test_readme_links_every_docs_page_and_stays_short():
    linked = set(re.findall(r"\]\((docs/[^)#]+)", README))
    pages = {f"docs/{p.name}" for p in DOCS.glob("*.md")}
    assert pages <= linked, f"docs pages the README does not link: {pages - linked}"
    assert len(README.splitlines()) < 160, "the README is read in five minutes: move it to docs/"

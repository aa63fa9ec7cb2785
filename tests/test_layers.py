"""Imports flow one way: cases -> oracle / keras -> judge -> golden ->
analysis / models / report -> cli / pytest.

Read from the source (every import, also inside functions and under
TYPE_CHECKING), so a lazy import that points the wrong way is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rnn_shapes"

# Each module's layer, by the longest prefix of its dotted name that is listed.
LAYERS: dict[str, int] = {
    # what a case is, and everything below Keras and the oracle
    "rnn_shapes.cases": 0,
    "rnn_shapes.environment": 0,
    "rnn_shapes.errors": 0,
    "rnn_shapes.files": 0,
    "rnn_shapes.phases": 0,
    "rnn_shapes.interrupts": 0,
    "rnn_shapes.tolerance": 0,
    "rnn_shapes.result": 0,
    "rnn_shapes.differences": 0,
    "rnn_shapes.models.config": 0,  # its recurrent layers on the harness axes
    "rnn_shapes.models.files": 0,  # the file itself: format, config, hash, custom objects
    "rnn_shapes.models.probe": 0,
    "rnn_shapes.models.nominal": 0,
    "rnn_shapes.models.project": 0,
    "rnn_shapes.models.trust": 0,
    "rnn_shapes.models.survey": 0,  # why a file will not load, from the survey (data)
    "rnn_shapes.project": 0,
    "rnn_shapes.strategies": 0,  # drawn cases (hypothesis): the cases' own layer
    # the two sides that are compared
    "rnn_shapes.oracle": 1,
    "rnn_shapes.keras": 1,
    # one verdict per result
    "rnn_shapes.verdict": 2,
    "rnn_shapes.run_report": 2,
    "rnn_shapes.check": 2,
    "rnn_shapes.defects": 2,
    "rnn_shapes.defect_values": 2,
    "rnn_shapes.judge": 2,
    "rnn_shapes.models.check": 2,
    # golden sets: files, store, record, status
    "rnn_shapes.golden": 3,
    # what is read from golden sets: across environments, for a user's model, the report
    "rnn_shapes.analysis": 4,
    "rnn_shapes.models": 4,
    "rnn_shapes.report": 4,
    "rnn_shapes.explore": 4,  # drawn cases run and judged, findings written
    # what people run
    "rnn_shapes.cli": 5,
    "rnn_shapes.selftest": 5,
    "rnn_shapes.pytest_plugin": 5,
    "rnn_shapes.pytest_session": 5,
    "rnn_shapes.plugin": 5,
    "rnn_shapes.conformance": 5,
    "rnn_shapes.__main__": 5,
    "rnn_shapes": 5,  # the package's API: it may name anything
}
# Side by side, never through each other: the oracle is an independent reimplementation.
APART = {("rnn_shapes.oracle", "rnn_shapes.keras"), ("rnn_shapes.keras", "rnn_shapes.oracle")}
KERAS_SIDE = ("tensorflow", "keras", "tf_keras", "jax", "torch", "openvino")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, text: str | None = None) -> set[str]:
    """Every module `path` imports, as dotted names (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8") if text is None else text)
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            stem = ".".join([*base, *(node.module or "").split(".")]).strip(".")
            out.add(stem)
            out |= {f"{stem}.{alias.name}" for alias in node.names}  # a submodule by name
    return out


def layer_of(name: str) -> tuple[str, int] | None:
    """(the listed prefix, its layer) of a module of the package; None outside it."""
    if name != "rnn_shapes" and not name.startswith("rnn_shapes."):
        return None
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if name == prefix or name.startswith(prefix + "."):
            return prefix, LAYERS[prefix]
    raise AssertionError(f"{name}: not in LAYERS; give it a layer")


def upward(path: Path, text: str | None = None) -> list[str]:
    """The imports of `path` that point up a layer, or across to its APART side."""
    me, rank = layer_of(module_name(path))
    wrong = []
    for name in sorted(imports(path, text)):
        target = layer_of(name)
        if target is not None and (target[1] > rank or (me, target[0]) in APART):
            wrong.append(f"{name} (layer {target[1]})")
    return wrong


MODULES = sorted(PACKAGE.rglob("*.py"))
LOW = [p for p in MODULES if layer_of(module_name(p))[1] == 0 or p.stem == "oracle"]


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_imports_point_down(path):
    wrong = upward(path)
    assert not wrong, f"{module_name(path)} imports upward: {wrong}"


@pytest.mark.parametrize("path", LOW, ids=module_name)
def test_cases_and_oracle_never_import_keras(path):
    third = {n.split(".")[0] for n in imports(path)} & set(KERAS_SIDE)
    assert not third, f"{module_name(path)} imports {sorted(third)}"


def test_the_check_sees_a_lazy_upward_import():
    probe = PACKAGE / "cases" / "case.py"
    lazy = "def f():\n    from rnn_shapes.golden.sets import read_set\n"
    assert upward(probe, lazy) == [
        "rnn_shapes.golden.sets (layer 3)",
        "rnn_shapes.golden.sets.read_set (layer 3)",
    ]
    relative = "from .keras import runner\n"
    assert "rnn_shapes.keras (layer 1)" in upward(PACKAGE / "oracle.py", relative)
    assert upward(PACKAGE / "cli" / "probe.py", "from rnn_shapes.cases import case\n") == []

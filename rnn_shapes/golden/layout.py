"""Where golden sets live: never a guess from the current directory.

In order, the first that is given wins:
1. an explicit folder (`--root`, `--out`, pytest's `--rnn-golden-root`);
2. the environment variable RNN_SHAPES_GOLDEN_ROOT;
3. `golden-root` under `[tool.rnn-shapes]` in the nearest pyproject.toml at or
   above the starting folder, relative to that file. This repository's own
   pyproject.toml names `fixtures`, so a checkout finds its committed sets
   from anywhere inside it; a user's project names its own folder the same way.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from rnn_shapes.errors import RnnShapesError

ENV_VAR = "RNN_SHAPES_GOLDEN_ROOT"
HOW_TO_SET = (
    f'pass --root/--out, set {ENV_VAR}, or add `golden-root = "<folder>"` under '
    "[tool.rnn-shapes] in your project's pyproject.toml"
)


def _nearest(start: Path, key: str) -> tuple[Path, Any] | None:
    """(the pyproject.toml, its value) of the nearest pyproject.toml at or above `start`
    whose `[tool.rnn-shapes]` has `key`; None if none has it."""
    for folder in (start.resolve(), *start.resolve().parents):
        pyproject = folder / "pyproject.toml"
        if not pyproject.is_file():
            continue
        try:
            table = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise RnnShapesError(f"{pyproject}: cannot read it: {exc}") from None
        value = table.get("tool", {}).get("rnn-shapes", {}).get(key)
        if value is not None:
            return pyproject, value
    return None


def configured_root(start: Path) -> Path | None:
    """`[tool.rnn-shapes] golden-root` of the nearest pyproject.toml that has one."""
    found = _nearest(start, "golden-root")
    if found is None:
        return None
    pyproject, value = found
    if not isinstance(value, str) or not value:
        raise RnnShapesError(f"{pyproject}: [tool.rnn-shapes] golden-root must be a path")
    return pyproject.parent / value


class RootNotConfigured(RnnShapesError):
    """No golden root is configured at all: a check then judges without a set. Any
    other RnnShapesError of golden_root is a root configured wrong: an error."""


def golden_root(explicit: str | os.PathLike | None = None, start: Path | None = None) -> Path:
    """The golden-set folder, by the order in the module docstring; RootNotConfigured if
    none is set, RnnShapesError if the one given is not a folder (a file is there)."""
    if explicit:
        return _folder(Path(explicit), "the folder given")
    if os.environ.get(ENV_VAR):
        return _folder(Path(os.environ[ENV_VAR]), ENV_VAR)
    found = configured_root(start if start is not None else Path.cwd())
    if found is None:
        raise RootNotConfigured(f"no golden-set folder is configured here: {HOW_TO_SET}")
    return _folder(found, "[tool.rnn-shapes] golden-root")


def _folder(path: Path, given_by: str) -> Path:
    """`path`, unless something other than a folder is there: sets would silently be
    'not recorded' under a file."""
    if path.exists() and not path.is_dir():
        raise RnnShapesError(f"{path}: not a folder of golden sets (given by {given_by})")
    return path


def configured_models(start: Path) -> list[Path]:
    """The model files `[tool.rnn-shapes] models` names (globs, relative to the
    pyproject.toml that has them), sorted; [] when none names any. A pattern that
    matches no file is an error naming it: a test silently not collected is none."""
    found_table = _nearest(start, "models")
    if found_table is None:
        return []
    pyproject, patterns = found_table
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise RnnShapesError(f"{pyproject}: [tool.rnn-shapes] models must be a list of globs")
    found: list[Path] = []
    for pattern in patterns:
        matched = sorted(
            p
            for p in pyproject.parent.glob(pattern)
            if p.is_file() and not p.name.endswith(".weights.h5")
        )
        if not matched:
            raise RnnShapesError(
                f"{pyproject}: [tool.rnn-shapes] models: {pattern!r} matches no file"
            )
        found += [p for p in matched if p not in found]
    return found

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

from rnn_shapes.errors import RnnShapesError

ENV_VAR = "RNN_SHAPES_GOLDEN_ROOT"
HOW_TO_SET = (
    f'pass --root/--out, set {ENV_VAR}, or add `golden-root = "<folder>"` under '
    "[tool.rnn-shapes] in your project's pyproject.toml"
)


def configured_root(start: Path) -> Path | None:
    """`[tool.rnn-shapes] golden-root` of the nearest pyproject.toml that has one."""
    for folder in (start.resolve(), *start.resolve().parents):
        pyproject = folder / "pyproject.toml"
        if not pyproject.is_file():
            continue
        try:
            table = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise RnnShapesError(f"{pyproject}: cannot read it: {exc}") from None
        value = table.get("tool", {}).get("rnn-shapes", {}).get("golden-root")
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            raise RnnShapesError(f"{pyproject}: [tool.rnn-shapes] golden-root must be a path")
        return folder / value
    return None


def golden_root(explicit: str | os.PathLike | None = None, start: Path | None = None) -> Path:
    """The golden-set folder, by the order in the module docstring; error if none is set."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    found = configured_root(start if start is not None else Path.cwd())
    if found is None:
        raise RnnShapesError(f"no golden-set folder is configured here: {HOW_TO_SET}")
    return found

"""A project's own settings: `[tool.rnn-shapes]` in the nearest pyproject.toml.

Read from the file that has the key, at or above the starting folder, so a
checkout or a user's project is found from anywhere inside it; paths in it are
relative to that file. The keys: `golden-root` (golden/layout.py), `models` and
`trust` (models/project.py).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from rnn_shapes.errors import RnnShapesError


def nearest(start: Path, key: str) -> tuple[Path, Any] | None:
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

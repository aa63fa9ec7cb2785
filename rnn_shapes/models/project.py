"""A user's project's models: the files `[tool.rnn-shapes] models` names (pytest
runs one test per model and recurrent layer), and which of them it trusts."""

from __future__ import annotations

from pathlib import Path

from rnn_shapes.errors import RnnShapesError
from rnn_shapes.project import nearest


def configured_models(start: Path) -> list[Path]:
    """The model files `[tool.rnn-shapes] models` names (globs, relative to the
    pyproject.toml that has them), sorted; [] when none names any. A pattern that
    matches no file is an error naming it: a test silently not collected is none."""
    found_table = nearest(start, "models")
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

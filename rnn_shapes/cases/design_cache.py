"""The covering designs' cache: rows kept on disk, so a command does not rebuild them.

A file is named by the sha256 of everything the rows depend on (the design's
axes, strength, constraints and salt, and covertable's version), so on
every machine the same name holds the same rows. A file is still only input:
it is used once the design accepts it (cases/design.py's `Design.covers`),
else the rows are built again and the file rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from importlib.metadata import version
from pathlib import Path

from rnn_shapes.files import atomic_write_text

Rows = list[dict[str, str]]


def cache_dir() -> Path:
    """Where built designs are kept: $RNN_SHAPES_CACHE, else the user's cache folder."""
    explicit = os.environ.get("RNN_SHAPES_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rnn-shapes"


def cached(
    inputs: Mapping[str, object], build: Callable[[], Rows], accept: Callable[[object], bool]
) -> Rows:
    """The rows `build` makes, from the cache file of `inputs` where `accept` takes
    what it holds; a cache that cannot be written is skipped."""
    spec = json.dumps(
        {"covertable": version("covertable"), **inputs},
        sort_keys=True,
        default=repr,
    )
    path = cache_dir() / f"design-{hashlib.sha256(spec.encode()).hexdigest()[:24]}.json"
    try:
        rows = json.loads(path.read_text())
        if accept(rows):
            return rows
    except (OSError, ValueError, RecursionError):
        pass
    rows = build()
    try:
        atomic_write_text(path, json.dumps(rows))
    except OSError as exc:  # a read-only home: build each time, and say so once
        _warn_once(path.parent, exc)
    return rows


_WARNED: set[Path] = set()  # folders already said to be unwritable, in this process


def _warn_once(folder: Path, exc: OSError) -> None:
    """One stderr line per folder: every command otherwise pays seconds unexplained."""
    if folder in _WARNED:
        return
    _WARNED.add(folder)
    print(
        f"rnn-shapes: design cache {folder}: cannot write there ({exc.strerror or exc}); "
        "the covering designs are built again by every command (seconds each): "
        "set RNN_SHAPES_CACHE to a folder that takes writes",
        file=sys.stderr,
    )

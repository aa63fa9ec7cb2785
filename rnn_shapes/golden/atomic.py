"""Atomic file writes (rnn_shapes/files.py: a temporary file beside the target,
then a rename), and the checks that an output folder or file takes writes.

An interrupted or failed write leaves the previous file as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rnn_shapes.errors import RnnShapesError
from rnn_shapes.files import atomic_write_bytes, atomic_write_text

__all__ = ["atomic_write_bytes", "atomic_write_text", "ensure_writable_dir", "ensure_writable_file"]


def ensure_writable_dir(path: Path) -> None:
    """Make `path` (a folder) and prove a file can be written in it, before any work.

    Raises RnnShapesError naming the path: a file where a folder should be, no
    permission, a read-only file system. Creating the folder early is harmless:
    it is where the results will go.
    """
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".rnn-shapes-probe.", dir=path)
        os.close(fd)
        os.unlink(probe)
    except FileExistsError:
        raise RnnShapesError(f"{path}: exists and is not a folder") from None
    except OSError as exc:
        why = f"{exc.strerror or exc}: {exc.filename or path}"
        raise RnnShapesError(f"{path}: cannot write there ({why})") from None


def ensure_writable_file(path: Path) -> None:
    """The folder of an output file must take writes, and the file must not be a folder."""
    path = Path(path)
    if path.is_dir():
        raise RnnShapesError(f"{path}: is a folder, expected a file path")
    ensure_writable_dir(path.parent)

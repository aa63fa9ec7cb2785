"""Atomic file writes (a temporary file beside the target, then a rename), and
the checks that an output folder or file takes writes before any work.

An interrupted or failed write leaves the previous file as it was, and its
error names the file it was writing. Every file the package writes goes
through here: golden sets, the design cache, model records, reports, the site.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rnn_shapes.errors import RnnShapesError


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; a fixture is for everyone to read
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        os.unlink(tmp)
        if exc.filename is None:  # a failed write (a full disk) names no file: name it
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    except BaseException:
        os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


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

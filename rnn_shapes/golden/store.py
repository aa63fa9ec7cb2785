"""The values store: each case's output arrays stored once, by content, for every set.

    <root>/store/<ab>/<ab...20 hex>.npy.z   zlib of the case's outputs as consecutive .npy arrays

A file is named by the first 20 hex digits of a sha256 over each array's
dtype, shape and bytes: the values, not the file's bytes, so another zlib or
NumPy writing the same values names the same file, and environments that
computed bit-identical outputs share it. Reading recomputes the name from what
it decoded: a missing or altered file is one GoldenError naming it.

Writers hold a shared lock from their first value file to their JSON, and so do
readers; `prune` (removing files no set names any more) holds it exclusively, so
it never takes a file that a set being written is about to name, or being read
names. Without fcntl (Windows) there is no lock: one writer at a time. Every path
under the root is golden/layout.py's.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from rnn_shapes.errors import RnnShapesError
from rnn_shapes.files import atomic_write_bytes
from rnn_shapes.golden.layout import (
    killed_value_writes,
    set_paths,
    store_dir,
    store_lock,
    value_files,
    value_path,
)

NAME = re.compile(r"[0-9a-f]{20}")


def values_name(arrays: Sequence[np.ndarray]) -> str:
    """The content address of a case's outputs (dtype, shape and bytes of each, in order)."""
    digest = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape};".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()[:20]


def _encode(arrays: Sequence[np.ndarray]) -> bytes:
    buf = io.BytesIO()
    for a in arrays:
        np.lib.format.write_array(buf, np.ascontiguousarray(a), allow_pickle=False)
    return zlib.compress(buf.getvalue(), 9)


def put(root: Path, arrays: Sequence[np.ndarray]) -> str:
    """Store the arrays once; their name. An existing file of that name is kept only
    when it reads back as these values: a damaged one (a flipped byte, a truncated
    copy) is rewritten, so recording again repairs the store instead of trusting it."""
    name = values_name(arrays)
    path = value_path(root, name)
    if not _holds(path, name):
        atomic_write_bytes(path, _encode(arrays))
        _CACHE.pop(path, None)
    return name


def _holds(path: Path, name: str) -> bool:
    """Whether `path` exists and decodes to the values `name` hashes."""
    if not path.is_file():
        return False
    try:
        _read(path, name)
    except StoreError:
        return False
    return True


class StoreError(RnnShapesError, ValueError):
    """A value file that is missing, unreadable or not what its name says."""


_CACHE: dict[Path, tuple[np.ndarray, ...]] = {}  # one process reads a shared file once


def forget() -> None:
    """Forget the value files this process has read: the next read goes to the disk, as
    a fresh process's would (after a file was changed behind the store's back)."""
    _CACHE.clear()


def get(root: Path, name: str, count: int) -> tuple[np.ndarray, ...]:
    """The `count` arrays stored under `name`; StoreError naming the file otherwise."""
    path = value_path(root, name)
    if path not in _CACHE:
        _CACHE[path] = _read(path, name)
    if len(_CACHE[path]) != count:
        raise StoreError(f"{path}: holds {len(_CACHE[path])} arrays, the set has {count} outputs")
    return _CACHE[path]


def _read(path: Path, name: str) -> tuple[np.ndarray, ...]:
    try:
        data = zlib.decompress(path.read_bytes())
    except FileNotFoundError:
        raise StoreError(f"{path}: missing from the shared values store") from None
    except (OSError, zlib.error) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise StoreError(f"{path}: cannot read it ({why})") from None
    buf, arrays = io.BytesIO(data), []
    try:
        while buf.tell() < len(data):
            arrays.append(np.lib.format.read_array(buf, allow_pickle=False))
    except (ValueError, OSError, EOFError) as exc:
        raise StoreError(f"{path}: altered (not .npy arrays: {exc})") from None
    if values_name(arrays) != name:
        raise StoreError(f"{path}: altered (its values do not hash to its name)")
    return tuple(arrays)


try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one writer at a time (record-all says so)
    fcntl = None  # type: ignore[assignment]
CAN_LOCK = fcntl is not None


def _lock_file(root: Path, create: bool):
    """The open lock file, or None where there is no lock: no fcntl, or a reader of a
    store with no lock file (a read creates nothing: a clean or read-only checkout,
    where nothing has written or pruned yet) or none it may open."""
    if fcntl is None:
        return None
    try:
        if create:
            store_dir(root).mkdir(parents=True, exist_ok=True)
            return open(store_lock(root), "a")  # locked() closes it
        return open(store_lock(root))  # flock takes a file opened for reading
    except OSError:
        if create:
            raise
        return None


@contextlib.contextmanager
def locked(root: Path, exclusive: bool, reading: bool = False) -> Iterator[None]:
    """The store's lock: shared for writers and readers, exclusive for prune."""
    handle = _lock_file(root, create=not reading)
    if handle is None:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def referenced(root: Path) -> tuple[set[str], Path | None]:
    """Every name the sets under `root` use, and the first set that cannot be read as a
    set's JSON (None if every one can)."""
    names: set[str] = set()
    for path in set_paths(root):
        try:
            cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
            names |= {e["values"] for e in cases.values() if "values" in e}
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return names, path
    return names, None


def stored(root: Path) -> dict[str, Path]:
    return value_files(root)


def prune(root: Path) -> str:
    """Remove value files no set names, and temporary files a killed write left; a note
    of what was done (nothing is removed while a set cannot be read)."""
    with locked(root, exclusive=True):
        used, unreadable = referenced(root)
        if unreadable is not None:
            return f"store not pruned: {unreadable} cannot be read as a golden set"
        unused = [p for n, p in stored(root).items() if n not in used]
        leftovers = killed_value_writes(root)
        for p in unused + leftovers:
            p.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                p.parent.rmdir()  # only when it became empty
        forget()
    said = [f"{len(unused)} value files no set names"] if unused else []
    said += [f"{len(leftovers)} temporary files of killed writes"] if leftovers else []
    return f"store: {' and '.join(said)} removed" if said else ""

"""A user's model file read as data, without Keras: its format, its config, the Keras
that wrote it, its hash, and the custom objects loading it would need.

Formats: `.keras` (Keras 3's zip archive), `.h5` (Keras 2's format, and Keras 3's
legacy one; read with h5py), `.json` (`model.to_json()`, its weights beside it as
`NAME.weights.h5`, or named with --weights).

Reading is bounded, whoever made the file: a config over MAX_CONFIG_BYTES (as the
zip declares it and as it inflates), nested deeper than MAX_DEPTH, an archive
member with an absolute or climbing path, a file that is not what its name says:
one line naming the file (exit 2), within seconds, nothing written. What the
config says of its recurrent layers is models/config.py's; whether it carries
code, models/trust.py's.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from rnn_shapes.errors import RnnShapesError

FORMATS = {".keras": "keras", ".h5": "h5", ".hdf5": "h5", ".json": "json"}
# A real model's config is kilobytes to a few megabytes, its nesting tens deep
MAX_CONFIG_BYTES = 64 * 2**20
MAX_DEPTH = 100
WEIGHTS_MEMBER = "model.weights.h5"  # a .keras archive's weights, in every writer's
LARGER = f"larger than {MAX_CONFIG_BYTES // 2**20} MiB"


@dataclass(frozen=True)
class ModelFile:
    """A model file as read: its format, config, the Keras that wrote it (where the
    file says) and its hash (with the weights file, for a config JSON)."""

    path: Path
    format: str
    config: Mapping[str, Any]
    written_by: str | None
    sha256: str
    weights: Path | None = None

    @property
    def key(self) -> str:
        """The name its records go by: the file's stem and its hash's first 12 digits."""
        return f"{self.path.stem}-{self.sha256[:12]}"


def model_files(path: Path) -> list[Path]:
    """`path`, or the model files in the folder `path` and below (a config JSON's weights aside)."""
    if not path.is_dir():
        return [path]
    found = sorted(
        p
        for p in path.rglob("*")
        if p.suffix.lower() in FORMATS and not p.name.endswith(".weights.h5")
    )
    if not found:
        raise RnnShapesError(f"{path}: no model file there ({', '.join(sorted(FORMATS))})")
    return found


def read_model_file(path: Path, weights: Path | None = None) -> ModelFile:
    """The model file at `path`; one line naming it when it cannot be read."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise RnnShapesError(
            f"{path}: unknown model format {path.suffix or '(no suffix)'!r}, expected one of "
            f"{sorted(FORMATS)}"
        )
    if not path.is_file():
        raise RnnShapesError(f"{path}: no such model file")
    digest = hashlib.sha256(path.read_bytes())
    if fmt == "json":
        weights = weights or path.with_name(path.stem + ".weights.h5")
        if not weights.is_file():
            raise RnnShapesError(
                f"{path}: a config JSON needs its weights: {weights} is missing (--weights)"
            )
        digest.update(weights.read_bytes())
    config, written_by = _READERS[fmt](path)
    if depth(config) > MAX_DEPTH:
        raise RnnShapesError(f"{path}: its config is nested deeper than {MAX_DEPTH}")
    if not isinstance(config, Mapping) or "class_name" not in config:
        raise RnnShapesError(f"{path}: not a Keras model config (no class_name at its top)")
    if fmt == "json" and weights is not None:
        _hdf5(weights, f"{path}: its weights {weights}")
    return ModelFile(path, fmt, config, written_by, digest.hexdigest(), weights)


def _read_keras(path: Path) -> tuple[Any, str | None]:
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                member = PurePosixPath(name.replace("\\", "/"))
                if member.is_absolute() or ".." in member.parts:
                    raise RnnShapesError(f"{path}: its member {name!r} points outside the archive")
            config = _loads(_member(archive, "config.json", path), path, "config.json")
            if WEIGHTS_MEMBER not in archive.namelist():
                raise RnnShapesError(f"{path}: the archive holds no weights ({WEIGHTS_MEMBER})")
            meta = (
                _loads(_member(archive, "metadata.json", path), path, "metadata.json")
                if "metadata.json" in archive.namelist()
                else {}
            )
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise RnnShapesError(f"{path}: not a readable .keras archive ({exc})") from None
    return config, meta.get("keras_version") if isinstance(meta, dict) else None


def _member(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """An archive member's bytes, refused past MAX_CONFIG_BYTES as declared or as
    inflated (a declared size can lie), never inflating more than the limit."""
    too_big = f"{path}: its {name} is {LARGER}"
    if archive.getinfo(name).file_size > MAX_CONFIG_BYTES:
        raise RnnShapesError(too_big)
    with archive.open(name) as member:
        data = member.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise RnnShapesError(too_big)
    return data


def _loads(data: bytes | str, path: Path, what: str) -> Any:
    try:
        return json.loads(data)
    except RecursionError:
        raise RnnShapesError(f"{path}: its {what} is nested deeper than {MAX_DEPTH}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RnnShapesError(f"{path}: its {what} is not JSON ({exc})") from None


def _hdf5(path: Path, what: str) -> Any:
    """h5py's module, once `path` proves to be an HDF5 file (one line saying what is not)."""
    try:
        import h5py
    except ImportError:
        raise RnnShapesError(f"{what}: reading .h5 needs h5py (pip install h5py)") from None
    try:
        h5py.File(path, "r").close()
    except OSError as exc:
        raise RnnShapesError(f"{what}: not a readable HDF5 file ({exc})") from None
    return h5py


def _read_h5(path: Path) -> tuple[Any, str | None]:
    h5py = _hdf5(path, str(path))
    with h5py.File(path, "r") as f:
        text = f.attrs.get("model_config")
        version = f.attrs.get("keras_version")
    if text is None:
        raise RnnShapesError(f"{path}: an HDF5 file without a model config (weights only?)")
    if len(text) > MAX_CONFIG_BYTES:
        raise RnnShapesError(
            f"{path}: its model config is larger than {MAX_CONFIG_BYTES // 2**20} MiB"
        )
    version = version.decode() if isinstance(version, bytes) else version
    return _loads(text, path, "model config"), None if version is None else str(version)


def _read_json(path: Path) -> tuple[Any, str | None]:
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise RnnShapesError(f"{path}: {LARGER}")
    config = _loads(path.read_bytes(), path, "config")
    return config, config.get("keras_version") if isinstance(config, dict) else None


_READERS = {"keras": _read_keras, "h5": _read_h5, "json": _read_json}


def nodes(config: Any) -> Iterator[Mapping[str, Any]]:
    """Every mapping in a config, depth first (layers, their configs, serialised objects)."""
    return (node for node, _ in owned_nodes(config, ""))


def owned_nodes(config: Any, owner: str) -> Iterator[tuple[Mapping[str, Any], str]]:
    """Every mapping in a config, depth first, with the name of the layer it belongs to
    (the nearest enclosing config that names itself; `owner` above them all).
    Iterative: a config nested past MAX_DEPTH is refused before anything walks it."""
    stack: list[tuple[Any, str]] = [(config, owner)]
    while stack:
        value, owner = stack.pop()
        if isinstance(value, Mapping):
            inner = value.get("config")
            if isinstance(inner, Mapping) and isinstance(inner.get("name"), str):
                owner = inner["name"]
            yield value, owner
            stack += [(v, owner) for v in reversed(list(value.values()))]
        elif isinstance(value, list):
            stack += [(v, owner) for v in reversed(value)]


def depth(config: Any) -> int:
    """How deep mappings and lists nest in a config (a scalar: 0)."""
    deepest, stack = 0, [(config, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, Mapping | list):
            deepest = max(deepest, level)
            children = value.values() if isinstance(value, Mapping) else value
            stack += [(v, level + 1) for v in children]
    return deepest


def _custom(name: Any) -> bool:
    """A registered name of a package other than Keras: 'pkg>Name'."""
    return isinstance(name, str) and ">" in name and not name.startswith("keras")


def custom_objects(config: Mapping[str, Any]) -> list[str]:
    """The custom objects' registered names, anywhere in the config."""
    return sorted(
        {n["registered_name"] for n in nodes(config) if _custom(n.get("registered_name"))}
    )


def missing_custom_objects(config: Mapping[str, Any]) -> list[str]:
    """The custom objects whose package is not installed here. Only the top-level
    name is looked up (a finder's search, no import: find_spec of "a.b" would import
    a, and a model file must not choose what runs)."""
    missing = set()
    for node in nodes(config):
        name, module = node.get("registered_name"), node.get("module")
        if _custom(name) and isinstance(module, str):
            top = module.split(".")[0]
            try:
                found = bool(top) and importlib.util.find_spec(top) is not None
            except (ImportError, ValueError):
                found = False
            if not found:
                missing.add(f"{name} (module {module})")
    return sorted(missing)

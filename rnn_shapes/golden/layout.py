"""The golden root: where it is, what lies under it, and what a command does without one.

Where it is, never a guess from the current directory. In order, the first that
is given wins:
1. an explicit folder (`--root`, `--out`, pytest's `--rnn-golden-root`);
2. the environment variable RNN_SHAPES_GOLDEN_ROOT;
3. `golden-root` under `[tool.rnn-shapes]` in the nearest pyproject.toml at or
   above the starting folder, relative to that file. This repository's own
   pyproject.toml names `fixtures`, so a checkout finds its committed sets
   from anywhere inside it; a user's project names its own folder the same way.

What lies under it; every other module asks the functions below for these paths:

    <root>/<environment>/<matrix>.json           a golden set (golden/sets.py)
    <root>/<environment>/<matrix>.<sha12>.npz    a schema 1-4 set's own values
    <root>/store/<ab>/<ab...20 hex>.npy.z        the shared values (golden/store.py)
    <root>/store/.lock                           the store's lock
    <root>/models/<stem>-<sha12>/<env>.json      a model's record (models/records.py)
    <root>/unrecorded.json                       pre-releases not recorded
                                                 (golden/unrecorded.py)

Without a root (configured nowhere: RootNotConfigured), see `root_or_why`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from rnn_shapes.errors import RnnShapesError
from rnn_shapes.project import nearest

ENV_VAR = "RNN_SHAPES_GOLDEN_ROOT"
HOW_TO_SET = (
    f'pass --root/--out, set {ENV_VAR}, or add `golden-root = "<folder>"` under '
    "[tool.rnn-shapes] in your project's pyproject.toml"
)
NOT_CONFIGURED = f"no golden-set folder is configured here: {HOW_TO_SET}"


def configured_root(start: Path) -> Path | None:
    """`[tool.rnn-shapes] golden-root` of the nearest pyproject.toml that has one."""
    found = nearest(start, "golden-root")
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
        raise RootNotConfigured(NOT_CONFIGURED)
    return _folder(found, "[tool.rnn-shapes] golden-root")


def _folder(path: Path, given_by: str) -> Path:
    """`path`, unless something other than a folder is there: sets would silently be
    'not recorded' under a file."""
    if path.exists() and not path.is_dir():
        raise RnnShapesError(f"{path}: not a folder of golden sets (given by {given_by})")
    return path


# ---------------------------------------------------------------- without a root
# What a command does where no golden root is configured anywhere (RootNotConfigured).
# A root configured wrong (a file where its folder should be) is an error in every one.
#   check, pytest   judge by the rules and the oracle only, saying NOT_CONFIGURED
#                   (golden/judging.py: root_or_why)
#   check-model     reads no other environment's record (root_or_none)
#   record-all      notes no pre-release it could not record (root_or_none)
#   every other     fails: golden_root raises RootNotConfigured, an RnnShapesError
#                   (exit 2, "rnn-shapes <command>: " NOT_CONFIGURED on stderr); so
#                   does pytest's --rnn-regen-golden, which records


def root_or_why(find_root: Callable[[], Path]) -> tuple[Path | None, str]:
    """(the root `find_root` finds, '') or, where none is configured, (None, why: the
    line NOT_CONFIGURED). A root configured wrong raises its RnnShapesError."""
    try:
        return find_root(), ""
    except RootNotConfigured as exc:
        return None, str(exc)


def root_or_none(
    explicit: str | os.PathLike | None = None, start: Path | None = None
) -> Path | None:
    """The golden root as `golden_root` finds it, or None where none is configured."""
    return root_or_why(lambda: golden_root(explicit, start))[0]


# ---------------------------------------------------------------- what lies under it
STORE = "store"
MODELS = "models"
UNRECORDED = "unrecorded.json"
SET_SUFFIX = ".json"  # a set's file, and a model's record
VALUE_SUFFIX = ".npy.z"  # a value file of the store


def set_file_name(matrix: str) -> str:
    """The file name of a set of `matrix`, in its environment's folder."""
    return f"{matrix}{SET_SUFFIX}"


def environment_dir(root: Path, environment: str) -> Path:
    return Path(root) / environment


def set_path(root: Path, environment: str, matrix: str) -> Path:
    return environment_dir(root, environment) / set_file_name(matrix)


def set_paths(root: Path, matrix: str = "*") -> list[Path]:
    """The set of `matrix` (a glob: every matrix by default) of each environment, sorted."""
    return sorted(Path(root).glob(f"*/{set_file_name(matrix)}"))


def root_of_set(path: Path) -> Path:
    """The root a set's file lies under."""
    return Path(path).parent.parent


def old_values_path(path: Path, name: str) -> Path:
    """A schema 1-4 set's own values file `name` (its metadata's "values"), beside it."""
    return Path(path).parent / name


def old_values(path: Path, matrix: str) -> list[Path]:
    """Every schema 1-4 values file of `matrix` beside the set at `path`."""
    return list(Path(path).parent.glob(f"{matrix}.*.npz"))


def store_dir(root: Path) -> Path:
    return Path(root) / STORE


def store_lock(root: Path) -> Path:
    return store_dir(root) / ".lock"


def value_path(root: Path, name: str) -> Path:
    return store_dir(root) / name[:2] / f"{name}{VALUE_SUFFIX}"


def value_files(root: Path) -> dict[str, Path]:
    """name -> path of every value file in the store."""
    return {p.name[: -len(VALUE_SUFFIX)]: p for p in store_dir(root).glob(f"*/*{VALUE_SUFFIX}")}


def killed_value_writes(root: Path) -> list[Path]:
    """The temporary files a killed write of a value file left (files.atomic_write_bytes)."""
    return list(store_dir(root).glob(f"*/.*{VALUE_SUFFIX}.*.tmp"))


def models_dir(root: Path) -> Path:
    return Path(root) / MODELS


def records_dir(root: Path, model_key: str) -> Path:
    """The records of one model file, by its key ('<stem>-<sha256[:12]>')."""
    return models_dir(root) / model_key


def record_path(root: Path, model_key: str, environment: str) -> Path:
    return records_dir(root, model_key) / f"{environment}{SET_SUFFIX}"


def record_environment(path: Path) -> str:
    """The environment whose record lies at `path`."""
    return Path(path).stem


def record_paths(root: Path, model_key: str | None = None) -> list[Path]:
    """Every record of one model (its key), or of every model (None), sorted."""
    folder = models_dir(root) if model_key is None else records_dir(root, model_key)
    pattern = f"*{SET_SUFFIX}" if model_key is not None else f"*/*{SET_SUFFIX}"
    return sorted(folder.glob(pattern)) if folder.is_dir() else []


def unrecorded_path(root: Path) -> Path:
    return Path(root) / UNRECORDED

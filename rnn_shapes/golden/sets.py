"""Golden sets on disk: one per environment and matrix, read strictly, written atomically.

    fixtures/<environment>/<matrix>.json    reviewed in diffs: metadata and, one line
                                            per case, arity, container, shapes, dtypes
                                            and the name of its values (or the refusal)
    fixtures/store/<ab>/<name>.npy.z        the values in each output's dtype, bit for
                                            bit, shared by every set that has them
                                            (golden/store.py)

The value files are named by their content and written first; replacing the
JSON is the single step that switches sets, so a record killed at any moment
leaves either the old set or the new one, never a mix. Bytes are
deterministic: sorted keys, one line per case. Sets of schema 1-4 kept their
values in one `<matrix>.<sha12>.npz` beside the JSON; they are still read.
Every path under the root is golden/layout.py's.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rnn_shapes.environment import Environment, version_tuple
from rnn_shapes.golden import store
from rnn_shapes.golden.entries import (
    GoldenError,
    expect_keys,
    fail,
    parse_entry,
    parse_masks,
    parse_received,
    parse_symbolic,
)
from rnn_shapes.golden.layout import (
    old_values_path,
    root_of_set,
    set_file_name,
    set_path,
    value_path,
)
from rnn_shapes.result import Result, held_dtype

__all__ = [
    "GoldenError",
    "GoldenSet",
    "find_set",
    "read_metadata",
    "read_set",
    "stale_and_missing",
]

SCHEMA = 6
# Schema 2 added the optional "masks" of a masked case's entry; a schema 1 set
# reads as one whose masks were not recorded. Schema 3 added the optional
# "facts" of a training case and outputs of other dtypes than float32. Schema 4
# added "symbolic": what the built model said its outputs would be, one
# 'dtype[shape]' string each (None where unknown), in every entry Keras built;
# an older set reads as one whose symbolic outputs were not recorded. Schema 5
# moved the values from the set's own .npz to the shared store: each computed
# entry names its values. Schema 6 added the optional "received" of a masked
# case's entry: the mask attached to each returned tensor, as observed (beside
# "masks", what compute_mask says), and the backend package's version to the
# metadata; an older set reads as one that did not observe them.
READABLE_SCHEMAS = (1, 2, 3, 4, 5, 6)
METADATA_KEYS = frozenset(
    {"tensorflow", "keras", "backend", "numpy", "python", "platform", "matrix", "schema_note"}
)
NPZ_KEYS = frozenset({"values", "values_sha256"})  # schema 1-4 only
# metadata keys a schema added: schema 6, the backend package's version
NEW_METADATA = {s: frozenset({"backend_version"} if s >= 6 else ()) for s in READABLE_SCHEMAS}
SCHEMA_NOTE = (
    "values: each computed case's output arrays (bfloat16 held as float32), in order, "
    "in ../store/<first 2>/<values>.npy.z, shared by every set with the same values"
)


@dataclass(frozen=True)
class GoldenSet:
    path: Path
    metadata: dict[str, str]
    results: dict[str, Result]
    schema: int = SCHEMA  # the schema it was written in

    @property
    def matrix(self) -> str:
        return self.metadata["matrix"]

    @property
    def environment(self) -> Environment:
        """The environment that recorded the set, from its metadata."""
        return Environment.of(self.metadata)

    @property
    def keras_major(self) -> int:
        return self.environment.keras_major


# A run of a matrix is checked against its own set, or else against the set of
# the smallest larger matrix, which contains every one of its cases.
_FALLBACK = {"smoke": ("default", "full"), "default": ("full",), "full": ()}


def find_set(root: Path, environment: str, matrix: str) -> Path | None:
    """The set that covers `matrix` for `environment`, or None if none is recorded."""
    for name in (matrix, *_FALLBACK.get(matrix, ())):
        path = set_path(root, environment, name)
        if path.exists():
            return path
    return None


# ---------------------------------------------------------------- reading


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise fail(path, f"cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise fail(path, f"not valid JSON: {exc}") from None
    except RecursionError:  # json's decoder recurses once per level of nesting
        raise fail(path, "not valid JSON: nested too deep to be a golden set") from None


def _header(path: Path, doc: Any, expect_matrix: str | None) -> dict:
    """The set's metadata, once its schema, top level and metadata are as they must be."""
    if (
        isinstance(doc, dict)
        and "schema" in doc
        and (type(doc["schema"]) is not int or doc["schema"] not in READABLE_SCHEMAS)
    ):
        raise fail(
            path,
            f"unknown schema version {doc['schema']!r} (this rnn-shapes reads "
            f"{', '.join(map(str, READABLE_SCHEMAS))}); re-record it with this version",
        )
    expect_keys(path, doc, {"schema", "metadata", "cases"}, "top level")
    meta = doc["metadata"]
    in_store = doc["schema"] >= 5
    keys = set(METADATA_KEYS | (set() if in_store else NPZ_KEYS) | NEW_METADATA[doc["schema"]])
    expect_keys(path, meta, keys, "metadata")
    if not all(isinstance(v, str) for v in meta.values()):
        raise fail(path, "metadata values must be strings")
    _check_releases(path, meta)
    if expect_matrix is not None and meta["matrix"] != expect_matrix:
        raise fail(path, f"a set of matrix {meta['matrix']!r}, expected {expect_matrix!r}")
    if path.name != set_file_name(meta["matrix"]):
        raise fail(path, f"file name does not match its matrix {meta['matrix']!r}")
    if not isinstance(doc["cases"], dict):
        raise fail(path, "cases must be an object")
    return meta


def _check_releases(path: Path, meta: dict) -> None:
    """The metadata names releases, a backend and a matrix: what the judge, audit,
    compare and the report read, so a set naming none cannot pass as one."""
    from rnn_shapes.cases.matrix import MATRICES

    for key in ("tensorflow", "keras"):
        if key == "tensorflow" and meta[key] == "none":  # a JAX or torch environment
            continue
        try:
            version_tuple(meta[key])
        except ValueError:
            raise fail(path, f"metadata {key} {meta[key]!r} is not a version") from None
    if not re.fullmatch(r"\w+", meta["backend"]):
        raise fail(path, f"metadata backend {meta['backend']!r} is not a backend")
    if meta["matrix"] not in MATRICES:
        raise fail(path, f"metadata matrix {meta['matrix']!r} is not a matrix (one of {MATRICES})")


def read_metadata(path: Path) -> dict[str, str]:
    """A set's metadata, read and checked as `read_set` does, without its cases' values."""
    path = Path(path)
    return dict(_header(path, _load(path), None))


def read_set(path: Path, expect_matrix: str | None = None) -> GoldenSet:
    """Load and validate a set; any inconsistency raises GoldenError naming the file."""
    path = Path(path)
    doc = _load(path)
    meta = _header(path, doc, expect_matrix)
    in_store = doc["schema"] >= 5
    parsed = {cid: parse_entry(path, cid, e, in_store) for cid, e in doc["cases"].items()}
    if in_store:  # each entry names its own values: their keys match by construction
        with store.locked(root_of_set(path), exclusive=False, reading=True):
            values = _values_from_store(path, doc["cases"], parsed)
    else:
        values = _read_values(path, meta)
        expected_keys = {
            f"{cid}/{i}" for cid, (_, _, outs, _) in parsed.items() for i in range(len(outs))
        }
        if set(values) != expected_keys:
            stray = sorted(expected_keys ^ set(values))[:3]
            raise fail(
                old_values_path(path, meta["values"]),
                f"does not match {path.name}: keys differ, e.g. {stray}",
            )
    results = {}
    for cid, (outcome, container, outs, error) in parsed.items():
        masks = parse_masks(path, cid, doc["cases"][cid]) if outcome == "ok" else None
        received = parse_received(path, cid, doc["cases"][cid]) if outcome == "ok" else None
        arrays = tuple(values[f"{cid}/{i}"] for i in range(len(outs)))
        for i, (out, arr) in enumerate(zip(outs, arrays, strict=True)):
            if list(arr.shape) != out["shape"] or str(arr.dtype) != held_dtype(out["dtype"]):
                where = (
                    value_path(root_of_set(path), doc["cases"][cid]["values"])
                    if in_store
                    else old_values_path(path, meta["values"])
                )
                raise fail(
                    where,
                    f"output {i} is {arr.dtype}{list(arr.shape)}, "
                    f"{path} says {out['dtype']}{out['shape']}",
                    cid,
                )
        facts = doc["cases"][cid].get("facts") if outcome == "ok" else None
        symbolic = parse_symbolic(path, cid, doc["cases"][cid])
        dtypes = tuple(o["dtype"] for o in outs)
        results[cid] = Result(
            cid, outcome, container, arrays, dtypes, error, masks, facts, symbolic, received
        )
    return GoldenSet(path, dict(meta), results, doc["schema"])


def _values_from_store(path: Path, cases: dict, parsed: dict) -> dict[str, np.ndarray]:
    """Each computed entry's arrays from the shared store, keyed '<case id>/<index>'."""
    root = root_of_set(path)
    values: dict[str, np.ndarray] = {}
    for cid, (_, _, outs, _) in parsed.items():
        if not outs:
            continue
        try:
            arrays = store.get(root, cases[cid]["values"], len(outs))
        except store.StoreError as exc:
            raise GoldenError(f"{exc} (named by {path}, case {cid})") from None
        values |= {f"{cid}/{i}": a for i, a in enumerate(arrays)}
    return values


def _read_values(path: Path, meta: dict[str, str]) -> dict[str, np.ndarray]:
    """The values of a schema 1-4 set: its own .npz, checked against values_sha256."""
    vpath = old_values_path(path, meta["values"])
    if Path(meta["values"]).name != meta["values"] or not vpath.is_file():
        raise fail(path, f"its values file {meta['values']!r} is missing")
    try:
        data = vpath.read_bytes()
    except OSError as exc:
        raise fail(vpath, f"cannot read: {exc.strerror or exc}") from None
    if hashlib.sha256(data).hexdigest() != meta["values_sha256"]:
        raise fail(vpath, f"does not match {path.name}: sha256 differs from values_sha256")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise fail(vpath, f"not a readable .npz: {exc}") from None


# ---------------------------------------------------------------- against the matrix


def stale_and_missing(
    golden: GoldenSet, matrix_name: str, ids: Collection[str] | None = None
) -> tuple[list[str], list[str]]:
    """(ids recorded but no longer in the matrix, ids of the matrix not recorded);
    `ids` in place of the matrix's for a set of other cases (the self-test's slice).

    Stale ids are only counted for a set of that very matrix: a smoke run
    checked against the default set does not call the rest of it stale.
    """
    from rnn_shapes.cases.matrix import cases_by_id

    want = set(cases_by_id(matrix_name).keys() if ids is None else ids)
    whole = ids is not None or golden.matrix == matrix_name
    stale = sorted(golden.results.keys() - want) if whole else []
    return stale, sorted(want - golden.results.keys())

"""Writing a golden set: its JSON (one sorted line per case, for review in a diff)
and its values into the shared store, atomically, the same bytes for the same results."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rnn_shapes.cases.signature import Signature
from rnn_shapes.files import atomic_write_text
from rnn_shapes.golden import store
from rnn_shapes.golden.layout import old_values, set_path
from rnn_shapes.golden.sets import SCHEMA, SCHEMA_NOTE
from rnn_shapes.golden.store import values_name
from rnn_shapes.phases import reached
from rnn_shapes.result import Result, symbolic_text


def _entry(result: Result, names: Sequence[str]) -> dict[str, object]:
    entry: dict[str, object] = {}
    if result.symbolic is not None:
        entry["symbolic"] = [symbolic_text(s) for s in result.symbolic]
    if result.outcome == "rejected":
        return entry | {"outcome": "rejected", "error": result.error}
    entry |= {
        "outcome": "ok",
        "container": result.container,
        "outputs": [
            {"name": n, "shape": list(s), "dtype": d}
            for n, s, d in zip(names, result.shapes, result.dtypes, strict=True)
        ],
    }
    if result.masks is not None:  # masked cases only: unmasked entries stay as they were
        entry["masks"] = result.masks if isinstance(result.masks, str) else list(result.masks)
    if result.received is not None:  # masked cases' direct calls only
        entry["received"] = list(result.received)
    if result.facts is not None:  # training cases only
        entry["facts"] = dict(sorted(result.facts.items()))
    return entry


def encode(
    results: Sequence[Result], signatures: dict[str, Signature], env: dict[str, str], matrix: str
) -> tuple[str, dict[str, tuple[np.ndarray, ...]]]:
    """(JSON text, the values it names by store name) of a set: same results, same bytes."""
    ordered = sorted(results, key=lambda r: r.case_id)
    values: dict[str, tuple[np.ndarray, ...]] = {}
    meta = {**env, "matrix": matrix, "schema_note": SCHEMA_NOTE}
    lines = []
    for r in ordered:
        entry = _entry(r, signatures[r.case_id].names_of(r.arity))
        if r.outputs:
            entry["values"] = name = values_name(r.outputs)
            values[name] = r.outputs
        lines.append(f"  {json.dumps(r.case_id)}: {json.dumps(entry, sort_keys=True)}")
    meta_text = json.dumps(meta, sort_keys=True, indent=2).replace("\n", "\n ")
    text = (
        "{\n"
        ' "cases": {\n' + ",\n".join(lines) + "\n },\n"
        f' "metadata": {meta_text},\n'
        f' "schema": {SCHEMA}\n'
        "}\n"
    )
    return text, values


def write_set(
    root: Path,
    environment: str,
    matrix: str,
    results: Sequence[Result],
    signatures: dict[str, Signature],
    env: dict[str, str],
) -> Path:
    """Write a set atomically: its values into the store first, then the JSON naming them.

    A write that fails (a full disk) raises its OSError once the values it added,
    named by no set, are pruned again: the previous set, if any, stays as it was."""
    path = set_path(root, environment, matrix)
    text, values = encode(results, signatures, env, matrix)
    try:
        with store.locked(root, exclusive=False):
            for arrays in values.values():
                store.put(root, arrays)
            reached("values written")
            atomic_write_text(path, text)
    except OSError:
        store.prune(root)  # after the shared lock is let go: prune takes it exclusively
        raise
    for old in old_values(path, matrix):
        old.unlink(missing_ok=True)  # a schema 1-4 set's own values, now in the store
    return path

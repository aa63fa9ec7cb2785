"""One case's entry in a golden set's JSON, read strictly: outcome, container,
outputs, masks, facts and symbolic outputs, each checked before it is trusted.

Every problem is a GoldenError naming the file and the case (golden/sets.py
reads the set around them).
"""

from __future__ import annotations

import re
from pathlib import Path

from rnn_shapes.errors import RnnShapesError
from rnn_shapes.golden import store
from rnn_shapes.result import CONTAINERS, OUTCOMES, SymbolicOutput


class GoldenError(RnnShapesError, ValueError):
    """A golden set that cannot be trusted; the message names the file (and case)."""


def fail(path: Path, message: str, case_id: str | None = None) -> GoldenError:
    where = f"{path}" + (f", case {case_id}" if case_id else "")
    return GoldenError(f"{where}: {message}")


def expect_keys(path: Path, obj: object, keys: set[str], what: str, case_id: str | None = None):
    if not isinstance(obj, dict):
        raise fail(path, f"{what} must be an object, got {type(obj).__name__}", case_id)
    missing, extra = keys - obj.keys(), obj.keys() - keys
    if missing or extra:
        raise fail(
            path,
            f"{what}: missing keys {sorted(missing)}, unexpected keys {sorted(extra)}",
            case_id,
        )


def parse_masks(path: Path, case_id: str, entry: dict) -> tuple[str | None, ...] | str | None:
    """The optional masks of an entry: one string or null per output, or an error text."""
    masks = entry.get("masks")
    if masks is None or isinstance(masks, str):
        return masks
    if not (
        isinstance(masks, list)
        and len(masks) == len(entry["outputs"])
        and all(m is None or (isinstance(m, str) and set(m) <= set("01/")) for m in masks)
    ):
        raise fail(
            path, "masks must be an error text or, per output, null or '0'/'1' rows", case_id
        )
    return tuple(masks)


def parse_received(path: Path, case_id: str, entry: dict) -> tuple[str | None, ...] | None:
    """The optional attached masks of an entry: per output, null or '0'/'1' rows."""
    received = entry.get("received")
    if received is None:
        return None
    if not (
        isinstance(received, list)
        and len(received) == len(entry["outputs"])
        and all(m is None or (isinstance(m, str) and set(m) <= set("01/")) for m in received)
    ):
        raise fail(path, "received must be, per output, null or '0'/'1' rows", case_id)
    return tuple(received)


_SYMBOLIC = re.compile(r"(\w+)\[((?:(?:None|\d+)(?:, )?)*)\]")


def parse_symbolic(path: Path, case_id: str, entry: dict) -> tuple[SymbolicOutput, ...] | None:
    """The optional symbolic outputs of an entry: 'dtype[n, None, ...]' strings."""
    said = entry.get("symbolic")
    if said is None:
        return None
    found = (
        [_SYMBOLIC.fullmatch(s) if isinstance(s, str) else None for s in said]
        if isinstance(said, list)
        else [None]
    )
    if not all(found):
        raise fail(path, "symbolic must be a list of 'dtype[n, None, ...]' strings", case_id)
    return tuple(
        (
            tuple(None if n == "None" else int(n) for n in m.group(2).split(", ") if n),
            m.group(1),
        )
        for m in found
        if m is not None
    )


def parse_outputs(path: Path, case_id: str, outputs: object) -> list:
    if not isinstance(outputs, list) or not outputs:
        raise fail(path, "outputs must be a non-empty list", case_id)
    for i, out in enumerate(outputs):
        expect_keys(path, out, {"name", "shape", "dtype"}, f"output {i}", case_id)
        shape = out["shape"]
        if not (isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)):
            raise fail(path, f"output {i}: shape must be a list of non-negative ints", case_id)
        if not isinstance(out["dtype"], str) or not isinstance(out["name"], str):
            raise fail(path, f"output {i}: name and dtype must be strings", case_id)
    return outputs


def parse_entry(
    path: Path, case_id: str, entry: object, in_store: bool = False
) -> tuple[str, str | None, list, str | None]:
    if not isinstance(entry, dict) or entry.get("outcome") not in OUTCOMES:
        raise fail(path, f"entry must be an object with outcome one of {OUTCOMES}", case_id)
    if entry["outcome"] == "rejected":
        keys = {"outcome", "error"} | ({"symbolic"} & entry.keys())
        expect_keys(path, entry, keys, "entry", case_id)
        if not isinstance(entry["error"], str):
            raise fail(path, "error must be a string", case_id)
        return "rejected", None, [], entry["error"]
    optional = {"masks", "received", "facts", "symbolic"}
    keys = {"outcome", "container", "outputs"} | (optional & entry.keys())
    expect_keys(path, entry, keys | ({"values"} if in_store else set()), "entry", case_id)
    named = entry.get("values")
    if in_store and not (isinstance(named, str) and store.NAME.fullmatch(named)):
        raise fail(path, "values must name a value file: 20 hex digits", case_id)
    if entry["container"] not in CONTAINERS:
        raise fail(path, f"container must be one of {CONTAINERS}", case_id)
    outputs = parse_outputs(path, case_id, entry["outputs"])
    facts = entry.get("facts")
    if facts is not None and not (
        isinstance(facts, dict) and all(isinstance(v, bool) for v in facts.values())
    ):
        raise fail(path, "facts must be an object of true/false values", case_id)
    return "ok", entry["container"], outputs, None

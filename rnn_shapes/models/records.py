"""Golden records of a user's model: what it returned in each environment.

    <root>/models/<stem>-<sha256[:12]>/<environment>.json

One record per model file (keyed by its hash: another file is another model)
and environment: whether it loads (and Keras' message where it does not), the
model's outputs on the probe batch, and each recurrent layer's outputs inside
it, with the layer's verdict there. Values are written in the record itself
(a few hundred numbers), so the shared store and its pruning never see them.
Sorted keys, the same bytes for the same results, written atomically.

`differences` says what another environment's record has that this one does
not, as `compare` says it of two sets: loads or not, container, arity, shapes,
dtypes, masks, and values in ULPs (beyond predict's 4 ULPs counts as a change).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rnn_shapes.analysis.compare import counted_in
from rnn_shapes.differences import differences as differences_of
from rnn_shapes.differences import drift as values_drift
from rnn_shapes.environment import Environment, release_order
from rnn_shapes.files import atomic_write_text, ensure_writable_dir
from rnn_shapes.golden.entries import GoldenError
from rnn_shapes.golden.layout import record_environment, record_path, record_paths, records_dir
from rnn_shapes.models.check import ModelCheck
from rnn_shapes.models.files import ModelFile
from rnn_shapes.result import Result, held, held_dtype
from rnn_shapes.tolerance import PREDICT_ULPS, ulp_bucket

SCHEMA = 1
MODEL_OUTPUT = "model"  # the record's key of the model's own outputs


@dataclass
class Record:
    """One environment's record of one model."""

    path: Path
    environment: dict[str, str]
    loads: bool
    error: str | None
    outputs: dict[str, Result] = field(default_factory=dict)  # "model", "<layer>#<call>"
    verdicts: dict[str, str] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)  # the file: name, format, writer

    @property
    def name(self) -> str:
        return record_environment(self.path)


def record_of(check: ModelCheck, env: Environment, root: Path | None = None) -> Record:
    """What a check in this environment observed, as a record (not yet written)."""
    path = record_path(root or Path("."), check.file.key, env.name)
    record = Record(path, env.metadata(), check.loads, check.error)
    if check.run is None:
        return record
    record.outputs[MODEL_OUTPUT] = _held(MODEL_OUTPUT, check.run.container, check.run.outputs)
    verdict = {(c.path, c.call): c for c in check.layers}
    for layer, calls in check.run.calls.items():
        for k, seen in enumerate(calls):
            key = f"{layer}#{k}"
            record.outputs[key] = _held(key, seen.container, seen.outputs, seen.received)
            if (layer, k) in verdict:
                record.verdicts[key] = verdict[(layer, k)].verdict_text
    return record


def _held(key: str, container: str, outs: tuple, received: tuple | None = None) -> Result:
    """Outputs as a Result, their values as NumPy holds them (bfloat16 as float32)."""
    return Result(key, "ok", container, *held(outs), received=received)


def write_record(root: Path, file: ModelFile, record: Record) -> Path:
    """Write this environment's record of the model (atomically); its path."""
    ensure_writable_dir(records_dir(root, file.key))
    doc = {
        "schema": SCHEMA,
        "model": {
            "file": file.path.name,
            "format": file.format,
            "sha256": file.sha256,
            "written_by": file.written_by,
        },
        "environment": record.environment,
        "loads": record.loads,
        "error": record.error,
        "outputs": {
            key: _entry(r, record.verdicts.get(key)) for key, r in sorted(record.outputs.items())
        },
    }
    path = record_path(root, file.key, record.name)
    atomic_write_text(path, json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return path


def _entry(result: Result, verdict: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "container": result.container,
        "dtypes": list(result.dtypes),
        "shapes": [list(s) for s in result.shapes],
        "values": [o.astype(np.float64).tolist() for o in result.outputs],
        "received": None if result.received is None else list(result.received),
    }
    if verdict is not None:
        entry["verdict"] = verdict
    return entry


def read_records(root: Path, file: ModelFile) -> list[Record]:
    """Every environment's record of this model, in release order; GoldenError
    naming the file that cannot be read."""
    records = [read_record(p) for p in record_paths(root, file.key)]
    return sorted(records, key=lambda r: release_order(r.environment))


def every_record(root: Path) -> list[Record]:
    """Every model record under the root (each model, each environment)."""
    return [read_record(p) for p in record_paths(root)]


def read_record(path: Path) -> Record:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("schema") != SCHEMA:
            raise GoldenError(
                f"{path}: model record schema {doc.get('schema')!r}, expected {SCHEMA}"
            )
        record = Record(path, dict(doc["environment"]), bool(doc["loads"]), doc["error"])
        record.model = dict(doc["model"])
        for key, entry in doc["outputs"].items():
            record.outputs[key] = _result(key, entry)
            if "verdict" in entry:
                record.verdicts[key] = entry["verdict"]
    except GoldenError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise GoldenError(
            f"{path}: not a readable model record ({type(exc).__name__}: {exc})"
        ) from None
    return record


def _result(key: str, entry: dict[str, Any]) -> Result:
    dtypes = tuple(entry["dtypes"])
    values = tuple(
        np.asarray(v, dtype=held_dtype(d)).reshape(s)
        for v, d, s in zip(entry["values"], dtypes, entry["shapes"], strict=True)
    )
    received = entry.get("received")
    return Result(
        key,
        "ok",
        entry["container"],
        values,
        dtypes,
        received=None if received is None else tuple(received),
    )


def differences(here: Record, there: Record) -> list[str]:
    """What `there` recorded that differs from `here`, one line each; [] if nothing
    beyond predict's 4 ULPs (within that is said, not counted: see `drift`)."""
    if here.loads != there.loads:
        side = (here, there)[here.loads]  # the one that does not load
        return [f"loads in {(there, here)[here.loads].name}, not in {side.name}: {side.error}"]
    if not here.loads:
        return (
            [] if here.error == there.error else [f"does not load, another message: {there.error}"]
        )
    lines = []
    for key in sorted(set(here.outputs) | set(there.outputs)):
        a, b = here.outputs.get(key), there.outputs.get(key)
        if a is None or b is None:
            lines.append(f"{key}: recorded in {(here, there)[a is None].name} only")
            continue
        found = differences_of(a, b)
        kinds = list(counted_in(found))
        if any(d.aspect == "received" for d in found):
            kinds.append("attached masks changed")
        moved = values_drift(a, b)
        if not kinds and moved is not None and moved.ulps > PREDICT_ULPS:
            kinds.append(f"values {ulp_bucket(moved.ulps)} ({moved.ulps:.0f} ULP)")
        lines += [f"{key}: {kind}" for kind in kinds]
    return lines


def drift(here: Record, there: Record) -> str:
    """The values' bucket between two loading records (identical, <= 1 ULP, ...)."""
    shared = [k for k in here.outputs if k in there.outputs]
    moved = (values_drift(here.outputs[k], there.outputs[k]) for k in shared)
    return ulp_bucket(max((d.ulps for d in moved if d is not None), default=0.0))

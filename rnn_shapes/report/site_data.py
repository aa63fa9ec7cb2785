"""The site's data (data.js) from a ConformanceReport: JSON, sorted keys, no analysis.

The page is opened from file:// as well as served, so it cannot fetch a file:
the data is a script that sets one global, RNN_SHAPES. Apart from the time of
generation the bytes depend on the sets only.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rnn_shapes.analysis.support import STATES, CaseState
from rnn_shapes.cases import select
from rnn_shapes.cases.axes import AXES, FAMILIES, REQUIRED, Constant, Lower
from rnn_shapes.cases.case import Case
from rnn_shapes.defects import load as load_defects
from rnn_shapes.environment import version_tuple
from rnn_shapes.report.code import model_code
from rnn_shapes.report.model import ConformanceReport
from rnn_shapes.report.svg import COLOURS
from rnn_shapes.tolerance import ULP_BUCKETS

GLOBAL = "RNN_SHAPES"
# Where the rules the page names live in the repository (linked with --source-url)
SOURCES = {
    "axes": "rnn_shapes/cases/axes.py",
    "build": "rnn_shapes/keras/build.py",
    "compare": "rnn_shapes/analysis/compare.py",
    "defects": "rnn_shapes/defects.toml",
    "oracle": "rnn_shapes/oracle.py",
    "rules": "rnn_shapes/cases/signature.py",
    "select": "rnn_shapes/cases/select.py",
    "support": "rnn_shapes/analysis/support.py",
    "tolerance": "rnn_shapes/tolerance.py",
}
# The id part of each core axis: its index among the id's first seven parts
CORE_PART = {
    "layer": 0,
    "reset_after": 0,
    "bidirectional": 1,
    "merge_mode": 1,
    "return_sequences": 2,
    "return_state": 3,
    "go_backwards": 4,
    "batch": 5,
    "timesteps": 5,
    "features": 5,
    "units": 5,
    "weights": 6,
}


def channel(version: str) -> str:
    """'stable' for a release, 'pre-release' for an rc, dev, alpha or beta version."""
    return "pre-release" if re.search(r"(rc|dev|a|b)\d*", version.split("+")[0]) else "stable"


def _plain(value: object) -> Any:
    """An axis value as JSON: a Constant or a stack layer by its id tag."""
    if isinstance(value, (Constant, Lower)):
        return value.tag
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def spelled(case: Case) -> list[list[Any]]:
    """[field, value, id part] of each core axis (the id always names them) and each
    other axis the case sets, of those its layer has."""
    core = [  # as Case.id writes them
        case.layer_tag,
        case.direction,
        f"seq{int(case.return_sequences)}",
        f"state{int(case.return_state)}",
        "back" if case.go_backwards else "fwd",
        f"B{case.batch}T{case.timesteps}D{case.features}U{case.units}",
        case.weights_tag,
    ]
    out = []
    for axis in AXES.values():
        value = getattr(case, axis.field)
        if not axis.of(case.layer) or (axis.field not in CORE_PART and value == axis.default):
            continue
        if axis.field in CORE_PART:
            part = core[CORE_PART[axis.field]]
        else:
            part = axis.part(case) if axis.tag is not None else ""
        out.append([axis.field, _plain(value), part])
    return out


def _state(s: CaseState | None) -> list[Any] | None:
    if s is None:
        return None
    return [STATES.index(s.state), list(s.kinds), list(s.defects)]


def _intern(table: list, index: dict[str, int], value: Any) -> int:
    key = json.dumps(value, sort_keys=True)
    if key not in index:
        index[key] = len(table)
        table.append(value)
    return index[key]


def _cases(report: ConformanceReport) -> dict[str, Any]:
    t = report.cases
    verdicts: list[Any] = []  # interned case states
    seen: dict[str, int] = {}
    rows = []
    for i, cid in enumerate(t.ids):
        case = t.cases.get(cid)
        rows.append(
            {
                "id": cid,
                "layer": case.layer if case else "",
                "fam": list(t.families[i]),
                "r": t.results[i],
                "v": t.values[i],
                "u": t.ulps[i],
                "s": [_intern(verdicts, seen, _state(s)) for s in t.states[i]],
                "axes": spelled(case) if case else [],
                "code": model_code(case) if case else "",
            }
        )
    return {"cases": rows, "verdicts": verdicts, "signatures": [list(s) for s in t.signatures]}


def _environments(report: ConformanceReport) -> list[dict[str, Any]]:
    out = []
    for e, f in zip(report.environments, report.cases.files, strict=True):
        m = e.metadata
        out.append(
            {
                "name": e.name,
                "label": e.label,
                "tensorflow": m["tensorflow"],
                "keras": m["keras"],
                "keras_major": version_tuple(m["keras"])[0],
                "backend": m["backend"],
                "channel": channel(m["keras"]),
                "numpy": m.get("numpy", ""),
                "python": m.get("python", ""),
                "path": f.path,
                "sha256": f.sha256,
                "cases": e.cases,
                "agree": e.agree,
                "defects": e.defects,
                "refused": e.refused,
            }
        )
    return out


def site_data(report: ConformanceReport, generated: str, source_url: str | None) -> dict:
    """Everything the page shows, as one JSON object."""
    names = report.defect_labels
    labels = set(names.values())
    cells = []
    for row in report.rows:
        line: list[dict[str, Any] | None] = []
        for c in report.cells:
            cell = c.get(row)
            if cell is None:
                line.append(None)
                continue
            states = {s: cell.states[s] for s in STATES if cell.states[s]}
            defects = {d: n for d, n in cell.counts(names).items() if d in labels}
            line.append(
                {"n": cell.cases, "text": cell.text(names), "states": states, "defects": defects}
            )
        cells.append(line)
    return {
        "generated": generated,
        "matrix": report.matrix,
        "reference": report.reference,
        "source_url": source_url,
        "sources": SOURCES,
        "states": list(STATES),
        "colours": COLOURS,
        "buckets": [[limit, label] for limit, label in ULP_BUCKETS],
        "k_limits": {"max_depth": select.MAX_DEPTH, "shown": select.SHOWN},
        "families": list(FAMILIES),
        "environments": _environments(report),
        "rows": [list(r) for r in report.rows],
        "cells": cells,
        "defects": [
            {
                "name": d.name,
                "label": names[d.name],
                "keras": d.keras,
                "backends": list(d.backends),
                "reason": d.reason,
                "upstream": d.upstream,
                "instead": d.instead,
            }
            for d in load_defects()
        ],
        "axes": [
            {
                "field": a.field,
                "default": None if a.default is REQUIRED else _plain(a.default),
                "required": a.default is REQUIRED,
                "keyword": a.keyword,
                "family": a.family,
                "layers": None if a.layers is None else list(a.layers),
            }
            for a in AXES.values()
        ],
        **_cases(report),
    }


def data_js(data: dict) -> str:
    """data.js: the data as a script setting window.RNN_SHAPES (a page on file:// cannot
    fetch JSON)."""
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"window.{GLOBAL} = {body};\n"

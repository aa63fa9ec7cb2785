"""check-model's report: a table per model (one row per recurrent layer's call), the
notes on what is not modelled, and what other environments' records differ in;
as text, JSON, or JUnit XML (one testcase for loading, one per layer call, one
per recorded environment)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cached_property

from rnn_shapes.models.check import LayerCheck, ModelCheck
from rnn_shapes.models.records import Record, differences, drift

FORMATS = ("text", "json", "junit")


@dataclass
class ModelReport:
    """A check and how each other environment's record of the model compares."""

    check: ModelCheck
    here: Record
    others: list[Record] = field(default_factory=list)

    @cached_property
    def against(self) -> list[tuple[Record, list[str]]]:
        """Each other record and what it differs in (compared once)."""
        return [(r, differences(self.here, r)) for r in self.others]

    @property
    def agrees(self) -> bool:
        return self.check.agrees and not any(lines for _, lines in self.against)


def _dev(c: LayerCheck) -> str:
    return "" if c.max_deviation is None else f"{c.max_deviation:.2g}"


def _shapes(shapes: tuple[tuple[int, ...], ...]) -> str:
    return " ".join(str(tuple(s)) for s in shapes)


def render_text(report: ModelReport) -> str:
    check, file = report.check, report.check.file
    by = f", written by Keras {file.written_by}" if file.written_by else ""
    lines = [
        f"model: {file.path} ({file.format}{by}), sha256 {file.sha256[:12]}; "
        f"checked in {check.environment}"
    ]
    if not check.loads:
        lines.append(f"does not load: {check.error}")
    else:
        n = len({c.path for c in check.layers})
        layers = f"{n} recurrent layer{'s' * (n != 1)}"
        lines.append(
            f"loads; {layers}, the model run once on the probe batch ({check.seconds:.1f} s)"
        )
        rows = [("layer", "what", "input", "outputs", "verdict", "max dev")]
        for c in check.layers:
            name = c.path if c.call == 0 else f"{c.path} (call {c.call})"
            rows.append(
                (
                    name,
                    c.what,
                    str(c.input_shape),
                    _shapes(c.output_shapes),
                    c.verdict_text,
                    _dev(c),
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines.append("")
        lines += [
            "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows
        ]
        problems = [(c, p) for c in check.layers for p in (*c.problems, *c.defect_problems)]
        if problems:
            lines += ["", "how they differ:"]
            lines += [f"  {c.path}: {p.text}" for c, p in problems]
        notes = sorted({n.line() for c in check.layers for n in c.notes})
        if notes:
            lines += ["", "not modelled, or harmless:"] + [f"  {n}" for n in notes]
    if report.others:
        lines += ["", "other environments' records of this model (record-model):"]
        for record, diffs in report.against:
            if not diffs:
                same = (
                    drift(report.here, record)
                    if record.loads and report.here.loads
                    else "identical"
                )
                lines.append(f"  {record.name}: the same ({same})")
            else:
                lines += [f"  {record.name}: {d}" for d in diffs]
    else:
        lines += ["", "no other environment has recorded this model (rnn-shapes record-model)"]
    lines += ["", "agrees" if report.agrees else "differs"]
    return "\n".join(lines) + "\n"


def to_dict(report: ModelReport) -> dict:
    check = report.check
    return {
        "model": {
            "path": str(check.file.path),
            "format": check.file.format,
            "sha256": check.file.sha256,
            "written_by": check.file.written_by,
        },
        "environment": check.environment,
        "loads": check.loads,
        "error": check.error,
        "agrees": report.agrees,
        "seconds": round(check.seconds, 3),
        "layers": [
            {
                "layer": c.path,
                "call": c.call,
                "what": c.what,
                "case": c.case_id,
                "input_shape": list(c.input_shape),
                "output_shapes": [list(s) for s in c.output_shapes],
                "status": c.status,
                "verdict": c.verdict_text,
                "defect": c.defect,
                "max_deviation": c.max_deviation,
                "problems": [p.text for p in c.problems],
                "notes": [n.line() for n in c.notes],
            }
            for c in check.layers
        ],
        "records": [{"environment": r.name, "differences": d} for r, d in report.against],
    }


def render_json(reports: list[ModelReport]) -> str:
    doc = {"models": [to_dict(r) for r in reports], "agrees": all(r.agrees for r in reports)}
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def render_texts(reports: list[ModelReport]) -> str:
    return "\n".join(render_text(r) for r in reports)


def render_junit(reports: list[ModelReport]) -> str:
    root = ET.Element("testsuites")
    for report in reports:
        root.append(_suite(report))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _suite(report: ModelReport) -> ET.Element:
    check = report.check
    suite = ET.Element("testsuite", name=f"rnn-shapes check-model {check.file.path.name}")
    cases: list[tuple[str, str, str | None]] = [
        ("load", check.file.path.name, None if check.loads else f"does not load: {check.error}")
    ]
    for c in check.layers:
        bad = None if c.status in ("agrees", "defect") else c.verdict_text
        if c.status == "differs":
            bad = "\n".join([c.verdict_text, *(p.text for p in c.problems)])
        cases.append(("layer", f"{c.path}#{c.call}", bad))
    for record, diffs in report.against:
        cases.append(("record", record.name, "\n".join(diffs) or None))
    failures = 0
    for kind, name, failure in cases:
        case = ET.SubElement(suite, "testcase", classname=f"rnn_shapes.model.{kind}", name=name)
        if failure:
            failures += 1
            ET.SubElement(case, "failure", message=failure.splitlines()[0]).text = failure
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    return suite


RENDERERS = {"text": render_texts, "json": render_json, "junit": render_junit}

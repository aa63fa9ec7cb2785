"""check-model's run report (rnn_shapes/run_report.py renders it): a table per model
(one row per recurrent layer's call), the notes on what is not modelled, and
what other environments' records differ in; as text, JSON, or JUnit XML (one
testcase for loading, one per layer call, one per recorded environment)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rnn_shapes.models.check import LayerCheck, ModelCheck
from rnn_shapes.models.records import Record, differences, drift
from rnn_shapes.run_report import Item, RunReport, Suite


@dataclass
class ModelReport:
    """A check, and what each other environment's record of the model differs in
    (compared when the report is made, once)."""

    check: ModelCheck
    here: Record
    against: list[tuple[Record, list[str]]] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return self.check.agrees and not any(lines for _, lines in self.against)


def model_report(check: ModelCheck, here: Record, others: list[Record]) -> ModelReport:
    return ModelReport(check, here, [(r, differences(here, r)) for r in others])


SOURCE = "rnn_shapes/defects.toml"


def check_model_report(reports: list[ModelReport]) -> RunReport:
    """check-model's run report of these models: text, JSON document, JUnit suites."""
    text = "\n".join(_text(r) for r in reports)
    lines = text.removesuffix("\n").split("\n")
    document = {"models": [to_dict(r) for r in reports], "agrees": all(r.agrees for r in reports)}
    suites = [_suite(r) for r in reports]
    passed = all(r.agrees for r in reports)
    return RunReport([("check-model", lines)], document, suites, passed)


def _dev(c: LayerCheck) -> str:
    return "" if c.max_deviation is None else f"{c.max_deviation:.2g}"


def _shapes(shapes: tuple[tuple[int, ...], ...]) -> str:
    return " ".join(str(tuple(s)) for s in shapes)


def _text(report: ModelReport) -> str:
    check, file = report.check, report.check.file
    by = f", written by Keras {file.written_by}" if file.written_by else ""
    lines = [
        f"model: {file.path} ({file.format}{by}), sha256 {file.sha256[:12]}; "
        f"checked in {check.environment}"
    ]
    if not check.loads:
        lines.append(f"does not load: {check.error}")
        for d in check.load_defects:
            lines.append(f"  as listed Keras defect {d.name!r} says ({d.upstream or SOURCE})")
            if d.instead:
                lines.append(f"  instead: {d.instead}")
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
    if report.against:
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
    lines += ["", _said(report)]
    return "\n".join(lines) + "\n"


def _said(report: ModelReport) -> str:
    """The last line: agrees, differs, or does not load as a listed defect says."""
    if report.agrees and not report.check.loads:
        return "does not load, as a listed Keras defect says"
    return "agrees" if report.agrees else "differs"


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
        "load_defects": [
            {"name": d.name, "upstream": d.upstream, "instead": d.instead}
            for d in check.load_defects
        ],
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
                "defects": list(c.defects),
                "max_deviation": c.max_deviation,
                "problems": [p.text for p in c.problems],
                "notes": [n.line() for n in c.notes],
            }
            for c in check.layers
        ],
        "records": [{"environment": r.name, "differences": d} for r, d in report.against],
    }


def _suite(report: ModelReport) -> Suite:
    check = report.check
    suite = Suite(f"rnn-shapes check-model {check.file.path.name}")
    load = None if check.loads or check.load_defects else f"does not load: {check.error}"
    found: list[tuple[str, str, str | None]] = [("load", check.file.path.name, load)]
    for c in check.layers:
        bad = None if c.passes else c.verdict_text
        if c.state == "disagree":
            bad = "\n".join([c.verdict_text, *(p.text for p in c.problems)])
        found.append(("layer", f"{c.path}#{c.call}", bad))
    for record, diffs in report.against:
        found.append(("record", record.name, "\n".join(diffs) or None))
    for kind, name, failure in found:
        message = None if failure is None else failure.splitlines()[0]
        suite.items.append(Item(f"rnn_shapes.model.{kind}", name, failure, message))
    return suite

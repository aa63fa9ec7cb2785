"""The report of `rnn-shapes check`: a text table, JSON, or JUnit XML for CI systems.

Counts keep three outcomes apart: cases computed and agreeing with the rules
and the oracle, cases Keras refused exactly as its version's rule predicts,
and cases that disagree.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from rnn_shapes.environment import Environment
from rnn_shapes.verdict import Verdict

FORMATS = ("text", "json", "junit")
SHOWN_PROBLEMS = 20


def _counts(vs: Sequence[Verdict]) -> dict[str, int]:
    counts = {"agree": 0, "refused": 0, "defect": 0, "disagree": 0}
    for v in vs:
        counts[v.state] += 1
    return counts


def summary_table(verdicts: Sequence[Verdict]) -> str:
    """Per layer and direction: cases, agreeing, refused as predicted, disagreeing, worst."""
    groups: dict[tuple[str, str], list[Verdict]] = defaultdict(list)
    for v in verdicts:
        groups[(v.case.layer_tag, v.case.direction)].append(v)
    head = (
        f"{'layer':<10} {'direction':<10} {'cases':>6} {'agree':>6} {'refused':>8} "
        f"{'defect':>7} {'disagree':>8} {'max |diff|':>11}"
    )
    lines = [head, "-" * len(head)]
    for (layer, direction), vs in sorted(groups.items()):
        lines.append(_line(layer, direction, vs))
    lines.append("-" * len(head))
    lines.append(_line("all", "", list(verdicts)))
    lines.append(
        "agree: built, and the rules and the oracle agree; refused: Keras refused the "
        "case as its version's rule predicts; defect: differs as a defect listed in "
        "rnn_shapes/defects.toml says (expected); disagree: unexpected"
    )
    return "\n".join(lines)


def _line(layer: str, direction: str, vs: Sequence[Verdict]) -> str:
    c = _counts(vs)
    worst = max((v.max_deviation for v in vs if not v.defect), default=0.0)  # not a defect's
    return (
        f"{layer:<10} {direction:<10} {len(vs):>6} {c['agree']:>6} {c['refused']:>8} "
        f"{c['defect']:>7} {c['disagree']:>8} {worst:>11.3g}"
    )


def verdict_line(verdicts: Sequence[Verdict]) -> str:
    c = _counts(verdicts)
    if c["disagree"]:
        return f"verdict: {c['disagree']} of {len(verdicts)} cases disagree"
    defects = f", {c['defect']} differ as a listed defect says" if c["defect"] else ""
    return (
        f"verdict: all {len(verdicts)} cases agree ({c['agree']} computed, "
        f"{c['refused']} refused as the rule predicts{defects})"
    )


def render_text(
    verdicts: Sequence[Verdict], env: Environment, matrix_name: str, against: str
) -> str:
    lines = [
        f"environment: {', '.join(f'{k} {v}' for k, v in env.metadata().items())}",
        f"matrix {matrix_name}: {len(verdicts)} cases; {against}",
        "",
        summary_table(verdicts),
    ]
    bad = [v for v in verdicts if not v.agrees]
    for v in bad[:SHOWN_PROBLEMS]:
        lines += ["", f"DISAGREE {v.explain()}"]
    if len(bad) > SHOWN_PROBLEMS:
        lines += ["", f"... and {len(bad) - SHOWN_PROBLEMS} more disagreeing cases"]
    lines += ["", verdict_line(verdicts)]
    return "\n".join(lines) + "\n"


def render_json(
    verdicts: Sequence[Verdict], env: Environment, matrix_name: str, against: str
) -> str:
    doc = {
        "environment": env.metadata(),
        "matrix": matrix_name,
        "checked_against": against,
        "counts": _counts(verdicts),
        "cases": [
            {
                "id": v.case.id,
                "outcome": v.state,
                "max_deviation": v.max_deviation,
                "problems": v.lines(),
                "defect": v.defect,
            }
            for v in verdicts
        ],
    }
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def render_junit(
    verdicts: Sequence[Verdict], env: Environment, matrix_name: str, against: str
) -> str:
    """One <testcase> per case, classname layer.direction; refusals are passing cases."""
    c = _counts(verdicts)
    suite = ET.Element(
        "testsuite",
        name=f"rnn-shapes {matrix_name}",
        tests=str(len(verdicts)),
        failures=str(c["disagree"]),
        errors="0",
        skipped="0",
    )
    props = ET.SubElement(suite, "properties")
    for key, value in env.metadata().items():
        ET.SubElement(props, "property", name=key, value=str(value))
    ET.SubElement(props, "property", name="checked_against", value=against)
    for v in verdicts:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"rnn_shapes.{v.case.layer_tag}.{v.case.direction}",
            name=v.case.id,
        )
        if not v.agrees:
            failure = ET.SubElement(
                case, "failure", message=f"{', '.join(v.failed_aspects())} disagree"
            )
            failure.text = "\n".join(v.lines())
        elif v.defect:
            said = "\n".join(str(p) for p in v.defect_problems)
            note = f"differs as listed defect {v.defect} says:\n{said}"
            ET.SubElement(case, "system-out").text = note
        elif v.outcome == "rejected":
            ET.SubElement(case, "system-out").text = "refused as the rule predicts"
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


RENDERERS = {"text": render_text, "json": render_json, "junit": render_junit}

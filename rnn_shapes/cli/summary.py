"""The run report of `rnn-shapes check` (rnn_shapes/run_report.py renders it): a text
table, JSON, or JUnit XML for CI systems.

Counts keep three outcomes apart: cases computed and agreeing with the rules
and the oracle, cases Keras refused exactly as its version's rule predicts,
and cases that disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from rnn_shapes.environment import Environment
from rnn_shapes.run_report import Item, RunReport, Suite, counts
from rnn_shapes.verdict import PHRASES, Verdict

SHOWN_PROBLEMS = 20


def _counts(vs: Sequence[Verdict]) -> dict[str, int]:
    return counts(v.state for v in vs)


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


def check_report(
    verdicts: Sequence[Verdict], env: Environment, matrix_name: str, against: str
) -> RunReport:
    """check's run report: its text, JSON document and JUnit suite, built once."""
    return RunReport(
        [("check", _lines(verdicts, env, matrix_name, against))],
        _document(verdicts, env, matrix_name, against),
        [_suite(verdicts, env, matrix_name, against)],
        passed=all(v.agrees for v in verdicts),
    )


def _lines(
    verdicts: Sequence[Verdict], env: Environment, matrix_name: str, against: str
) -> list[str]:
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
    return [*lines, "", verdict_line(verdicts)]


def _document(
    verdicts: Sequence[Verdict], env: Environment, matrix_name: str, against: str
) -> dict:
    return {
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
                "defects": list(v.defects),
            }
            for v in verdicts
        ],
    }


def _suite(verdicts: Sequence[Verdict], env: Environment, matrix_name: str, against: str) -> Suite:
    """One testcase per case, classname layer.direction; refusals are passing cases."""
    properties = {key: str(value) for key, value in env.metadata().items()}
    suite = Suite(f"rnn-shapes {matrix_name}", properties=properties | {"checked_against": against})
    for v in verdicts:
        group, name = f"rnn_shapes.{v.case.layer_tag}.{v.case.direction}", v.case.id
        if not v.agrees:
            message = f"{', '.join(v.failed_aspects())} disagree"
            suite.items.append(Item(group, name, "\n".join(v.lines()), message))
        elif v.defects:
            said = "\n".join(f"{name}: {p}" for name, ps in v.defects.items() for p in ps)
            note = f"differs as listed defects say ({', '.join(v.defects)}):\n{said}"
            suite.items.append(Item(group, name, note=note))
        else:
            refused = PHRASES["refused"] if v.outcome == "rejected" else None
            suite.items.append(Item(group, name, note=refused))
    return suite

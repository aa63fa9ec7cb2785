"""The closing summary: how the case tests ended (each keeps its outcome on its
report, so xdist workers' count too), what they were judged against, what became
of a regenerated set, and a set that no longer fits the matrix."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rnn_shapes.errors import RnnShapesError
from rnn_shapes.golden.judging import checked_against
from rnn_shapes.golden.sets import stale_and_missing
from rnn_shapes.plugin.golden import GoldenState
from rnn_shapes.plugin.user_models import NO_MODELS, UserModels
from rnn_shapes.run_report import RunReport
from rnn_shapes.verdict import PHRASES, Verdict

# How a case test ended, kept in its report's user_properties for the summary.
OUTCOME_KEY = "rnn_shapes_outcome"
OUTCOME_WORDS = PHRASES  # verdict.py words every state


def outcome(verdict: Verdict) -> str:
    """The verdict's state, worded for the summary line."""
    return OUTCOME_WORDS[verdict.state]


def outcome_counts(stats: dict[str, list]) -> Counter:
    """How the case tests ended, from their reports (also those from xdist workers)."""
    counts: Counter = Counter()
    for reports in stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for key, value in getattr(report, "user_properties", ()):
                if key == OUTCOME_KEY:
                    counts[value] += 1
    return counts


def write_summary(
    terminalreporter: Any,
    *,
    matrix_name: str,
    requested: bool,
    golden: GoldenState,
    models: UserModels,
    regen_summary: str | None,
) -> None:
    """The run's rnn-shapes sections; nothing in another project's run, where no golden
    set is read."""
    counts = outcome_counts(terminalreporter.stats)
    if not (counts or regen_summary or requested):
        return
    report = pytest_report(matrix_name, counts, golden, models, regen_summary)
    for title, lines in report.sections:
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)


def pytest_report(
    matrix_name: str,
    counts: Counter,
    golden: GoldenState,
    models: UserModels,
    regen_summary: str | None,
) -> RunReport:
    """The pytest run's report: how the case tests ended, what they were judged
    against, what became of a regenerated set, where the set no longer fits."""
    sections = []
    if counts:
        sections.append(("rnn-shapes", _cases_lines(matrix_name, counts, golden, models)))
    if regen_summary:
        sections.append(("rnn-shapes golden set", [regen_summary]))
    stale = _stale_lines(golden, matrix_name)
    if stale:
        sections.append(("rnn-shapes stale golden set", stale))
    document = {"matrix": matrix_name, "outcomes": dict(sorted(counts.items()))}
    return RunReport(sections, document, passed=not counts[PHRASES["disagree"]])


def _cases_lines(
    matrix_name: str, counts: Counter, golden: GoldenState, models: UserModels
) -> list[str]:
    said = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    try:
        against = checked_against(*golden.state())
    except RnnShapesError:
        against = checked_against(golden.live_judge, golden.why_none())
    lines = [f"matrix {matrix_name}: {said}", against]
    if not models.paths:  # the model tests were left out of the suite: say so
        lines.append(NO_MODELS)
    return lines


def _stale_lines(golden: GoldenState, matrix_name: str) -> list[str]:
    found = golden.golden_or_none()
    if found is None:
        return []
    stale, missing = stale_and_missing(found, matrix_name)
    return [f"in the set, not in the matrix: {cid}" for cid in stale] + [
        f"in the matrix, not in the set: {cid}" for cid in missing
    ]

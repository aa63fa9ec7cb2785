"""The closing summary of a check: per layer and direction, how many cases agree."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .check import Verdict


def summary_table(verdicts: Sequence[Verdict]) -> str:
    """Markdown-ish table: cases, agreeing, disagreeing, refused (as predicted), worst deviation."""
    groups: dict[tuple[str, str], list[Verdict]] = defaultdict(list)
    for v in verdicts:
        groups[(v.case.layer_tag, v.case.direction)].append(v)
    head = (
        f"{'layer':<10} {'direction':<10} {'cases':>6} {'agree':>6} {'disagree':>8} "
        f"{'refused':>8} {'max |diff|':>11}"
    )
    lines = [head, "-" * len(head)]
    for (layer, direction), vs in sorted(groups.items()):
        lines.append(_line(layer, direction, vs))
    lines.append("-" * len(head))
    lines.append(_line("all", "", list(verdicts)))
    return "\n".join(lines)


def _line(layer: str, direction: str, vs: Sequence[Verdict]) -> str:
    agree = sum(v.agrees for v in vs)
    refused = sum(v.agrees and v.outcome == "rejected" for v in vs)
    worst = max((v.max_deviation for v in vs), default=0.0)
    return (
        f"{layer:<10} {direction:<10} {len(vs):>6} {agree:>6} {len(vs) - agree:>8} "
        f"{refused:>8} {worst:>11.3g}"
    )

"""The arity/shape table of a matrix, as Markdown, from the rules alone."""

from __future__ import annotations

from collections.abc import Sequence

from rnn_shapes.cases.case import Case
from rnn_shapes.cases.signature import expected_rejection, signature

HEADER = (
    "layer",
    "direction",
    "return_sequences",
    "return_state",
    "go_backwards",
    "input (B, T, D)",
    "units",
    "arity",
    "outputs in order",
)


def _row(case: Case) -> tuple[str, ...]:
    sig = signature(case)
    outputs = ", ".join(f"{n} {s}" for n, s in zip(sig.names, sig.shapes, strict=True))
    if expected_rejection(case, 3, "tensorflow"):
        outputs += " (Keras 3 refuses)"
    return (
        case.layer_tag,
        case.direction,
        str(case.return_sequences),
        str(case.return_state),
        str(case.go_backwards),
        str(case.input_shape),
        str(case.units),
        str(sig.arity),
        outputs,
    )


def shape_table(cases: Sequence[Case]) -> str:
    """One row per distinct configuration and shape; weights and inputs do not change shapes."""
    rows = list(dict.fromkeys(_row(c) for c in cases))
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def readme_region(name: str) -> tuple[str, str]:
    """The markers around the generated table of matrix `name` in a Markdown file
    (the smoke table's is docs/families.md)."""
    return f"<!-- table:{name} -->\n", f"<!-- /table:{name} -->\n"


def with_table(readme: str, name: str, table: str) -> str:
    """`readme` (a Markdown text) with the region of matrix `name` replaced by `table`."""
    start, end = readme_region(name)
    if start not in readme or end not in readme:
        raise ValueError(f"has no region {start.strip()} ... {end.strip()}")
    head, rest = readme.split(start, 1)
    _, tail = rest.split(end, 1)
    return head + start + "\n" + table + "\n" + end + tail

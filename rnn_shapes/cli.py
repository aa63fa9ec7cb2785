"""The `rnn-shapes` command line: check, table (and more as subcommands)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .check import verify
from .files import atomic_write_text
from .matrix import MATRICES, matrix
from .oracle import run_oracle
from .pool import keras_results
from .progress import Progress
from .summary import summary_table
from .table import shape_table, with_table

SHOWN_PROBLEMS = 20


def _jobs(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def cmd_check(args: argparse.Namespace) -> int:
    cases = matrix(args.matrix)
    by_id = {c.id: c for c in cases}
    progress = Progress(len(cases), f"check {args.matrix}")
    verdicts, env = [], {}
    for env, results in keras_results(cases, args.jobs):
        major = int(env["keras"].split(".")[0])
        for r in results:
            case = by_id[r.case_id]
            verdicts.append(verify(case, r, run_oracle(case), major))
        progress.advance(len(results))
    progress.close()
    print(f"environment: {', '.join(f'{k} {v}' for k, v in env.items())}")
    print(f"matrix {args.matrix}: {len(cases)} cases\n")
    print(summary_table(verdicts))
    bad = [v for v in verdicts if not v.agrees]
    for v in bad[:SHOWN_PROBLEMS]:
        print(f"\nDISAGREE {v.case.id}")
        for p in v.problems:
            print(f"  {p}")
    if len(bad) > SHOWN_PROBLEMS:
        print(f"\n... and {len(bad) - SHOWN_PROBLEMS} more disagreeing cases")
    print("\nverdict:", "all cases agree" if not bad else f"{len(bad)} cases disagree")
    return 1 if bad else 0


def cmd_table(args: argparse.Namespace) -> int:
    table = shape_table(matrix(args.matrix))
    if args.write_readme is None:
        sys.stdout.write(table)
        return 0
    path = Path(args.write_readme)
    try:
        text = with_table(path.read_text(encoding="utf-8"), args.matrix, table)
    except (OSError, ValueError) as exc:
        print(f"rnn-shapes table: {path}: {exc}", file=sys.stderr)
        return 2
    atomic_write_text(path, text)
    print(f"wrote the {args.matrix} table into {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rnn-shapes",
        description="What Keras' recurrent layers return, checked against a NumPy oracle.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("check", help="run the matrix live against the oracle")
    c.add_argument("--matrix", choices=MATRICES, default="default")
    c.add_argument("-j", "--jobs", type=_jobs, default=1, help="worker processes")
    c.set_defaults(func=cmd_check)

    t = sub.add_parser("table", help="print the arity/shape table of a matrix as Markdown")
    t.add_argument("--matrix", choices=MATRICES, default="smoke")
    t.add_argument(
        "--write-readme",
        metavar="PATH",
        help="replace the generated region of this README instead of printing",
    )
    t.set_defaults(func=cmd_table)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

"""The `rnn-shapes` command line: check, table (and more as subcommands)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .audit import audit
from .check import verify
from .compare import compare, load, render
from .environment import major as keras_major_of
from .files import atomic_write_text
from .golden import GoldenError, read_set
from .matrix import MATRICES, matrix
from .oracle import run_oracle
from .pool import keras_results
from .progress import Progress
from .record import DEFAULT_ROOT, record
from .result import Result
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
        major = keras_major_of(env["keras"])
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


def cmd_record(args: argparse.Namespace) -> int:
    cases = matrix(args.matrix)
    progress = Progress(len(cases), f"record {args.matrix}")
    results: list[Result] = []
    env: dict[str, str] = {}
    for chunk_env, chunk in keras_results(cases, args.jobs):
        env = chunk_env
        results += chunk
        progress.advance(len(chunk))
    progress.close()
    try:
        _, summary = record(results, env, args.matrix, Path(args.out))
    except GoldenError as exc:
        print(f"rnn-shapes record: {exc}", file=sys.stderr)
        return 2
    print(summary)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.sets] or sorted(Path(args.root).glob("*/*.json"))
    if not paths:
        print(f"rnn-shapes audit: no golden sets under {args.root}", file=sys.stderr)
        return 2
    memo: dict = {}
    failed = False
    for path in paths:
        try:
            report = audit(read_set(path), memo)
        except GoldenError as exc:
            print(f"rnn-shapes audit: {exc}", file=sys.stderr)
            return 2
        agree = sum(v.agrees for v in report.verdicts)
        print(
            f"{path}: {len(report.verdicts)} cases, {agree} agree with the oracle and rules, "
            f"{len(report.stale)} stale, {len(report.missing)} missing"
        )
        for problem in report.problems[:SHOWN_PROBLEMS]:
            print(f"  {problem}")
        failed |= bool(report.problems)
    return 1 if failed else 0


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import main as bench_main

    return bench_main(
        args.matrix, args.jobs, not args.no_suites, Path(args.out) if args.out else None
    )


def cmd_compare(args: argparse.Namespace) -> int:
    root = Path(args.root)
    try:
        a, b = load(args.a, root, args.matrix), load(args.b, root, args.matrix)
    except GoldenError as exc:
        print(f"rnn-shapes compare: {exc}", file=sys.stderr)
        return 2
    comparison = compare(a, b)
    sys.stdout.write(render(comparison, args.format))
    return 0 if comparison.identical else 1


def cmd_report(args: argparse.Namespace) -> int:
    from .report import write

    try:
        for path in write(Path(args.root), Path(args.out)):
            print(f"wrote {path}")
    except (GoldenError, ValueError) as exc:
        print(f"rnn-shapes report: {exc}", file=sys.stderr)
        return 2
    return 0


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

    r = sub.add_parser("record", help="record the golden set of the installed environment")
    r.add_argument("--matrix", choices=MATRICES, default="default")
    r.add_argument(
        "--out", default=str(DEFAULT_ROOT), help="fixtures folder (default: %(default)s)"
    )
    r.add_argument("-j", "--jobs", type=_jobs, default=1, help="worker processes")
    r.set_defaults(func=cmd_record)

    a = sub.add_parser("audit", help="check golden sets against the oracle, without TensorFlow")
    a.add_argument("sets", nargs="*", help="golden .json files (default: all under --root)")
    a.add_argument("--root", default=str(DEFAULT_ROOT))
    a.set_defaults(func=cmd_audit)

    b = sub.add_parser("bench", help="measure the harness (figures for docs/PERFORMANCE.md)")
    b.add_argument("--matrix", choices=MATRICES, default="default")
    b.add_argument("-j", "--jobs", type=_jobs, default=2, help="workers for the timed runs")
    b.add_argument(
        "--no-suites",
        action="store_true",
        help="skip the timed pytest and record runs (per-case figures only)",
    )
    b.add_argument("--out", help="also write the figures as JSON to this file")
    b.set_defaults(func=cmd_bench)

    cmp = sub.add_parser(
        "compare", help="what differs between two golden sets (exit 0 same, 1 different, 2 error)"
    )
    cmp.add_argument("a", help="golden set: a .json, its folder, or an environment name")
    cmp.add_argument("b", help="the other golden set")
    cmp.add_argument("--format", choices=("text", "md", "json"), default="text")
    cmp.add_argument(
        "--matrix",
        choices=MATRICES,
        default="default",
        help="which set of a folder or environment (default: %(default)s)",
    )
    cmp.add_argument("--root", default=str(DEFAULT_ROOT))
    cmp.set_defaults(func=cmd_compare)

    rep = sub.add_parser("report", help="write docs/CONFORMANCE.md and docs/drift.svg")
    rep.add_argument("--root", default=str(DEFAULT_ROOT), help="golden sets folder")
    rep.add_argument("--out", default=".", help="where docs/ goes (default: %(default)s)")
    rep.set_defaults(func=cmd_report)

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

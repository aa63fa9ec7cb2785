"""The `rnn-shapes` command line.

Exit status, the same in every command: 0 the cases agree / the sets are
identical, 1 some disagree / differ, 2 an error (bad input, a path that cannot
be read or written; one line on stderr naming it), 130 interrupted (Ctrl-C).
Paths are checked before any case runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rnn_shapes import __version__
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.spec.matrix import MATRICES, matrix, matrix_sizes

if TYPE_CHECKING:
    from rnn_shapes.keras.environment import Environment

EXIT_STATUS = (
    "exit status: 0 agree / identical, 1 disagree / different, 2 error (bad input, or a "
    "path that cannot be read or written), 130 interrupted"
)


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, except the empty ones (None, [], False) that say nothing."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, [], False):
            return action.help
        return super()._get_help_string(action)


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def _root(explicit: str | None) -> Path:
    from rnn_shapes.golden.locate import golden_root

    return golden_root(explicit)


def _cases(args: argparse.Namespace) -> list:
    from rnn_shapes.spec.select import select

    everything = matrix(args.matrix)
    if args.keyword is None and not args.case:
        return everything
    return select(everything, args.keyword, args.case)


def _run(cases: list, jobs: int, label: str, matrix_name: str) -> list:
    """The results in the order of `cases`, with progress on stderr."""
    from rnn_shapes.cli.progress import Progress
    from rnn_shapes.keras.pool import keras_results

    progress = Progress(len(cases), label)
    results = []
    for chunk in keras_results(cases, jobs, universe=matrix(matrix_name)):
        results += chunk
        progress.advance(len(chunk))
    progress.close()
    order = {c.id: i for i, c in enumerate(cases)}
    return sorted(results, key=lambda r: order[r.case_id])


def _golden_root_or_error(explicit: str | None) -> Path | RnnShapesError:
    """The golden root, or why none is configured (check then judges without a set)."""
    try:
        return _root(explicit)
    except RnnShapesError as exc:
        return exc


def cmd_check(args: argparse.Namespace) -> int:
    from rnn_shapes.cli.summary import RENDERERS
    from rnn_shapes.golden.atomic import atomic_write_text, ensure_writable_file
    from rnn_shapes.golden.judging import checked_against, judge_for
    from rnn_shapes.keras.environment import Environment

    if args.output:
        ensure_writable_file(Path(args.output))
    cases = _cases(args)
    env = Environment.installed()
    root = None if args.no_golden else _golden_root_or_error(args.root)
    judge, why = judge_for(env, root, args.matrix)  # an unreadable set: exit 2, nothing run
    results = _run(cases, args.jobs, f"check {args.matrix}", args.matrix)
    verdicts = [judge(case, result) for case, result in zip(cases, results, strict=True)]
    text = RENDERERS[args.format](verdicts, env, args.matrix, checked_against(judge, why))
    if args.output:
        atomic_write_text(Path(args.output), text)
        if args.format != "text":
            from rnn_shapes.cli.summary import verdict_line

            print(verdict_line(verdicts))
    else:
        sys.stdout.write(text)
    return 0 if all(v.agrees for v in verdicts) else 1


def cmd_record(args: argparse.Namespace) -> int:
    from rnn_shapes.golden.atomic import ensure_writable_dir
    from rnn_shapes.golden.record import record, set_to_update
    from rnn_shapes.golden.sets import json_path

    root = _root(args.out)
    env = _promised()
    cases = _cases(args)  # a bad filter is refused before anything is written
    partial = len(cases) < len(matrix(args.matrix))
    if partial:
        set_to_update(json_path(root, env.name, args.matrix), args.matrix, len(cases))
    ensure_writable_dir(root)
    results = _run(cases, args.jobs, f"record {args.matrix}", args.matrix)
    _, summary = record(results, env, args.matrix, root, partial=partial)
    print(summary)
    return 0


def _promised() -> Environment:
    """The installed environment, once it keeps what RNN_SHAPES_EXPECT (set by tox.ini)
    promises: a set is never recorded, or called current, under the name of an
    environment that resolved another release."""
    from rnn_shapes.keras.environment import Environment

    env = Environment.installed()
    broken = env.broken_promise()
    if broken:
        raise RnnShapesError(broken)
    return env


def cmd_status(args: argparse.Namespace) -> int:
    from rnn_shapes.golden.status import set_status

    current, line = set_status(_root(args.root), _promised(), args.matrix)
    print(line)
    return 0 if current else 1


def cmd_record_all(args: argparse.Namespace) -> int:
    from rnn_shapes.cli.record_all import record_all

    return record_all(args)


def cmd_audit(args: argparse.Namespace) -> int:
    from rnn_shapes.golden.audit import audit
    from rnn_shapes.golden.sets import read_set

    if args.sets:
        paths = [Path(p) for p in args.sets]
    else:
        root = _root(args.root)
        paths = sorted(root.glob("*/*.json"))
        if not paths:
            raise RnnShapesError(f"{root}: no golden sets there")
    memo: dict = {}
    failed = False
    for path in paths:
        report = audit(read_set(path), memo)
        agree = sum(v.agrees for v in report.verdicts)
        print(
            f"{path}: {len(report.verdicts)} cases, {agree} agree with the oracle and rules, "
            f"{len(report.stale)} stale, {len(report.missing)} missing"
        )
        for problem in report.problems[:20]:
            print(f"  {problem}")
        failed |= bool(report.problems)
    return 1 if failed else 0


def cmd_bench(args: argparse.Namespace) -> int:
    from rnn_shapes.cli.bench import main as bench_main
    from rnn_shapes.cli.bench import needs_checkout
    from rnn_shapes.golden.atomic import ensure_writable_file

    if args.baseline:
        needs_checkout("--baseline")
    out = Path(args.out) if args.out else None
    if out is not None:
        ensure_writable_file(out)
    return bench_main(args.matrix, args.jobs, not args.no_suites, out, args.baseline)


def cmd_compare(args: argparse.Namespace) -> int:
    from rnn_shapes.golden.compare import compare, load, render

    def one(spec: str):
        path = Path(spec)
        local = path.suffix == ".json" or path.is_dir()
        return load(spec, path.parent if local else _root(args.root), args.matrix)

    comparison = compare(one(args.a), one(args.b))
    sys.stdout.write(render(comparison, args.format))
    return 0 if comparison.identical else 1


def cmd_report(args: argparse.Namespace) -> int:
    from rnn_shapes.golden.report import write

    root = _root(args.root)
    out = Path(args.out) if args.out else root.resolve().parent
    try:
        written = write(root, out, args.matrix)  # reads every set before writing
    except ValueError as exc:  # no sets of that matrix under the root
        raise RnnShapesError(str(exc)) from None
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    from rnn_shapes.cli.table import shape_table, with_table
    from rnn_shapes.golden.atomic import atomic_write_text, ensure_writable_file

    table = shape_table(matrix(args.matrix))
    if args.write_readme is None:
        sys.stdout.write(table)
        return 0
    path = Path(args.write_readme)
    ensure_writable_file(path)
    try:
        text = with_table(path.read_text(encoding="utf-8"), args.matrix, table)
    except OSError as exc:
        raise RnnShapesError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise RnnShapesError(f"{path}: {exc}") from None
    atomic_write_text(path, text)
    print(f"wrote the {args.matrix} table into {path}")
    return 0


def _matrix_option(p: argparse.ArgumentParser, default: str = "default") -> None:
    sizes = ", ".join(f"{name} ({n:,} cases)" for name, n in matrix_sizes().items())
    p.add_argument("--matrix", choices=MATRICES, default=default, help=f"case matrix: {sizes}")


def _filter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-k",
        dest="keyword",
        metavar="EXPR",
        help="only cases whose id matches, as pytest's -k: words, and/or/not, parentheses",
    )
    p.add_argument(
        "--case", action="append", default=[], metavar="ID", help="only this case (repeatable)"
    )
    p.add_argument("-j", "--jobs", type=_jobs, default=1, help="worker processes")


ROOT_HELP = (
    "folder of golden sets (default: RNN_SHAPES_GOLDEN_ROOT, else [tool.rnn-shapes] "
    "golden-root in the nearest pyproject.toml)"
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rnn-shapes",
        description="What Keras' recurrent layers return, checked against a NumPy oracle.",
        epilog=EXIT_STATUS,
    )
    p.add_argument("--version", action="version", version=f"rnn-shapes {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=EXIT_STATUS,
            formatter_class=_Help,
        )

    c = command("check", "run the matrix through live Keras and judge it against the oracle")
    _matrix_option(c)
    _filter_options(c)
    c.add_argument(
        "--format",
        choices=("text", "json", "junit"),
        default="text",
        help="report as a table, JSON, or JUnit XML (one testcase per case) for CI",
    )
    c.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    c.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    c.add_argument(
        "--no-golden",
        action="store_true",
        help="judge against the rules and the oracle only, not the environment's golden set",
    )
    c.set_defaults(func=cmd_check)

    r = command("record", "record the installed environment's golden set (a filter updates it)")
    _matrix_option(r)
    _filter_options(r)
    r.add_argument("--out", metavar="DIR", help=ROOT_HELP)
    r.set_defaults(func=cmd_record)

    st = command("status", "is the installed environment's golden set current? (no Keras start)")
    _matrix_option(st)
    st.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    st.set_defaults(func=cmd_status)

    ra = command("record-all", "record every tox environment's set that is not current")
    _matrix_option(ra)
    ra.add_argument("-e", "--env", action="append", metavar="NAME", help="only these tox envs")
    ra.add_argument("-p", "--parallel", type=_jobs, default=1, help="environments recorded at once")
    ra.add_argument("--tox-ini", metavar="FILE", help="default: the nearest tox.ini above here")
    ra.set_defaults(func=cmd_record_all)

    a = command("audit", "check golden sets against the rules and the oracle, without Keras")
    a.add_argument("sets", nargs="*", help="golden .json files (default: every set in the root)")
    a.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    a.set_defaults(func=cmd_audit)

    cmp = command("compare", "what differs between two golden sets")
    cmp.add_argument("a", help="golden set: a .json, its folder, or an environment name")
    cmp.add_argument("b", help="the other golden set")
    cmp.add_argument(
        "--format", choices=("text", "md", "json"), default="text", help="output format"
    )
    _matrix_option(cmp)
    cmp.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    cmp.set_defaults(func=cmd_compare)

    rep = command("report", "write docs/CONFORMANCE.md and its pictures from the golden sets")
    rep.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    rep.add_argument(
        "--out", metavar="DIR", help="where docs/ goes (default: the folder holding the root)"
    )
    _matrix_option(rep)
    rep.set_defaults(func=cmd_report)

    t = command("table", "print a matrix's arity and shape table as Markdown")
    _matrix_option(t, default="smoke")
    t.add_argument(
        "--write-readme",
        metavar="PATH",
        help="replace the table's region in this Markdown file (the smoke one: docs/families.md)",
    )
    t.set_defaults(func=cmd_table)

    b = command("bench", "measure the harness (the figures of docs/PERFORMANCE.md)")
    _matrix_option(b)
    b.add_argument("-j", "--jobs", type=_jobs, default=2, help="workers for the timed runs")
    b.add_argument("--no-suites", action="store_true", help="per-case figures only")
    b.add_argument("--out", metavar="FILE", help="also write the figures as JSON here")
    b.add_argument(
        "--baseline",
        metavar="REF",
        help="also time `check -j N` of this git commit beside this checkout's, alternating",
    )
    b.set_defaults(func=cmd_bench)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except RnnShapesError as exc:
        print(f"rnn-shapes {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"rnn-shapes {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

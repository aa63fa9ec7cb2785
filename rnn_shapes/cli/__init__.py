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

from rnn_shapes import __version__
from rnn_shapes.cases.matrix import MATRICES, matrix_sizes
from rnn_shapes.cli.commands import (
    cmd_audit,
    cmd_bench,
    cmd_check,
    cmd_compare,
    cmd_explore,
    cmd_history,
    cmd_record,
    cmd_record_all,
    cmd_report,
    cmd_selftest,
    cmd_status,
    cmd_table,
)
from rnn_shapes.cli.model_commands import cmd_advise, cmd_check_model, cmd_record_model
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.interrupts import interrupted_once
from rnn_shapes.phases import reached

EXIT_STATUS = (
    "exit status: 0 agree / identical, 1 disagree / different, 2 error (bad input, or a "
    "path that cannot be read or written), 130 interrupted"
)


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, except the empty ones (None, [], False) that say nothing."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help
        if action.dest == "matrix" and text:  # sized only when help is shown: see below
            sizes = ", ".join(f"{name} ({n:,} cases)" for name, n in matrix_sizes().items())
            text = f"{text}: {sizes}"
        if action.default in (None, [], False):
            return text
        default = (super()._get_help_string(action) or "")[len(action.help or "") :]
        return f"{text}{default}"  # " (default: %(default)s)"


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def _matrix_option(p: argparse.ArgumentParser, default: str = "default") -> None:
    """--matrix; its help gets the sizes from _Help, when shown: sizing builds every
    matrix (a second), which parsing a command line must not wait for."""
    p.add_argument("--matrix", choices=MATRICES, default=default, help="case matrix")


def _trust_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--trust",
        action="store_true",
        help="load files that carry code (a Lambda, a custom object): you trust their source",
    )


def _result_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--result",
        metavar="FILE",
        help="also write the outcome here as JSON (state, line, set), for scripts",
    )


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


def _missing_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--missing",
        action="store_true",
        help="only the matrix's cases the environment's set does not hold (a grown matrix), "
        "leaving its other entries as they are",
    )


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
    _missing_option(r)
    r.add_argument("--out", metavar="DIR", help=ROOT_HELP)
    _result_option(r)
    r.set_defaults(func=cmd_record)

    st = command("status", "is the installed environment's golden set current? (no Keras start)")
    _matrix_option(st)
    st.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    _result_option(st)
    st.set_defaults(func=cmd_status)

    ra = command("record-all", "record every tox environment's set that is not current")
    _matrix_option(ra)
    ra.add_argument("-e", "--env", action="append", metavar="NAME", help="only these tox envs")
    ra.add_argument("-p", "--parallel", type=_jobs, default=1, help="environments recorded at once")
    ra.add_argument("--tox-ini", metavar="FILE", help="default: the nearest tox.ini above here")
    ra.add_argument(
        "-k",
        dest="keyword",
        metavar="EXPR",
        help="record only these cases into each set that is not current (new cases of a grown "
        "matrix), leaving its other entries as they are",
    )
    _missing_option(ra)
    ra.add_argument(
        "--remove",
        action="store_true",
        help="remove each tox environment once it is done (recorded, skipped or failed): "
        "all of them take some 56 GB",
    )
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

    h = command("history", "a case's timeline across every committed set (no Keras start)")
    h.add_argument("cases", nargs="*", metavar="CASE_ID", help="case ids")
    h.add_argument(
        "-k",
        dest="keyword",
        metavar="EXPR",
        help="also the cases whose id matches, as pytest's -k: words, and/or/not, parentheses",
    )
    _matrix_option(h)
    h.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    h.set_defaults(func=cmd_history)

    rep = command("report", "write docs/CONFORMANCE.md and its pictures from the golden sets")
    rep.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    rep.add_argument(
        "--out", metavar="DIR", help="where docs/ goes (default: the folder holding the root)"
    )
    rep.add_argument(
        "--html",
        metavar="DIR",
        help="also write the browsable site here (index.html, its data and assets; docs/site.md)",
    )
    rep.add_argument(
        "--source-url",
        metavar="URL",
        help="where the site links the repository's files, e.g. "
        "https://github.com/OWNER/REPO/blob/COMMIT (default: names them without a link)",
    )
    _matrix_option(rep)
    rep.set_defaults(func=cmd_report)

    ex = command(
        "explore",
        "draw valid cases no matrix holds (hypothesis), judge each with a relation beside it, "
        "shrink what is unexplained and write a reproduction of each finding",
    )
    ex.add_argument("--examples", type=_jobs, default=300, help="distinct examples to try")
    ex.add_argument("--seconds", type=float, help="stop after this long (examples permitting)")
    ex.add_argument(
        "--seed", type=int, default=0, help="the draws' seed (the same seed, the same run)"
    )
    ex.add_argument(
        "-k",
        dest="keyword",
        metavar="EXPR",
        help="only cases whose id matches, as pytest's -k (a filter on what is drawn)",
    )
    ex.add_argument(
        "--hold",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="hold an axis at a value, e.g. --hold layer=LSTM --hold mask=right (repeatable)",
    )
    ex.add_argument("-j", "--jobs", type=_jobs, default=1, help="worker processes")
    ex.add_argument("--format", choices=("text", "json"), default="text", help="report format")
    ex.add_argument(
        "--out",
        metavar="DIR",
        help="where each finding's reproduction and issue text go (default: the cache "
        "folder's explore/<environment>/findings)",
    )
    ex.add_argument(
        "--database",
        metavar="DIR",
        help="hypothesis' example database, where findings are tried first next time "
        "(default: the cache folder's explore/<environment>/examples)",
    )
    ex.set_defaults(func=cmd_explore)

    s = command("selftest", "inject faults into Keras, the oracle and a golden set: each must show")
    s.add_argument("--only", metavar="TEXT", help="only the faults whose name contains TEXT")
    s.set_defaults(func=cmd_selftest)

    t = command("table", "print a matrix's arity and shape table as Markdown")
    _matrix_option(t, default="smoke")
    t.add_argument(
        "--write-readme",
        metavar="PATH",
        help="replace the table's region in this Markdown file (the smoke one: docs/families.md)",
    )
    t.set_defaults(func=cmd_table)

    def model_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "models",
            nargs="+",
            metavar="PATH",
            help="a .keras, .h5 or config .json file, or a folder of them",
        )
        p.add_argument(
            "--weights", metavar="FILE", help="a config JSON's weights (default: NAME.weights.h5)"
        )

    cm = command("check-model", "judge a saved model's recurrent layers against the oracle")
    model_arguments(cm)
    cm.add_argument(
        "--format", choices=("text", "json", "junit"), default="text", help="report format"
    )
    cm.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    cm.add_argument("--root", metavar="DIR", help=ROOT_HELP + "; its model records are compared")
    _trust_option(cm)
    cm.set_defaults(func=cmd_check_model)

    rm = command("record-model", "record a model's outputs in this environment (golden root)")
    model_arguments(rm)
    rm.add_argument("--out", metavar="DIR", help=ROOT_HELP)
    _trust_option(rm)
    rm.set_defaults(func=cmd_record_model)

    ad = command(
        "advise", "what an upgrade changes for a model's layers, from the sets (no Keras start)"
    )
    model_arguments(ad)
    ad.add_argument("--to", required=True, metavar="ENV", help="the environment to upgrade to")
    ad.add_argument(
        "--from", dest="source", metavar="ENV", help="the environment now (default: installed)"
    )
    _matrix_option(ad)
    ad.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    ad.add_argument("--format", choices=("text", "json"), default="text")
    ad.set_defaults(func=cmd_advise)

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
    """The command line; its exit status (Ctrl-C: rnn_shapes/interrupts.py)."""
    with interrupted_once():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = parser().parse_args(argv)
    except KeyboardInterrupt:
        print("rnn-shapes: interrupted", file=sys.stderr)
        return 130
    try:
        reached("parsed")
        return args.func(args)
    except RnnShapesError as exc:
        print(f"rnn-shapes {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"rnn-shapes {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

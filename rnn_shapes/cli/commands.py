"""What each `rnn-shapes` command does (the parser, in cli/__init__.py, names them).

Paths are checked and bad input refused before any case runs; each command
returns its exit status (cli/__init__.py's EXIT_STATUS).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rnn_shapes.cases.matrix import matrix
from rnn_shapes.environment import Environment
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.files import atomic_write_text, ensure_writable_file
from rnn_shapes.phases import reached


def _root(explicit: str | None) -> Path:
    """The golden root; without one configured, RootNotConfigured: exit 2 (layout.py)."""
    from rnn_shapes.golden.layout import golden_root

    return golden_root(explicit)


def _cases(args: argparse.Namespace) -> list:
    from rnn_shapes.cases.select import select

    everything = matrix(args.matrix)
    if args.keyword is None and not args.case:
        return everything
    return select(everything, args.keyword, args.case)


def _run(cases: list, jobs: int, label: str, matrix_name: str) -> list:
    """The results in the order of `cases`, with progress on stderr."""
    from rnn_shapes.cli.progress import Progress
    from rnn_shapes.keras.pool import keras_results

    progress = Progress(len(cases), label)
    results: list = []
    for chunk in keras_results(cases, jobs, universe=matrix(matrix_name)):
        if not results:
            reached("running cases")
        results += chunk
        progress.advance(len(chunk))
    progress.close()
    order = {c.id: i for i, c in enumerate(cases)}
    return sorted(results, key=lambda r: order[r.case_id])


def cmd_check(args: argparse.Namespace) -> int:
    from rnn_shapes.cli.summary import check_report, verdict_line
    from rnn_shapes.files import atomic_write_text, ensure_writable_file
    from rnn_shapes.golden.judging import checked_against, judge_for
    from rnn_shapes.run_report import RENDERERS

    if args.output:
        ensure_writable_file(Path(args.output))
    cases = _cases(args)
    env = Environment.usable()
    find_root = None if args.no_golden else (lambda: _root(args.root))
    judge, why = judge_for(env, find_root, args.matrix)  # an unreadable set: exit 2, nothing run
    results = _run(cases, args.jobs, f"check {args.matrix}", args.matrix)
    verdicts = [judge(case, result) for case, result in zip(cases, results, strict=True)]
    report = check_report(verdicts, env, args.matrix, checked_against(judge, why))
    text = RENDERERS[args.format](report)
    if args.output:
        atomic_write_text(Path(args.output), text)
        if args.format != "text":
            print(verdict_line(verdicts))
    else:
        sys.stdout.write(text)
    return 0 if report.passed else 1


def cmd_record(args: argparse.Namespace) -> int:
    from rnn_shapes.golden.layout import set_path
    from rnn_shapes.golden.record import ensure_recordable, record, set_to_update

    root = _root(args.out)
    env = Environment.usable()
    cases = _cases(args)  # a bad filter is refused before anything is written
    if args.missing:  # those the set lacks: it must exist and read
        held = set_to_update(set_path(root, env.name, args.matrix), args.matrix, len(cases))
        cases = [c for c in cases if c.id not in held.results]
        if not cases:
            raise RnnShapesError(
                f"{set_path(root, env.name, args.matrix)}: holds every case of the "
                f"{args.matrix} matrix; nothing is missing"
            )
    partial = len(cases) < len(matrix(args.matrix))
    if partial:
        set_to_update(set_path(root, env.name, args.matrix), args.matrix, len(cases))
    ensure_recordable(root, env.name, args.matrix)  # every path, before any case runs
    if args.result:
        ensure_writable_file(Path(args.result))
    results = _run(cases, args.jobs, f"record {args.matrix}", args.matrix)
    path, summary = record(results, env, args.matrix, root, partial=partial)
    print(summary)
    _write_result(args.result, "recorded", summary.splitlines()[0], path)
    return 0


def _write_result(target: str | None, state: str, line: str, path: Path) -> None:
    """--result: the command's outcome as data, for a script (record-all) to read."""
    if target:
        doc = {"state": state, "line": line, "set": str(path)}
        atomic_write_text(Path(target), json.dumps(doc, indent=1, sort_keys=True) + "\n")


def cmd_status(args: argparse.Namespace) -> int:
    from rnn_shapes.golden.layout import set_path
    from rnn_shapes.golden.status import STATE_WORDS, UNREADABLE, status_of

    if args.result:
        ensure_writable_file(Path(args.result))
    root, env = _root(args.root), Environment.usable()
    state, line = status_of(root, env, args.matrix)
    print(line, file=sys.stderr if state == UNREADABLE else sys.stdout)
    _write_result(args.result, STATE_WORDS[state], line, set_path(root, env.name, args.matrix))
    return state  # 0 current, 1 not current, 2 unreadable (an error)


def cmd_record_all(args: argparse.Namespace) -> int:
    from rnn_shapes.cli.record_all import record_all

    return record_all(args)


def cmd_audit(args: argparse.Namespace) -> int:
    from rnn_shapes.analysis.audit import audit
    from rnn_shapes.golden.layout import set_paths
    from rnn_shapes.golden.sets import read_set

    if args.sets:
        paths = [Path(p) for p in args.sets]
    else:
        root = _root(args.root)
        paths = set_paths(root)
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
    from rnn_shapes.files import ensure_writable_file

    if args.baseline:
        needs_checkout("--baseline")
    out = Path(args.out) if args.out else None
    if out is not None:
        ensure_writable_file(out)
    return bench_main(args.matrix, args.jobs, not args.no_suites, out, args.baseline)


def cmd_compare(args: argparse.Namespace) -> int:
    from rnn_shapes.analysis.compare import compare, load, render
    from rnn_shapes.golden.layout import SET_SUFFIX

    def one(spec: str):
        path = Path(spec)
        local = path.suffix == SET_SUFFIX or path.is_dir()
        return load(spec, path.parent if local else _root(args.root), args.matrix)

    comparison = compare(one(args.a), one(args.b))
    sys.stdout.write(render(comparison, args.format))
    return 0 if comparison.identical else 1


def cmd_history(args: argparse.Namespace) -> int:
    """Each chosen case's timeline across the committed sets, in release order."""
    from rnn_shapes.analysis.history import lines
    from rnn_shapes.cases.select import select
    from rnn_shapes.report.releases import labels, load_sets

    if args.keyword is None and not args.cases:
        raise RnnShapesError("name a case id, or give -k EXPR")
    root = _root(args.root)
    sets = load_sets(root, args.matrix)
    if not sets:
        raise RnnShapesError(f"{root}: no golden set of matrix {args.matrix!r}")
    chosen = select(matrix(args.matrix), args.keyword, args.cases)
    if not chosen:
        raise RnnShapesError(f"no case of matrix {args.matrix!r} matches")
    columns = labels(sets)
    for case in chosen:
        sys.stdout.write("\n".join(lines(case, sets, columns)) + "\n")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from rnn_shapes.report import write

    root = _root(args.root)
    out = Path(args.out) if args.out else root.resolve().parent
    try:
        html = Path(args.html) if args.html else None
        # reads every set, and checks every folder, before writing
        written = write(root, out, args.matrix, html, args.source_url)
    except ValueError as exc:  # no sets of that matrix under the root
        raise RnnShapesError(str(exc)) from None
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    from rnn_shapes.cli.table import shape_table, with_table
    from rnn_shapes.files import atomic_write_text, ensure_writable_file

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


def cmd_selftest(args: argparse.Namespace) -> int:
    from rnn_shapes.keras.run import run_keras
    from rnn_shapes.selftest.run import selftest, table

    base, outcomes = selftest(Environment.usable(), run_keras, args.only)
    sys.stdout.write(table(base, outcomes))
    return 0 if all(o.passed for o in outcomes) else 1


def _held(pairs: list[str]) -> tuple[tuple[str, Any], ...]:
    """--hold FIELD=VALUE as (field, value): each value read as its axis reads it."""
    from rnn_shapes.cases.axes import AXES

    words = {"true": True, "false": False, "none": None}
    out = []
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or name not in AXES:
            raise RnnShapesError(
                f"--hold {pair!r}: expected FIELD=VALUE with FIELD one of {', '.join(AXES)}"
            )
        kind = AXES[name].kind
        value: Any = words.get(text.lower(), text)
        try:
            if kind == "count" and isinstance(value, str):
                value = int(text)
            elif kind == "rate" and isinstance(value, str):
                value = float(text)
        except ValueError:
            raise RnnShapesError(f"--hold {pair!r}: {name} {AXES[name].why}") from None
        if not AXES[name].allows(value):
            raise RnnShapesError(f"--hold {pair!r}: {AXES[name].why}")
        out.append((name, value))
    return tuple(out)


def cmd_explore(args: argparse.Namespace) -> int:
    from rnn_shapes.cases.design_cache import cache_dir
    from rnn_shapes.cases.select import parse
    from rnn_shapes.cli.progress import Progress
    from rnn_shapes.explore.run import as_json, explore, summary
    from rnn_shapes.explore.search import Plan
    from rnn_shapes.files import ensure_writable_dir
    from rnn_shapes.strategies import cases

    held = _held(args.hold)
    if args.keyword is not None:
        parse(args.keyword)  # a malformed expression: one line, before anything runs
    try:
        cases(**dict(held))
    except ValueError as exc:
        raise RnnShapesError(f"--hold: {exc}") from None
    env = Environment.usable()
    home = cache_dir() / "explore" / env.name
    out = Path(args.out) if args.out else home / "findings"
    database = Path(args.database) if args.database else home / "examples"
    for folder in (out, database):
        ensure_writable_dir(folder)
    plan = Plan(
        examples=args.examples,
        seconds=args.seconds,
        seed=args.seed,
        held=held,
        keyword=args.keyword,
        database=database,
    )
    progress = Progress(args.examples, "explore")
    outcome = explore(plan, args.jobs, out, progress.advance)
    progress.close()
    sys.stdout.write((as_json(outcome) if args.format == "json" else summary(outcome)) + "\n")
    return 1 if outcome.found else 0

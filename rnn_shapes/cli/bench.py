"""The benchmark behind docs/PERFORMANCE.md: figures, never assertions.

Measures, on the installed environment:
- TF import: a fresh interpreter loading Keras and starting TensorFlow;
- per case, in one process, side by side: the harness (build the functional
  model, run it, convert, judge against the oracle) and a bare layer call
  (construct the layer, call it on the input), and the oracle alone;
- per explored example (drawn cases, rnn-shapes explore): drawing, the case as a
  matrix case of its axes takes it, and its relation's two sides;
- RSS at start and end of that loop (growth means a graph or model leak);
- wall time of `pytest -n 2` on the packaged conformance suite and of
  `rnn-shapes check -j 2` on the same matrix, one after the other in this run,
  and their ratio (pytest's overhead); of the whole suite; and of
  `rnn-shapes record -j 2`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from rnn_shapes.cases.case import Case
from rnn_shapes.cases.inputs import inputs
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.environment import Environment
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.judge import Judge

# Where this module lies: a checkout of rnn-shapes (tests/ and .git beside the package),
# or an installed package, where the conformance suite is collected by package name and
# the harness's own tests and a baseline commit are not there to measure.
_HERE = Path(__file__).resolve().parents[2]
ROOT = _HERE if (_HERE / "tests").is_dir() and (_HERE / ".git").exists() else None
CONFORMANCE = ["rnn_shapes/conformance"] if ROOT is not None else ["--pyargs", "rnn_shapes"]


def needs_checkout(what: str) -> Path:
    """The checkout, or RnnShapesError saying `what` needs one (before anything runs)."""
    if ROOT is None:
        raise RnnShapesError(f"{what} needs a git checkout of rnn-shapes; this one is installed")
    return ROOT


def rss_mb() -> float:
    """Resident set size of this process now, in MB (Linux /proc)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


T = TypeVar("T")


def _timed(fn: Callable[..., T], *args: Any) -> tuple[float, T]:
    t = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - t, value


def import_seconds() -> float:
    code = (
        "import time; t = time.perf_counter(); from rnn_shapes.keras.backend import "
        "keras_module; keras_module(); print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def bare_call(case: Case) -> None:
    """The floor: construct the layer (in Bidirectional if asked) and call it on the input."""
    from rnn_shapes.keras.build import make_layer

    make_layer(case)(inputs(case))


def per_case(cases: list[Case]) -> dict[str, Any]:
    """Harness, bare call and oracle, alternating case by case in this process."""
    from rnn_shapes.keras.run import run_keras

    judge = Judge(Environment.installed())
    rss_start = rss_mb()
    harness = bare = oracle = 0.0
    family_s: dict[str, float] = defaultdict(float)
    family_n: Counter = Counter()
    for case in cases:
        dt, result = _timed(run_keras, case)
        do, expected = _timed(judge.expected, case)
        dv, verdict = _timed(judge.against, case, result, expected)
        if not verdict.agrees:
            raise RuntimeError(verdict.explain())
        harness += dt + do + dv
        oracle += do
        for family in case.families:  # a case of several families counts in each
            family_s[family] += dt + do + dv
            family_n[family] += 1
        if result.outcome == "ok":
            bare += _timed(bare_call, case)[0]
        else:
            bare += dt  # refused at construction either way
    n = len(cases)
    return {
        "cases": n,
        "harness_s": harness,
        "bare_s": bare,
        "harness_over_bare": harness / bare,
        "harness_ms_per_case": 1e3 * harness / n,
        "bare_ms_per_case": 1e3 * bare / n,
        "oracle_ms_per_case": 1e3 * oracle / n,
        "cases_per_s_per_worker": n / harness,
        "rss_start_mb": rss_start,
        "rss_end_mb": rss_mb(),
        "families": {
            f: {
                "cases": family_n[f],
                "s": family_s[f],
                "ms_per_case": 1e3 * family_s[f] / family_n[f],
            }
            for f in sorted(family_n)
        },
    }


EXPLORED = 60  # examples the benchmark draws (rnn-shapes explore's per-example cost)


def per_example(n: int = EXPLORED) -> dict[str, Any]:
    """An explored example's cost, split: drawing it (hypothesis), its case (run and
    judged: what a matrix case of the same axes takes) and its relation's two sides."""
    from rnn_shapes.keras.relations import sides
    from rnn_shapes.keras.run import run_keras
    from rnn_shapes.strategies import drawn

    judge = Judge(Environment.installed())
    draw_s, examples = _timed(drawn, n, 0)
    case_s = relation_s = 0.0
    for case, relation in examples:
        dt, result = _timed(run_keras, case)
        dv, _ = _timed(judge, case, result)
        case_s += dt + dv
        if relation is not None and result.outcome == "ok":
            relation_s += _timed(sides, case, relation)[0]
    return {
        "examples": n,
        "draw_ms_per_example": 1e3 * draw_s / n,
        "case_ms_per_example": 1e3 * case_s / n,
        "relation_ms_per_example": 1e3 * relation_s / n,
    }


def wall(cmd: list[str]) -> dict[str, Any]:
    t = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    last = (out.stdout.strip().splitlines() or [""])[-1]
    return {
        "cmd": " ".join(cmd[2:]),
        "wall_s": time.perf_counter() - t,
        "exit": out.returncode,
        "last_line": last,
    }


def against_baseline(ref: str, matrix_name: str, workers: int, rounds: int = 2) -> dict[str, Any]:
    """`rnn-shapes check -j N` of this checkout and of the commit `ref` (a git
    worktree), alternating `rounds` times in this run so both meet the same
    machine; the budget is the ratio of the medians. The same venv runs both."""
    root = needs_checkout("--baseline")
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-q", str(tree), ref], cwd=root, check=True
        )
        try:
            check = [sys.executable, "-m", "rnn_shapes", "check", "--matrix", matrix_name]
            check += ["-j", str(workers)]
            times: dict[str, list[float]] = {"baseline": [], "now": []}
            for _ in range(rounds):
                for name, where in (("baseline", tree), ("now", root)):
                    env = {**os.environ, "PYTHONPATH": str(where)}
                    t = time.perf_counter()
                    out = subprocess.run(check, cwd=where, env=env, capture_output=True, text=True)
                    times[name].append(time.perf_counter() - t)
                    if out.returncode != 0:  # a failed run's time measures nothing
                        tail = (out.stdout.strip().splitlines() or [out.stderr.strip()])[-1]
                        raise RuntimeError(
                            f"check of {name} ({where}) exit {out.returncode}: {tail}"
                        )
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=root)
    base, now = statistics.median(times["baseline"]), statistics.median(times["now"])
    return {"ref": ref, "baseline_s": times["baseline"], "now_s": times["now"], "ratio": now / base}


def run(matrix_name: str, workers: int, suites: bool) -> dict[str, Any]:
    from rnn_shapes.keras.backend import configure_worker

    configure_worker(1)  # as a test worker runs: one op thread
    figures: dict[str, Any] = {"matrix": matrix_name, "workers": workers, "cpus": os.cpu_count()}
    figures["tf_import_s"] = import_seconds()
    figures["environment"] = Environment.installed().metadata()
    figures["per_case"] = per_case(matrix(matrix_name))
    figures["per_example"] = per_example()
    if suites:
        py = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-n",
            str(workers),
            "--rnn-matrix",
            matrix_name,
        ]
        figures["pytest_conformance"] = wall(py + CONFORMANCE)
        check = ["check", "--matrix", matrix_name, "-j", str(workers)]
        figures["check"] = wall([sys.executable, "-m", "rnn_shapes", *check])
        figures["pytest_over_check"] = (
            figures["pytest_conformance"]["wall_s"] / figures["check"]["wall_s"]
        )
        if ROOT is not None:  # the harness's own tests live in a checkout only
            figures["pytest_suite"] = wall(py)
        with tempfile.TemporaryDirectory() as tmp:
            figures["record"] = wall(
                [
                    sys.executable,
                    "-m",
                    "rnn_shapes",
                    "record",
                    "--matrix",
                    matrix_name,
                    "-j",
                    str(workers),
                    "--out",
                    tmp,
                ]
            )
    return figures


def format_figures(f: dict[str, Any]) -> str:
    p = f["per_case"]
    lines = [
        f"environment: {', '.join(f'{k} {v}' for k, v in f['environment'].items())}",
        f"matrix {f['matrix']}: {p['cases']} cases; {f['cpus']} CPUs",
        f"TF import (fresh interpreter):       {f['tf_import_s']:.2f} s",
        f"harness per case (one process):      {p['harness_ms_per_case']:.1f} ms "
        f"({p['cases_per_s_per_worker']:.1f} cases/s per worker)",
        f"bare layer call per case:            {p['bare_ms_per_case']:.1f} ms",
        f"harness / bare:                      {p['harness_over_bare']:.2f}",
        f"oracle per case:                     {p['oracle_ms_per_case']:.2f} ms",
        f"RSS start -> end of the loop:        {p['rss_start_mb']:.0f} MB -> "
        f"{p['rss_end_mb']:.0f} MB (+{p['rss_end_mb'] - p['rss_start_mb']:.0f} MB)",
    ]
    if "per_example" in f:
        e = f["per_example"]
        total = e["draw_ms_per_example"] + e["case_ms_per_example"] + e["relation_ms_per_example"]
        lines.append(
            f"{'explore per example:':<36} {total:.1f} ms ({e['examples']} drawn: "
            f"{e['draw_ms_per_example']:.1f} draw + {e['case_ms_per_example']:.1f} case + "
            f"{e['relation_ms_per_example']:.1f} relation; a matrix case: "
            f"{p['harness_ms_per_case']:.1f})"
        )
    for key in ("pytest_conformance", "check", "pytest_suite", "record"):
        if key in f:
            w = f[key]
            lines.append(
                f"{key + ':':<36} {w['wall_s']:.1f} s wall (exit {w['exit']}; {w['last_line']})"
            )
    if "pytest_over_check" in f:
        lines.append(f"{'pytest / check:':<36} {f['pytest_over_check']:.2f}")
    for fam, n in p.get("families", {}).items():
        lines.append(
            f"{'  family ' + fam + ':':<36} {n['cases']} cases, {n['s']:.1f} s "
            f"({n['ms_per_case']:.1f} ms/case alone, one process)"
        )
    if "baseline" in f:
        b = f["baseline"]
        now, then = statistics.median(b["now_s"]), statistics.median(b["baseline_s"])
        label = f"check against {b['ref'][:12]}:"
        lines.append(f"{label:<36} now {now:.1f} s, then {then:.1f} s: x{b['ratio']:.2f}")
    return "\n".join(lines)


def main(
    matrix_name: str, workers: int, suites: bool, out: Path | None, baseline: str | None = None
) -> int:
    figures = run(matrix_name, workers, suites)
    if baseline:
        figures["baseline"] = against_baseline(baseline, matrix_name, workers)
    print(format_figures(figures))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
        print(f"figures written to {out}")
    return 0

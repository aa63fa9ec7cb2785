"""`rnn-shapes record-all`: record every tox environment whose golden set is not current.

Each environment is set up by tox (`tox run --notest`), asked whether its set
is current (`rnn-shapes status`, no Keras start) and only then recorded
(`rnn-shapes record`); each says its outcome as data (`--result FILE`), never
read back out of its printed text. Every step's output goes to a log of its own; one
environment failing (an installer error, a crash) is reported and the others
go on, and a set is only ever replaced whole (golden/sets.py), so an
interrupted run is resumed by running the command again. `-p N` records N
environments at once through tox (each with its share of the cores).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rnn_shapes.errors import RnnShapesError
from rnn_shapes.golden import store, unrecorded
from rnn_shapes.golden.layout import root_or_none

KINDS = ("recorded", "skipped", "failed")
_ENV_NAME = re.compile(r"[\w.\-]+")  # a line of `tox -l` (warnings have spaces)
_TOX_LINE = re.compile(r"\S+: (exit -?\d+|OK) \(")  # tox's own closing line of a command


@dataclass(frozen=True)
class Outcome:
    env: str
    kind: str  # one of KINDS
    line: str
    seconds: float


def find_tox_ini(explicit: str | None) -> Path:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise RnnShapesError(f"{path}: no such tox configuration")
        return path
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "tox.ini").is_file():
            return folder / "tox.ini"
    raise RnnShapesError(f"{Path.cwd()}: no tox.ini here or above; pass --tox-ini")


def run_tox(ini: Path, *args: str, log: Path | None = None) -> tuple[int, str]:
    """(exit status, output) of a tox command; with `log`, the output goes there as it comes."""
    command = [sys.executable, "-m", "tox", "-c", str(ini), *args]
    if log is None:
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ini.parent)
        return done.returncode, done.stdout + done.stderr
    with log.open("a", encoding="utf-8") as f:
        f.write(f"$ tox {' '.join(args)}\n")
        f.flush()
        start = f.tell()
        code = subprocess.run(
            command, stdout=f, stderr=subprocess.STDOUT, check=False, cwd=ini.parent
        ).returncode
    with log.open(encoding="utf-8", errors="replace") as f:
        f.seek(start)
        return code, f.read()


def tox_envs(ini: Path) -> list[str]:
    code, output = run_tox(ini, "-l")
    if code != 0:
        raise RnnShapesError(f"{ini}: `tox -l` failed ({error_line(output)}); is tox installed?")
    envs = [line.strip() for line in output.splitlines() if _ENV_NAME.fullmatch(line.strip())]
    if not envs:
        raise RnnShapesError(f"{ini}: `tox -l` named no environment ({error_line(output)})")
    return envs


def error_line(output: str) -> str:
    """The line that says why: the installer's first ERROR line, else the last line
    (tox's own closing line aside)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    lines = [line for line in lines if not _TOX_LINE.match(line)]
    errors = [line for line in lines if line.startswith("ERROR:")]
    return (errors or lines or ["no output"])[0 if errors else -1]


def record_one(
    ini: Path, env: str, matrix: str, jobs: int, logs: Path, only: tuple[str, ...] = ()
) -> Outcome:
    """Set up, ask, record: the outcome of one environment (never raises for its failures).
    With `only` (the record's -k EXPR or --missing), only the cases it selects are
    recorded into the environment's set (the matrix grew: its other entries stay as
    they are, byte for byte)."""
    start = time.monotonic()
    log = logs / f"{env}.log"

    def outcome(kind: str, line: str) -> Outcome:
        return Outcome(env, kind, line, time.monotonic() - start)

    log.write_text("", encoding="utf-8")
    code, output = run_tox(ini, "run", "-e", env, "--notest", log=log)
    if code != 0:
        return outcome("failed", f"install: {error_line(output)}")
    rnn = ("exec", "-e", env, "-qq", "--", "python", "-m", "rnn_shapes")
    said = logs / f"{env}.status.json"
    said.unlink(missing_ok=True)
    code, output = run_tox(ini, *rnn, "status", "--matrix", matrix, "--result", str(said), log=log)
    state = said_in(said)
    if state is None:  # a crash, or an error of the environment itself: nothing said
        return outcome("failed", f"status: {error_line(output)}")
    if state["state"] == "current":
        return outcome("skipped", state["line"])
    # not current, or unreadable (a record repairs it)
    said = logs / f"{env}.record.json"
    said.unlink(missing_ok=True)
    options = ("-j", str(jobs), *only, "--result", str(said))
    code, output = run_tox(ini, *rnn, "record", "--matrix", matrix, *options, log=log)
    state = said_in(said)
    if code != 0 or state is None:
        return outcome("failed", f"record: {error_line(output)}")
    return outcome("recorded", state["line"])


def said_in(path: Path) -> dict | None:
    """What a command wrote with --result; None where it wrote nothing readable."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and {"state", "line"} <= doc.keys() else None


def _note_pre_releases(ini: Path, outcomes: list[Outcome]) -> None:
    """The pre-release environments that failed, noted for the report (golden/unrecorded.py);
    those recorded or current lose their note."""
    root = root_or_none(start=ini.parent)
    if root is None:
        return
    for o in outcomes:
        unrecorded.note(root, o.env, o.line if o.kind == "failed" else None)


def record_all(args: argparse.Namespace) -> int:
    ini = find_tox_ini(args.tox_ini)
    known = tox_envs(ini)
    unknown = sorted(set(args.env or ()) - set(known))
    if unknown:
        raise RnnShapesError(f"{ini}: no tox environment {', '.join(unknown)} (it has {known})")
    envs = [e for e in known if not args.env or e in args.env]
    if args.parallel > 1 and not store.CAN_LOCK:
        raise RnnShapesError("-p: the values store cannot be locked here (no fcntl); use -p 1")
    logs = ini.parent / ".tox" / "record-all"
    logs.mkdir(parents=True, exist_ok=True)
    jobs = max(1, (os.cpu_count() or 1) // args.parallel)
    if args.keyword and args.missing:
        raise RnnShapesError("record-all: -k and --missing each choose the cases; give one")
    only = ("-k", args.keyword) if args.keyword else ("--missing",) if args.missing else ()
    print(f"record-all {args.matrix}: {len(envs)} environments, {args.parallel} at once; {logs}")
    said = threading.Lock()
    outcomes: list[Outcome] = []

    def run(env: str) -> None:
        with said:
            print(f"        {env:<16} started", flush=True)
        result = record_one(ini, env, args.matrix, jobs, logs, only)
        if args.remove:  # each takes 0.6-5.4 GB: 41 of them fill some 56 GB
            shutil.rmtree(ini.parent / ".tox" / env, ignore_errors=True)
        with said:
            outcomes.append(result)
            print(
                f"[{len(outcomes):>2}/{len(envs)}] {env:<16} {result.kind:<8} "
                f"{result.seconds:5.0f} s  {result.line}",
                flush=True,
            )

    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        list(pool.map(run, envs))
    _note_pre_releases(ini, outcomes)
    order = {e: i for i, e in enumerate(envs)}
    for kind in KINDS:
        names = sorted((o.env for o in outcomes if o.kind == kind), key=lambda e: order[e])
        print(f"{kind} {len(names)}: {' '.join(names) or '-'}")
    return 1 if any(o.kind == "failed" for o in outcomes) else 0

"""Whether an environment's golden set is current: what `record-all` skips on.

Current means: the set of this environment and matrix exists, reads strictly
(store included), is of this schema, holds exactly the matrix's cases, and was
recorded with the installed TensorFlow, Keras and backend releases.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rnn_shapes.environment import Environment, build_date, channel
from rnn_shapes.golden.layout import set_path, set_paths
from rnn_shapes.golden.sets import SCHEMA, GoldenError, read_metadata, read_set

RECORD_IT = "record it with `rnn-shapes record"  # how a line saying 'not current' ends


CURRENT, NOT_CURRENT, UNREADABLE = 0, 1, 2  # `rnn-shapes status`' exit status
STATE_WORDS = {CURRENT: "current", NOT_CURRENT: "not current", UNREADABLE: "unreadable"}


def status_of(root: Path, env: Environment, matrix_name: str) -> tuple[int, str]:
    """(CURRENT, NOT_CURRENT or UNREADABLE, one line saying why and how to record).

    UNREADABLE is an error (a corrupt set, a folder where its file should be):
    exit status 2, as every command's bad input; its line still says how to
    record the set over, which record-all does."""
    from rnn_shapes.cases.matrix import cases_by_id

    name = env.name
    path = set_path(root, name, matrix_name)
    how = f"{RECORD_IT} --matrix {matrix_name}` in this environment"
    if not path.exists():
        older = _older_build(root, env, matrix_name)
        return NOT_CURRENT, f"{name}: no {matrix_name} golden set in {root}{older}; {how}"
    if not path.is_file():
        return UNREADABLE, f"{path}: not a file, cannot be a golden set; {how}"
    try:
        golden = read_set(path, expect_matrix=matrix_name)
    except GoldenError as exc:
        return UNREADABLE, f"{name}: {exc}; {how}"
    ids = cases_by_id(matrix_name).keys()
    differs = [
        f"{key} {golden.metadata[key]} (installed {installed})"
        for key, installed in env.versions().items()
        if golden.metadata[key] != installed
    ]
    if golden.schema != SCHEMA:
        return (
            NOT_CURRENT,
            f"{path}: schema {golden.schema}, this rnn-shapes writes {SCHEMA}; {how}",
        )
    if set(golden.results) != ids:
        return (
            NOT_CURRENT,
            f"{path}: does not hold the {matrix_name} matrix of this rnn-shapes; {how}",
        )
    if differs:
        return NOT_CURRENT, f"{path}: recorded with {', '.join(differs)}; {how}"
    return CURRENT, f"{path}: current ({len(ids)} cases){age(env.keras, 'build')}"


def age(version: str, what: str, today: date | None = None) -> str:
    """', build of 2026-10-27, 36 days old' for a nightly; '' for a release."""
    built = build_date(version)
    if built is None:
        return ""
    days = ((today or date.today()) - built).days
    return f", {what} of {built.isoformat()}, {days} day{'s' * (days != 1)} old"


def _older_build(root: Path, env: Environment, matrix_name: str) -> str:
    """For a pre-release: the newest set recorded of its lane (the same backend and
    Keras major, another build), and how much older than the installed build it is."""
    if channel(env.versions()) != "next":
        return ""
    recorded = []
    for path in set_paths(root, matrix_name):
        try:
            other = Environment.of(read_metadata(path))
        except GoldenError:
            continue
        alike = (other.backend, other.keras_major) == (env.backend, env.keras_major)
        if alike and channel(other.versions()) == "next":
            recorded.append(other)
    if not recorded:
        return ""
    newest = max(recorded, key=lambda e: e.release_order())
    built, installed = build_date(newest.keras), build_date(env.keras)
    gap = (
        f", {(installed - built).days} days older than the installed build"
        if built and installed
        else ""
    )
    return f" (the newest recorded build of its channel is {newest.name}{gap})"

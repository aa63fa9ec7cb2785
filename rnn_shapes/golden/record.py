"""Recording a golden set: check completeness, write atomically, say what changed.

A whole matrix makes a new set. A filtered run (some cases only) updates those
cases in the existing set and keeps the rest; with no set to update it is
refused, so recording never drops or invents cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rnn_shapes.cases.matrix import cases_by_id
from rnn_shapes.cases.signature import signature
from rnn_shapes.differences import changes
from rnn_shapes.environment import Environment
from rnn_shapes.files import ensure_writable_dir
from rnn_shapes.golden import store
from rnn_shapes.golden.layout import environment_dir, set_path, store_dir
from rnn_shapes.golden.sets import GoldenError, read_set
from rnn_shapes.golden.writing import write_set
from rnn_shapes.phases import reached
from rnn_shapes.result import Result


def record(
    results: Sequence[Result],
    env: Environment,
    matrix_name: str,
    root: Path,
    partial: bool = False,
) -> tuple[Path, str]:
    """Write the set of `env` for `matrix_name`; returns its path and a closing summary.

    partial=False: `results` must be the whole matrix. partial=True: they
    replace their cases in the existing, readable set of this environment.
    """
    cases = cases_by_id(matrix_name)
    got = {r.case_id: r for r in results}
    extra = sorted(got.keys() - cases.keys())
    if extra:
        raise GoldenError(f"results for cases outside matrix {matrix_name!r}, e.g. {extra[0]}")
    name = env.name
    path = set_path(root, name, matrix_name)
    previous, note = {}, ""
    if partial:
        previous = set_to_update(path, matrix_name, len(got)).results
        # cases no longer in the matrix leave the set, as a whole record would drop them
        got = {**{k: v for k, v in previous.items() if k in cases}, **got}
    missing = sorted(cases.keys() - got.keys())
    if missing:
        raise GoldenError(
            f"refusing to record matrix {matrix_name!r}: {len(missing)} of its cases were "
            f"not run (e.g. {missing[0]}); record the whole matrix, without -k/-m filters"
        )
    existed = path.is_file()
    if not partial and existed:
        try:
            previous = read_set(path).results
        except GoldenError as exc:
            note = f"\nprevious set unreadable, replaced: {exc}"
    sigs = {cid: signature(c) for cid, c in cases.items()}
    try:
        write_set(root, name, matrix_name, list(got.values()), sigs, env.metadata())
    except OSError as exc:
        kept = "the previous set is untouched" if existed else "no set was recorded"
        raise GoldenError(
            f"{exc.filename or path}: cannot write the set ({exc.strerror or exc}); {kept}"
        ) from None
    reached("set written")
    diff = changes(previous, got)
    pruned = store.prune(root)  # the previous set's values that no set names now
    summary = (
        f"recorded {path}: {len(got)} cases; new {len(diff['new'])}, "
        f"changed {len(diff['changed'])}, removed {len(diff['removed'])}"
        + note
        + (f"\n{pruned}" if pruned else "")
    )
    for kind in ("changed", "removed"):
        for cid in diff[kind][:10]:
            summary += f"\n  {kind}: {cid}"
    return path, summary


def ensure_recordable(root: Path, environment: str, matrix_name: str) -> None:
    """Before any case runs: the root takes writes, and neither the environment's
    folder, the store nor the set's file is blocked (a file where a folder should be,
    a folder where the set should be, no permission). RnnShapesError naming it;
    nothing is created but the root."""
    ensure_writable_dir(root)
    for folder in (environment_dir(root, environment), store_dir(root)):
        if folder.exists() or folder.is_symlink():
            ensure_writable_dir(folder)
    path = set_path(root, environment, matrix_name)
    if path.is_dir():
        raise GoldenError(f"{path}: is a folder, expected a file: the set is written there")


def set_to_update(path: Path, matrix_name: str, n_filtered: int):
    """The existing set a filtered record updates; GoldenError if there is none or it
    cannot be read (checked before any case runs)."""
    if not path.is_file():
        raise GoldenError(
            f"{path}: no set to update with {n_filtered} filtered cases; record the whole "
            f"matrix {matrix_name!r} first, without a filter"
        )
    return read_set(path, expect_matrix=matrix_name)

"""Recording a golden set: check completeness, write atomically, say what changed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .environment import environment_name
from .golden import GoldenError, changes, json_path, read_set, write_set
from .matrix import matrix
from .result import Result
from .signature import signature

DEFAULT_ROOT = Path("fixtures")


def record(
    results: Sequence[Result], env: dict[str, str], matrix_name: str, root: Path = DEFAULT_ROOT
) -> tuple[Path, str]:
    """Write the set of `env` for `matrix_name`; returns its path and a closing summary.

    Refuses a partial set (a filtered run), so recording never drops cases.
    """
    cases = {c.id: c for c in matrix(matrix_name)}
    got = {r.case_id: r for r in results}
    missing = sorted(cases.keys() - got.keys())
    if missing:
        raise GoldenError(
            f"refusing to record matrix {matrix_name!r}: {len(missing)} of its cases were "
            f"not run (e.g. {missing[0]}); record the whole matrix, without -k/-m filters"
        )
    extra = sorted(got.keys() - cases.keys())
    if extra:
        raise GoldenError(f"results for cases outside matrix {matrix_name!r}, e.g. {extra[0]}")
    name = environment_name(env)
    path = json_path(root, name, matrix_name)
    previous, note = {}, ""
    if path.exists():
        try:
            previous = read_set(path).results
        except GoldenError as exc:
            note = f"\nprevious set unreadable, replaced: {exc}"
    sigs = {cid: signature(c) for cid, c in cases.items()}
    write_set(root, name, matrix_name, list(got.values()), sigs, env)
    diff = changes(previous, got)
    summary = (
        f"recorded {path}: {len(got)} cases; new {len(diff['new'])}, "
        f"changed {len(diff['changed'])}, removed {len(diff['removed'])}" + note
    )
    for kind in ("changed", "removed"):
        for cid in diff[kind][:10]:
            summary += f"\n  {kind}: {cid}"
    return path, summary

"""The pre-release environments record-all could not record, and why.

    <root>/unrecorded.json   {"environments": {"next-jax": {"date": ..., "line": ...}}}

A nightly that does not install or does not import is no red CI: record-all says so
in its summary and notes it here (one line, the date it tried), the report's
next-release section lists it, and the next run that records the environment
takes its note away. Only the pre-release channel's tox environments (named
`next-*` in tox.ini) are noted: a release environment that fails is an error of
this project, not news about the next release.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from rnn_shapes.files import atomic_write_text
from rnn_shapes.golden.entries import GoldenError
from rnn_shapes.golden.layout import unrecorded_path

PRE_RELEASE_ENVS = "next-"  # the tox environments of the pre-release channel


def read(root: Path) -> dict[str, dict[str, str]]:
    """tox environment -> {"date", "line"}; {} where nothing is noted."""
    path = unrecorded_path(root)
    if not path.is_file():
        return {}
    try:
        envs = json.loads(path.read_text(encoding="utf-8"))["environments"]
        return {str(k): {"date": str(v["date"]), "line": str(v["line"])} for k, v in envs.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise GoldenError(f"{path}: not readable ({type(exc).__name__}: {exc})") from None


def note(root: Path, env: str, line: str | None, when: date | None = None) -> None:
    """Note why `env` was not recorded (`line`), or take its note away (None)."""
    if not env.startswith(PRE_RELEASE_ENVS):
        return
    envs = read(root)
    if line is None and env not in envs:
        return
    if line is None:
        del envs[env]
    else:
        envs[env] = {"date": (when or date.today()).isoformat(), "line": line}
    path = unrecorded_path(root)
    if not envs:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps({"environments": envs}, indent=1, sort_keys=True) + "\n")

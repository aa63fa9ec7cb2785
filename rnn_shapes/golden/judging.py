"""The judge of an environment with its golden set, where one is recorded.

`rnn-shapes check` and the pytest session both judge live results through
`judge_for`, so a check and a pytest run mean the same thing and say the same
line about what they were checked against.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rnn_shapes.check import REGEN_HINT
from rnn_shapes.environment import Environment
from rnn_shapes.golden.layout import root_or_why
from rnn_shapes.golden.sets import GoldenSet, find_set, read_set
from rnn_shapes.judge import Judge


def recorded_set(root: Path, env: Environment, matrix_name: str) -> tuple[GoldenSet | None, str]:
    """(the set covering `matrix_name` for `env`, '') or (None, why there is none).
    An unreadable set raises GoldenError: a run against it cannot be trusted."""
    path = find_set(root, env.name, matrix_name)
    if path is None:
        return None, f"no golden set for environment {env.name} in {root}; record it: {REGEN_HINT}"
    return read_set(path), ""


def judge_for(
    env: Environment, find_root: Callable[[], Path] | None, matrix_name: str
) -> tuple[Judge, str]:
    """(the judge of `env`, why it has no golden set or ''); find_root None: none wanted.

    A golden root configured nowhere means no set, and says so; one configured
    wrong (RnnShapesError from `find_root`) is an error, raised.
    """
    if find_root is None:
        return Judge(env), "the golden set not consulted (--no-golden)"
    root, why = root_or_why(find_root)
    if root is None:
        return Judge(env), why
    golden, why = recorded_set(root, env, matrix_name)
    return Judge(env, golden), why


def checked_against(judge: Judge, why: str) -> str:
    """The line a summary says about what the results were judged against."""
    if judge.golden is not None:
        return f"checked against the rules, the oracle and the golden set {judge.golden.path}"
    return f"checked against the rules and the oracle only: {why}"

"""The golden set live results are judged against, or why there is none: the root
found as the CLI finds it, the set read once per process."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import pytest

from rnn_shapes.environment import Environment
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.golden.judging import judge_for
from rnn_shapes.golden.layout import RootNotConfigured, golden_root
from rnn_shapes.golden.sets import GoldenError, GoldenSet
from rnn_shapes.judge import Judge

REGENERATING = "regenerating the set with --rnn-regen-golden"


class GoldenState:
    """The judge of this process, with the set of its environment and matrix (none
    with --rnn-regen-golden); an unreadable set is kept as the error it raised."""

    def __init__(self, config: pytest.Config, matrix_name: str, regen: bool) -> None:
        self.config = config
        self.matrix_name = matrix_name
        self.regen = regen
        self._state: tuple[Judge, str] | RnnShapesError | None = None

    def root(self) -> Path:
        """The golden root, as the CLI finds it: from pytest's rootdir, else from the
        folder pytest was started in (`--pyargs` runs may have no rootdir config)."""
        explicit = self.config.getoption("rnn_golden_root")
        try:
            return golden_root(explicit, self.config.rootpath)
        except RootNotConfigured:  # one configured wrong is an error, not a fallback
            return golden_root(explicit, self.config.invocation_params.dir)

    def state(self) -> tuple[Judge, str]:
        """(the judge, why it has no set or ''); an unreadable set raises (a collection
        error), read once: the error is kept and raised again, never the file re-read."""
        if self._state is None:
            try:
                self._state = self._load()
            except RnnShapesError as exc:
                self._state = exc
        if isinstance(self._state, RnnShapesError):
            raise self._state
        return self._state

    def _load(self) -> tuple[Judge, str]:
        env = Environment.installed()
        if self.regen:
            return Judge(env), REGENERATING
        return judge_for(env, self.root, self.matrix_name)  # GoldenError: cannot be trusted

    def golden(self) -> GoldenSet | None:
        """The set live results are checked against; None with --rnn-regen-golden or none."""
        golden = self.state()[0].golden
        assert golden is None or isinstance(golden, GoldenSet)
        return golden

    def golden_or_none(self) -> GoldenSet | None:
        """The set, or None also where it cannot be read: for what is said at the end."""
        try:
            return self.golden()
        except RnnShapesError:
            return None

    def why_none(self) -> str:
        """Why there is no set to check against (also: why it could not be read)."""
        try:
            return self.state()[1]
        except RnnShapesError as exc:
            return f"golden set unreadable: {exc}"

    def problem(self) -> str | None:
        """Why the cases cannot be trusted at collection (an unreadable set, a root
        configured wrong); None where they can."""
        try:
            self.golden()
        except GoldenError as exc:
            return f"golden set unreadable: {exc}"
        except RnnShapesError as exc:  # the golden root is configured wrong
            return f"rnn-shapes: {exc}"
        return None

    @cached_property
    def live_judge(self) -> Judge:
        """The judge without a golden set: for cases outside the recorded matrix."""
        return Judge(Environment.installed())

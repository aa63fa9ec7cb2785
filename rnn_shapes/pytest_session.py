"""One pytest process's view of the conformance run: RnnSession.

It composes the parts the plugin's hooks and fixtures share (rnn_shapes/plugin/,
one concern a module): whether the run names the suite (scope), its header and
start checks (header), the golden set or why there is none (golden), the case
parameters (params), a user's models (user_models), Keras' results (runs),
what --rnn-regen-golden records (regen) and the closing summary (summary).
pytest-xdist workers each have one; they send their records to the
controller's, which alone writes the set, once, after the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rnn_shapes.cases.case import Case
from rnn_shapes.environment import Environment
from rnn_shapes.golden.sets import GoldenSet
from rnn_shapes.plugin.golden import GoldenState
from rnn_shapes.plugin.header import check_backend, check_promise, header_lines
from rnn_shapes.plugin.names import CASE_ARGS, MARKERS, MODEL_ARG
from rnn_shapes.plugin.params import case_params
from rnn_shapes.plugin.regen import Recorder, is_worker
from rnn_shapes.plugin.runs import Runs
from rnn_shapes.plugin.scope import is_conformance, suite_named
from rnn_shapes.plugin.summary import OUTCOME_KEY, OUTCOME_WORDS, outcome, write_summary
from rnn_shapes.plugin.tuning import tune_process
from rnn_shapes.plugin.user_models import NO_MODELS, UserModels
from rnn_shapes.result import Result
from rnn_shapes.verdict import Verdict

# Their homes are in rnn_shapes/plugin/; named here too for code that imports them
# from this module.
__all__ = [
    "CASE_ARGS",
    "MARKERS",
    "MODEL_ARG",
    "NO_MODELS",
    "OUTCOME_KEY",
    "OUTCOME_WORDS",
    "RnnSession",
]


class RnnSession:
    """State of the conformance suite in one pytest process."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.matrix_name: str = config.getoption("rnn_matrix")
        self.regen: bool = config.getoption("rnn_regen_golden")
        self.require: bool = config.getoption("rnn_require_golden")
        self.active = False  # conformance tests were collected in this process
        self.golden_state = GoldenState(config, self.matrix_name, self.regen)
        self.runs = Runs(self.matrix_name)
        self.recorder = Recorder()
        self.user_models = UserModels(config.rootpath)

    # ------------------------------------------------------------ environment

    @property
    def env(self) -> Environment:
        """The installed environment, from package metadata (read once per process)."""
        return Environment.installed()

    @property
    def environment(self) -> str:
        return self.env.name

    @property
    def keras_major(self) -> int:
        return self.env.keras_major

    def requested(self) -> bool:
        """Whether this run names the suite (plugin/scope.py says how that is decided)."""
        return suite_named(self.config, self.active)

    def header(self) -> list[str]:
        return header_lines(self.env, self.matrix_name) if self.requested() else []

    def start(self) -> None:
        """A tox environment's promise is kept; --rnn-regen-golden can write its root."""
        check_promise(self.env)
        if self.requested():
            check_backend(self.env)
        if self.regen and not is_worker(self.config):
            self.recorder.check_writable(self.golden_state.root, self.environment, self.matrix_name)

    def collected(self, items: list[pytest.Item]) -> None:
        """Conformance tests are here: tune this process for thousands of Keras models."""
        if any(is_conformance(item) for item in items):
            self.active = True
            tune_process()

    # ------------------------------------------------------------ golden set

    def golden(self) -> GoldenSet | None:
        """The set live results are checked against; None with --rnn-regen-golden or none."""
        return self.golden_state.golden()

    def why_no_golden(self) -> str:
        return self.golden_state.why_none()

    # ------------------------------------------------------------ parametrisation

    def params(self, argname: str) -> list[Any]:
        """The cases of a CASE_ARGS argument; the matrix's fail collection where the
        golden set cannot be trusted."""
        if argname == "rnn_case":
            problem = self.golden_state.problem()
            if problem:  # a collection error: the run cannot be trusted
                pytest.fail(problem, pytrace=False)
        return case_params(argname, self.matrix_name)

    # ------------------------------------------------------------ a user's models

    @property
    def models(self) -> list[Path]:
        """`[tool.rnn-shapes] models` of the project pytest runs in ([]: none)."""
        return self.user_models.paths

    def model_params(self) -> list[Any]:
        return self.user_models.params()

    def model_check(self, path: Path) -> Any:
        """check-model of one file in this process, once."""
        return self.user_models.check(path, self.env)

    # ------------------------------------------------------------ running cases

    def run(self, case: Case, path: str = "call") -> Result:
        """Keras' result for the case, run once per process and path (plugin/runs.py)."""
        return self.runs.run(case, path)

    def judge(self, case: Case) -> Verdict:
        """Run the case and judge it: refusal rule, rules, oracle, and the golden set.

        With --rnn-regen-golden the result is kept for the new set instead of
        being compared with the old one.
        """
        verdict = self.runs.judged(case, self.golden_state.state()[0])
        if self.regen:
            self.recorder.keep(self.run(case))
        return verdict

    def live(self, case: Case) -> Verdict:
        """Run the case and judge it against the rules, the oracle and the listed
        defects, without a golden set: for cases outside the recorded matrix."""
        return self.runs.judged(case, self.golden_state.live_judge)

    @staticmethod
    def outcome(verdict: Verdict) -> str:
        """The verdict's state, worded for pytest's summary line."""
        return outcome(verdict)

    # ------------------------------------------------------------ --rnn-regen-golden

    def gather(self, workeroutput: dict) -> None:
        """Controller side of xdist: a worker's records."""
        self.recorder.gather(workeroutput)

    def finish(self, session: pytest.Session) -> None:
        if self.regen:
            self.recorder.finish(session, self.env, self.matrix_name, self.golden_state.root)

    # ------------------------------------------------------------ summary

    def summary(self, terminalreporter: Any) -> None:
        write_summary(
            terminalreporter,
            matrix_name=self.matrix_name,
            requested=self.requested(),
            golden=self.golden_state,
            models=self.user_models,
            regen_summary=self.recorder.summary,
        )

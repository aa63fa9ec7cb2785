"""One pytest process's view of the conformance run: RnnSession.

It owns what the plugin's hooks and fixtures share: the matrix and its
parameters, the installed environment, the golden set (or why there is none),
the Keras results of this process, what --rnn-regen-golden recorded and the
closing summary. pytest-xdist workers each have one; they send their records
to the controller's, which alone writes the set, once, after the run: the
bytes equal a serial `rnn-shapes record`.
"""

from __future__ import annotations

import os
from collections import Counter
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from rnn_shapes.cases.case import Case
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.environment import Environment, backend_problem
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.golden.judging import checked_against, judge_for
from rnn_shapes.golden.layout import RootNotConfigured, golden_root
from rnn_shapes.golden.sets import GoldenError, GoldenSet, stale_and_missing
from rnn_shapes.judge import Judge
from rnn_shapes.result import Result, from_wire, to_wire
from rnn_shapes.verdict import Verdict

LAYER_MARKS = {"SimpleRNN": "simplernn", "LSTM": "lstm", "GRU": "gru"}
MARKERS = (
    "rnn_shapes: a test of the rnn-shapes conformance suite",
    "simplernn: an rnn-shapes case of a SimpleRNN layer",
    "lstm: an rnn-shapes case of an LSTM layer",
    "gru: an rnn-shapes case of a GRU layer",
    "keras: the test builds and runs Keras models",
)
# Test arguments the plugin parametrises over the matrix (prefixed: a user's
# own `case` fixture stays theirs).
CASE_ARGS = ("rnn_case", "rnn_predict_case", "rnn_weights_case")
# ... and over `[tool.rnn-shapes] models`: (model file, recurrent layer path)
MODEL_ARG = "rnn_model_layer"
# How a case test ended, kept in its report's user_properties for the summary.
OUTCOME_KEY = "rnn_shapes_outcome"
OUTCOME_WORDS = {
    "agree": "agree",
    "refused": "refused as the rule predicts",
    "defect": "differ as a listed defect says",
    "disagree": "disagree",
}

NO_MODELS = "[tool.rnn-shapes] models names no model file in this project: no model test ran"


class RnnSession:
    """State of the conformance suite in one pytest process."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.matrix_name: str = config.getoption("rnn_matrix")
        self.regen: bool = config.getoption("rnn_regen_golden")
        self.require: bool = config.getoption("rnn_require_golden")
        self.active = False  # conformance tests were collected in this process
        self.records: dict[str, Result] = {}
        self.regen_summary: str | None = None
        self._results: dict[tuple[str, str], Result] = {}
        self._golden: tuple[Judge, str] | RnnShapesError | None = None

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
        """Whether this run names the suite (an option of ours, or the package as a path)."""
        opts = (self.regen, self.require, self.config.getoption("rnn_golden_root"))
        named = any("rnn_shapes" in str(a) for a in self.config.args)
        return any(opts) or self.matrix_name != "default" or named or self.active

    def header(self) -> list[str]:
        if not self.requested():
            return []
        env = self.env
        return [
            f"rnn-shapes: tensorflow {env.tensorflow}, keras {env.keras}, "
            f"backend {env.backend}; environment {env.name}; "
            f"matrix {self.matrix_name}"
        ]

    def root(self) -> Path:
        """The golden root, as the CLI finds it: from pytest's rootdir, else from the
        folder pytest was started in (`--pyargs` runs may have no rootdir config)."""
        explicit = self.config.getoption("rnn_golden_root")
        try:
            return golden_root(explicit, self.config.rootpath)
        except RootNotConfigured:  # one configured wrong is an error, not a fallback
            return golden_root(explicit, self.config.invocation_params.dir)

    def start(self) -> None:
        """A tox environment's promise is kept; --rnn-regen-golden can write its root."""
        broken = self.env.broken_promise()
        if broken:
            raise pytest.UsageError(f"environment mismatch: {broken}")
        unknown = backend_problem(self.env.backend) if self.requested() else ""
        if unknown:
            raise pytest.UsageError(f"rnn-shapes: {unknown}")
        if self.regen and not hasattr(self.config, "workerinput"):
            from rnn_shapes.golden.record import ensure_recordable

            try:
                ensure_recordable(self.root(), self.environment, self.matrix_name)
            except RnnShapesError as exc:
                raise pytest.UsageError(f"rnn-shapes: --rnn-regen-golden: {exc}") from None

    def collected(self, items: list[pytest.Item]) -> None:
        """Conformance tests are here: tune this process for thousands of Keras models."""
        if not any(_conformance(item) for item in items):
            return
        self.active = True
        from rnn_shapes.keras.backend import configure_worker

        configure_worker(1 if os.environ.get("PYTEST_XDIST_WORKER") else None)

    # ------------------------------------------------------------ golden set

    def golden(self) -> GoldenSet | None:
        """The set live results are checked against; None with --rnn-regen-golden or none."""
        golden = self._judge_state()[0].golden
        assert golden is None or isinstance(golden, GoldenSet)
        return golden

    def why_no_golden(self) -> str:
        try:
            return self._judge_state()[1]
        except RnnShapesError as exc:
            return f"golden set unreadable: {exc}"

    def _judge_state(self) -> tuple[Judge, str]:
        """(the judge, why it has no set or ''); an unreadable set raises (a collection
        error), read once: the error is kept and raised again, never the file re-read."""
        if self._golden is None:
            try:
                self._golden = self._load_judge()
            except RnnShapesError as exc:
                self._golden = exc
        if isinstance(self._golden, RnnShapesError):
            raise self._golden
        return self._golden

    def _load_judge(self) -> tuple[Judge, str]:
        if self.regen:
            return Judge(self.env), "regenerating the set with --rnn-regen-golden"
        return judge_for(self.env, self.root, self.matrix_name)  # GoldenError: cannot be trusted

    # ------------------------------------------------------------ parametrisation

    def params(self, argname: str) -> list[Any]:
        cases = matrix(self.matrix_name)
        if argname == "rnn_case":
            problem = None
            try:
                self.golden()
            except GoldenError as exc:
                problem = f"golden set unreadable: {exc}"
            except RnnShapesError as exc:  # the golden root is configured wrong
                problem = f"rnn-shapes: {exc}"
            if problem:  # a collection error: the run cannot be trusted
                pytest.fail(problem, pytrace=False)
        elif argname == "rnn_predict_case":  # one per layer, direction and arity class
            cases = [
                c
                for c in matrix("smoke")
                if c.sample is None and c.return_sequences == c.return_state
            ]
        elif argname == "rnn_weights_case":  # one per layer x direction x weight scheme
            cases = list(
                {
                    (c.layer_tag, c.bidirectional, c.weights_tag): c
                    for c in cases
                    if c.merge_mode == "concat" and not c.go_backwards and _plain(c)
                }.values()
            )
        else:
            raise KeyError(argname)
        return [_param(c) for c in cases]

    # ------------------------------------------------------------ a user's models

    @cached_property
    def models(self) -> list[Path]:
        """`[tool.rnn-shapes] models` of the project pytest runs in ([]: none)."""
        from rnn_shapes.golden.layout import configured_models

        try:
            return configured_models(self.config.rootpath)
        except RnnShapesError as exc:
            raise pytest.UsageError(f"rnn-shapes: {exc}") from None

    def model_params(self) -> list[Any]:
        """One parameter per model and recurrent layer, read from the files (no Keras)."""
        from rnn_shapes.models.config import read_model_file, recurrent_layers

        if not self.models:  # the file named on its own: say why nothing runs
            why = NO_MODELS
            return [pytest.param(None, marks=pytest.mark.skip(reason=why), id="no-models")]
        params = []
        for path in self.models:
            try:
                layers = recurrent_layers(read_model_file(path).config)
            except RnnShapesError as exc:
                raise pytest.UsageError(f"rnn-shapes: {exc}") from None
            rel = (
                path.relative_to(self.config.rootpath)
                if path.is_relative_to(self.config.rootpath)
                else path
            )
            params += [
                pytest.param((path, layer.path), id=f"{rel}::{layer.path}") for layer in layers
            ]
        return params

    def model_check(self, path: Path) -> Any:
        """check-model of one file in this process, once."""
        from rnn_shapes.models.check import check_model
        from rnn_shapes.models.config import read_model_file

        checks = self.__dict__.setdefault("_model_checks", {})
        if path not in checks:
            checks[path] = check_model(read_model_file(path), self.env)
        return checks[path]

    # ------------------------------------------------------------ running cases

    @cached_property
    def row_groups(self) -> dict[str, tuple[Case, ...]]:
        """The matrix's row groups (keras.rows.row_groups), found once."""
        from rnn_shapes.keras.rows import row_groups

        return row_groups(matrix(self.matrix_name))

    def run(self, case: Case, path: str = "call") -> Result:
        """Keras' result for the case; each case runs once per process and path, with
        its row group where it has one (the others' results kept for their tests)."""
        key = (case.id, path)
        if key not in self._results:
            from rnn_shapes.keras.rows import run_many

            group = self.row_groups.get(case.id, (case,)) if path == "call" else (case,)
            for result in run_many(group, self.row_groups, path):
                self._results[(result.case_id, path)] = result
        return self._results[key]

    def judge(self, case: Case) -> Verdict:
        """Run the case and judge it: refusal rule, rules, oracle, and the golden set.

        With --rnn-regen-golden the result is kept for the new set instead of
        being compared with the old one.
        """
        verdict = self._judge_state()[0](case, self.run(case))
        if self.regen:
            self.records[case.id] = self.run(case)
        return verdict

    @cached_property
    def live_judge(self) -> Judge:
        """The judge without a golden set: for cases outside the recorded matrix."""
        return Judge(self.env)

    def live(self, case: Case) -> Verdict:
        """Run the case and judge it against the rules, the oracle and the listed
        defects, without a golden set: for cases outside the recorded matrix."""
        return self.live_judge(case, self.run(case))

    @staticmethod
    def outcome(verdict: Verdict) -> str:
        """The verdict's state, worded for pytest's summary line."""
        return OUTCOME_WORDS[verdict.state]

    # ------------------------------------------------------------ --rnn-regen-golden

    def gather(self, workeroutput: dict) -> None:
        """Controller side of xdist: a worker's records."""
        for data in workeroutput.get("rnn_records", []):
            result = from_wire(data)
            self.records[result.case_id] = result

    def finish(self, session: pytest.Session) -> None:
        if not self.regen:
            return
        if hasattr(self.config, "workerinput"):  # an xdist worker: hand over, never write
            records = [to_wire(r) for r in self.records.values()]
            self.config.workeroutput["rnn_records"] = records  # type: ignore[attr-defined]
            return
        if not self.records:
            return
        env = self.env
        from rnn_shapes.golden.record import record

        try:
            _, self.regen_summary = record(
                list(self.records.values()), env, self.matrix_name, self.root()
            )
        except RnnShapesError as exc:
            self.regen_summary = f"NOT RECORDED: {exc}"  # it says what became of the set
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    # ------------------------------------------------------------ summary

    def summary(self, terminalreporter) -> None:
        counts = _outcome_counts(terminalreporter.stats)
        if not (counts or self.regen_summary or self.requested()):
            return  # another project's run: no golden set is read, nothing is said
        if counts:
            terminalreporter.section("rnn-shapes")
            terminalreporter.write_line(
                f"matrix {self.matrix_name}: "
                + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
            )
            try:
                line = checked_against(*self._judge_state())
            except RnnShapesError:
                line = checked_against(self.live_judge, self.why_no_golden())
            terminalreporter.write_line(line)
            if not self.models:  # the model tests were left out of the suite: say so
                terminalreporter.write_line(NO_MODELS)
        if self.regen_summary:
            terminalreporter.section("rnn-shapes golden set")
            terminalreporter.write_line(self.regen_summary)
        golden = self._golden_or_none()
        if golden is not None:
            stale, missing = stale_and_missing(golden, self.matrix_name)
            if stale or missing:
                terminalreporter.section("rnn-shapes stale golden set")
                for cid in stale:
                    terminalreporter.write_line(f"in the set, not in the matrix: {cid}")
                for cid in missing:
                    terminalreporter.write_line(f"in the matrix, not in the set: {cid}")

    def _golden_or_none(self) -> GoldenSet | None:
        try:
            return self.golden()
        except RnnShapesError:
            return None


def _outcome_counts(stats: dict[str, list]) -> Counter:
    """How the case tests ended, from their reports (also those from xdist workers)."""
    counts: Counter = Counter()
    for reports in stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for key, value in getattr(report, "user_properties", ()):
                if key == OUTCOME_KEY:
                    counts[value] += 1
    return counts


def _conformance(item: pytest.Item) -> bool:
    """A test of the suite: marked rnn_shapes, or asking for the plugin's fixtures."""
    names = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("rnn_shapes") is not None or bool(
        names & {*CASE_ARGS, "rnn_session"}
    )


def _plain(case: Case) -> bool:
    """No mask, initial state, unroll, statefulness or non-default option: the layer as
    the tutorials build it."""
    return case.families == ("core",)


def _param(case: Case) -> Any:
    """A case as a pytest parameter: its id and a marker for its layer."""
    return pytest.param(case, id=case.id, marks=[getattr(pytest.mark, LAYER_MARKS[case.layer])])

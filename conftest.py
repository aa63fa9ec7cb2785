"""pytest options, parametrisation and golden-set plumbing for rnn-shapes.

--matrix picks the slice (smoke, default, full); every test that takes a
`case`-like argument is parametrised over it with ids = case.id. Each case
runs Keras at most once per worker and path, however many tests look at it.

--regen-golden records the installed environment's golden set. Under
pytest-xdist the workers send their results to the controller, which alone
writes, once, after the run: the bytes equal a serial record.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnn_shapes.case import Case
from rnn_shapes.environment import environment_name, expectation_problems, installed
from rnn_shapes.golden import GoldenError, GoldenSet, find_set, read_set
from rnn_shapes.matrix import MATRICES, matrix
from rnn_shapes.result import Result, from_wire, to_wire
from rnn_shapes.signature import expected_rejection

ROOT = Path(__file__).resolve().parent
LAYER_MARKS = {"SimpleRNN": "simplernn", "LSTM": "lstm", "GRU": "gru"}
CASE_ARGS = ("case", "live_case", "predict_case", "weights_case", "golden_case")
RECORD_HOW = "record it with `pytest --regen-golden` or `rnn-shapes record`"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rnn-shapes")
    group.addoption(
        "--matrix",
        choices=MATRICES,
        default="default",
        help="which case matrix to run (default: %(default)s)",
    )
    group.addoption(
        "--regen-golden",
        action="store_true",
        help="record the golden set of the installed environment",
    )
    group.addoption(
        "--require-golden",
        action="store_true",
        help="fail, rather than skip, when this environment has no golden set",
    )
    group.addoption(
        "--golden-root",
        default=str(ROOT / "fixtures"),
        help="folder of golden sets (default: fixtures/)",
    )


# ---------------------------------------------------------------- environment


def pytest_report_header(config: pytest.Config) -> list[str]:
    env = installed()
    return [
        f"rnn-shapes: tensorflow {env['tensorflow']}, keras {env['keras']}, "
        f"backend {env['backend']}; environment {environment_name(env)}; "
        f"matrix {config.getoption('matrix')}"
    ]


def pytest_sessionstart(session: pytest.Session) -> None:
    """In a tox environment, the installed versions must be what its name promises."""
    expect = os.environ.get("RNN_SHAPES_EXPECT")
    if expect:
        problems = expectation_problems(expect, installed())
        if problems:
            raise pytest.UsageError("environment mismatch: " + "; ".join(problems))


# ---------------------------------------------------------------- parametrisation


def _golden_state(config: pytest.Config) -> tuple[GoldenSet | None, str | None]:
    """(set, None), or (None, why there is none to check against). Loaded once."""
    if not hasattr(config, "_rnn_golden"):
        env = environment_name(installed())
        path = find_set(Path(config.getoption("golden_root")), env, config.getoption("matrix"))
        if path is None:
            state = (
                None,
                f"no golden set for environment {env} in "
                f"{config.getoption('golden_root')}; {RECORD_HOW}",
            )
        else:
            try:
                state = (read_set(path), None)
            except GoldenError as exc:
                state = (None, f"golden set unreadable: {exc}")
        config._rnn_golden = state
    return config._rnn_golden


def _params(config: pytest.Config, argname: str) -> list:
    cases = matrix(config.getoption("matrix"))
    if argname == "case":
        return cases
    if argname == "live_case":  # the cases this Keras builds (others: test_refusals)
        major = _installed_keras_major()
        return [c for c in cases if expected_rejection(c, major) is None]
    if argname == "predict_case":  # the predict path, on the tutorials' table
        return matrix("smoke")
    if argname == "weights_case":  # get_weights(): one case per layer x direction x scheme
        return list(
            {
                (c.layer_tag, c.bidirectional, c.weights_tag): c
                for c in cases
                if c.merge_mode == "concat" and not c.go_backwards
            }.values()
        )
    if argname == "golden_case":
        if config.getoption("regen_golden"):
            return cases
        golden, why = _golden_state(config)
        return cases if golden is not None else [pytest.param(why, id="no-usable-golden-set")]
    raise KeyError(argname)


def _installed_keras_major() -> int:
    return int(installed()["keras"].split(".")[0])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for argname in CASE_ARGS:
        if argname in metafunc.fixturenames:
            params = _params(metafunc.config, argname)
            ids = [p.id if isinstance(p, Case) else None for p in params]
            metafunc.parametrize(argname, params, ids=ids)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        for value in params.values():
            if isinstance(value, Case):
                item.add_marker(LAYER_MARKS[value.layer])
                # keep every test of a case on one worker, so Keras runs it once
                item.add_marker(pytest.mark.xdist_group(value.id))


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def keras_run():
    """run(case, path="call") -> Result, memoised for this worker."""
    from rnn_shapes.keras_runner import configure_threads, run_keras

    if os.environ.get("PYTEST_XDIST_WORKER"):
        configure_threads(1)
    memo: dict[tuple[str, str], Result] = {}

    def run(case: Case, path: str = "call") -> Result:
        key = (case.id, path)
        if key not in memo:
            memo[key] = run_keras(case, path=path)
        return memo[key]

    return run


@pytest.fixture(scope="session")
def keras_major() -> int:
    from rnn_shapes.keras_runner import keras_major

    return keras_major()


@pytest.fixture(scope="session")
def golden_set(pytestconfig: pytest.Config) -> GoldenSet | None:
    return _golden_state(pytestconfig)[0]


@pytest.fixture(scope="session")
def golden_recorder(pytestconfig: pytest.Config):
    """add(result): keep a result for --regen-golden (sent to the controller at the end)."""
    store: dict[str, Result] = pytestconfig.__dict__.setdefault("_rnn_records", {})
    return lambda result: store.__setitem__(result.case_id, result)


# ---------------------------------------------------------------- --regen-golden


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if not config.getoption("regen_golden"):
        return
    records = config.__dict__.get("_rnn_records", {})
    if hasattr(config, "workerinput"):  # an xdist worker: hand over, never write
        config.workeroutput["rnn_records"] = [to_wire(r) for r in records.values()]
        config.workeroutput["rnn_env"] = _live_environment() if records else {}
        return
    env = config.__dict__.get("_rnn_env") or (_live_environment() if records else {})
    if not _write_golden(config, list(records.values()), env):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_testnodedown(node, error) -> None:
    """Controller side of xdist: gather what each worker recorded."""
    out = getattr(node, "workeroutput", {})
    config = node.config
    store = config.__dict__.setdefault("_rnn_records", {})
    for data in out.get("rnn_records", []):
        r = from_wire(data)
        store[r.case_id] = r
    if out.get("rnn_env"):
        config._rnn_env = out["rnn_env"]


def _live_environment() -> dict[str, str]:
    from rnn_shapes.keras_runner import environment

    return environment()


def _write_golden(config: pytest.Config, results: list[Result], env: dict[str, str]) -> bool:
    """Record the set; False (and the reason in the summary) when it was refused."""
    from rnn_shapes.record import record

    try:
        _, config._rnn_regen_summary = record(
            results, env, config.getoption("matrix"), Path(config.getoption("golden_root"))
        )
    except GoldenError as exc:
        config._rnn_regen_summary = f"NOT RECORDED, the previous set is untouched: {exc}"
        return False
    return True


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    if getattr(config, "_rnn_regen_summary", None):
        terminalreporter.section("rnn-shapes golden set")
        terminalreporter.write_line(config._rnn_regen_summary)
    golden, _ = _golden_state(config) if not config.getoption("regen_golden") else (None, None)
    if golden is not None and golden.matrix == config.getoption("matrix"):
        ids = {c.id for c in matrix(golden.matrix)}
        stale = sorted(golden.results.keys() - ids)
        missing = sorted(ids - golden.results.keys())
        if stale or missing:
            terminalreporter.section("rnn-shapes stale golden set")
            for cid in stale:
                terminalreporter.write_line(f"in the set, not in the matrix: {cid}")
            for cid in missing:
                terminalreporter.write_line(f"in the matrix, not in the set: {cid}")

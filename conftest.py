"""pytest options, parametrisation and golden-set plumbing for rnn-shapes.

--matrix picks the slice (smoke, default, full); every test that takes a
`case`-like argument is parametrised over it with ids = case.id. Each case
runs Keras at most once per worker and path, however many tests look at it.

--regen-golden records the installed environment's golden set. Under
pytest-xdist the workers send their results to the controller, which alone
writes, once, after the run: the bytes equal a serial record.
"""

from __future__ import annotations

import gc
import os
from dataclasses import replace
from pathlib import Path

import pytest

from rnn_shapes.case import Case
from rnn_shapes.environment import environment_name, expectation_problems, installed, major
from rnn_shapes.golden import GoldenError, GoldenSet, find_set, read_set
from rnn_shapes.matrix import MATRICES, matrix
from rnn_shapes.result import Result, from_wire, to_wire
from rnn_shapes.signature import expected_rejection

ROOT = Path(__file__).resolve().parent


def model_group(case: Case) -> str:
    """Cases that differ only in weights, batch or input values share a model."""
    return replace(case, batch=1, weights="distinct", sample=None).id


LAYER_MARKS = {"SimpleRNN": "simplernn", "LSTM": "lstm", "GRU": "gru"}
CASE_ARGS = ("case", "live_case", "refused_case", "predict_case", "weights_case", "golden_case")
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


def pytest_configure(config: pytest.Config) -> None:
    """Each process that may run Keras: one op thread per xdist worker, a lazier GC."""
    from rnn_shapes.keras_runner import configure_worker

    configure_worker(1 if os.environ.get("PYTEST_XDIST_WORKER") else None)


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
    if argname in ("live_case", "refused_case"):  # split by this Keras' refusal rule
        major = _installed_keras_major()
        refused = argname == "refused_case"
        return [c for c in cases if (expected_rejection(c, major) is not None) == refused]
    if argname == "predict_case":  # predict(): one case per layer, direction and arity class
        return [
            c for c in matrix("smoke") if c.sample is None and c.return_sequences == c.return_state
        ]
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
    return major(installed()["keras"])


def _param(case: Case):
    """A case as a pytest parameter: its id, a marker for its layer, and its xdist group.

    The group keeps a configuration's tests on one worker, so Keras runs each
    case once there and the model built for it serves both weight schemes. Marks
    are set here, not in a collection hook, so pytest-xdist sees them in time.
    """
    marks = [
        getattr(pytest.mark, LAYER_MARKS[case.layer]),
        pytest.mark.xdist_group(model_group(case)),
    ]
    return pytest.param(case, id=case.id, marks=marks)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for argname in CASE_ARGS:
        if argname in metafunc.fixturenames:
            params = _params(metafunc.config, argname)
            metafunc.parametrize(argname, [_param(p) if isinstance(p, Case) else p for p in params])


def pytest_collection_finish(session: pytest.Session) -> None:
    """Check that xdist groups hold, then move what collection built (thousands of
    items) out of the garbage collector's sight: full collections during the Keras
    runs would walk it again and again."""
    if getattr(session.config.option, "loadgroup", False):
        grouped = [i for i in session.items if i.get_closest_marker("xdist_group")]
        if grouped and "@" not in grouped[0].nodeid:
            raise pytest.UsageError(
                "pytest-xdist's loadgroup is not grouping on this pytest (pytest-xdist issue "
                "1386): every worker would rerun cases. Install pytest<9.2, as the test "
                "extra pins it."
            )
    gc.freeze()


# ---------------------------------------------------------------- fixtures


# Results per (case id, path) for this process. Module level on purpose:
# pytest-xdist tears session fixtures down between work units with
# --dist loadgroup, and a memo held by a fixture would be lost with them.
_KERAS_MEMO: dict[tuple[str, str], Result] = {}


def _keras_run(case: Case, path: str = "call") -> Result:
    key = (case.id, path)
    if key not in _KERAS_MEMO:
        from rnn_shapes.keras_runner import run_keras

        _KERAS_MEMO[key] = run_keras(case, path=path)
    return _KERAS_MEMO[key]


@pytest.fixture(scope="session")
def keras_run():
    """run(case, path="call") -> Result: Keras runs each case once per worker."""
    return _keras_run


@pytest.fixture(scope="session")
def keras_major() -> int:
    from rnn_shapes.keras_runner import keras_major

    return keras_major()


@pytest.fixture(scope="session")
def golden_set(pytestconfig: pytest.Config) -> GoldenSet | None:
    return _golden_state(pytestconfig)[0]


@pytest.fixture(scope="session")
def golden_recorder(pytestconfig: pytest.Config):
    """add(result): keep a result for --regen-golden (sent to the controller at the end).

    The store lives on the config, which outlives any fixture teardown."""
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

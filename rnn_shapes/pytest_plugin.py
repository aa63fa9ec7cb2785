"""The pytest plugin of rnn-shapes, registered through the `pytest11` entry point.

Installing the package brings it to every pytest run, so it is inert unless
the conformance suite (`rnn_shapes.conformance`, or a user's tests that ask
for its fixtures) is collected: it only registers its `--rnn-*` options and
markers. Once such tests are collected it tunes the process for many Keras
models (one op thread per xdist worker, a lazier garbage collector).

Run the packaged suite from anywhere:

    python -m pytest --pyargs rnn_shapes -n 2 --rnn-matrix smoke

Hooks here are one-liners; the work is done by `RnnSession` (pytest_session.py),
one per pytest process, kept on the config, which composes the parts in plugin/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rnn_shapes.cases.matrix import MATRICES, matrix_sizes
from rnn_shapes.plugin.names import CASE_ARGS, MARKERS, MODEL_ARG
from rnn_shapes.pytest_session import RnnSession

SESSION = pytest.StashKey[RnnSession]()
CONFORMANCE = Path(__file__).resolve().parent / "conformance"
MODELS_TESTS = "test_models.py"  # its tests: one per model and recurrent layer
EXPLORE_TESTS = "test_explore.py"  # collected only with --rnn-explore N


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rnn-shapes", "rnn-shapes conformance suite")
    sizes = ", ".join(f"{name} ({n:,} cases)" for name, n in matrix_sizes().items())
    group.addoption(
        "--rnn-matrix",
        choices=MATRICES,
        default="default",
        help=f"case matrix to run: {sizes} (default: %(default)s)",
    )
    group.addoption(
        "--rnn-golden-root",
        default=None,
        metavar="DIR",
        help="folder of golden sets (default: RNN_SHAPES_GOLDEN_ROOT, else "
        "[tool.rnn-shapes] golden-root in the nearest pyproject.toml)",
    )
    group.addoption(
        "--rnn-regen-golden",
        action="store_true",
        help="record the installed environment's golden set from this run",
    )
    group.addoption(
        "--rnn-require-golden",
        action="store_true",
        help="fail, rather than skip, when this environment has no golden set (for CI)",
    )
    group.addoption(
        "--rnn-explore",
        type=int,
        default=0,
        metavar="N",
        help="also explore N drawn cases no matrix holds (rnn-shapes explore): one test, "
        "failing on any unexplained finding",
    )
    group.addoption(
        "--rnn-explore-seed", type=int, default=0, metavar="S", help="the exploration's seed"
    )


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    config.stash[SESSION] = RnnSession(config)


def session_of(config: pytest.Config) -> RnnSession:
    return config.stash[SESSION]


def pytest_report_header(config: pytest.Config) -> list[str]:
    return session_of(config).header()


def pytest_sessionstart(session: pytest.Session) -> None:
    session_of(session.config).start()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for argname in CASE_ARGS:
        if argname in metafunc.fixturenames:
            metafunc.parametrize(argname, session_of(metafunc.config).params(argname))
    if MODEL_ARG in metafunc.fixturenames:
        metafunc.parametrize(MODEL_ARG, session_of(metafunc.config).model_params())


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The models' tests exist only where `[tool.rnn-shapes] models` names some; the
    exploration only where --rnn-explore asks for one."""
    if collection_path.parent != CONFORMANCE:
        return None
    if collection_path.name == MODELS_TESTS:
        return True if not session_of(config).models else None
    if collection_path.name == EXPLORE_TESTS:
        return True if config.getoption("rnn_explore") <= 0 else None
    return None


def pytest_collection_finish(session: pytest.Session) -> None:
    session_of(session.config).collected(session.items)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist, controller side: gather what a worker recorded."""
    session_of(node.config).gather(getattr(node, "workeroutput", {}))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session_of(session.config).finish(session)


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    session_of(config).summary(terminalreporter)


@pytest.fixture(scope="session")
def rnn_session(pytestconfig: pytest.Config) -> RnnSession:
    """The run's RnnSession: judge(case), run(case, path), the golden set, the matrix."""
    return session_of(pytestconfig)

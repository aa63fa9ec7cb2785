"""pytest options and parametrisation for rnn-shapes.

--matrix picks the slice (smoke, default, full); every test that takes a
`case`-like argument is parametrised over it with ids = case.id. Each case
runs Keras at most once per worker and path, however many tests look at it.
"""

from __future__ import annotations

import os

import pytest

from rnn_shapes.case import Case
from rnn_shapes.matrix import MATRICES, matrix
from rnn_shapes.signature import expected_rejection

LAYER_MARKS = {"SimpleRNN": "simplernn", "LSTM": "lstm", "GRU": "gru"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rnn-shapes")
    group.addoption(
        "--matrix",
        choices=MATRICES,
        default="default",
        help="which case matrix to run (default: %(default)s)",
    )


def _installed_keras_major() -> int:
    from rnn_shapes.keras_runner import installed_keras_major

    return installed_keras_major()


def _params(config: pytest.Config, argname: str) -> list[Case]:
    cases = matrix(config.getoption("matrix"))
    if argname == "case":
        return cases
    if argname == "live_case":  # the cases this Keras builds (others: test_refusals)
        major = _installed_keras_major()
        return [c for c in cases if expected_rejection(c, major) is None]
    if argname == "predict_case":  # the predict path, on the tutorials' table
        return [c for c in matrix("smoke")]
    if argname == "weights_case":  # get_weights(): one case per layer x direction x scheme
        return list(
            {
                (c.layer_tag, c.bidirectional, c.weights_tag): c
                for c in cases
                if c.merge_mode == "concat" and not c.go_backwards
            }.values()
        )
    raise KeyError(argname)


CASE_ARGS = ("case", "live_case", "predict_case", "weights_case")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for argname in CASE_ARGS:
        if argname in metafunc.fixturenames:
            cases = _params(metafunc.config, argname)
            metafunc.parametrize(argname, cases, ids=[c.id for c in cases])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        for value in params.values():
            if isinstance(value, Case):
                item.add_marker(LAYER_MARKS[value.layer])
                # keep every test of a case on one worker, so Keras runs it once
                item.add_marker(pytest.mark.xdist_group(value.id))


@pytest.fixture(scope="session")
def keras_run():
    """run(case, path="call") -> Result, memoised for this worker."""
    from rnn_shapes.keras_runner import configure_threads, run_keras

    if os.environ.get("PYTEST_XDIST_WORKER"):
        configure_threads(1)
    memo: dict[tuple[str, str], object] = {}

    def run(case: Case, path: str = "call"):
        key = (case.id, path)
        if key not in memo:
            memo[key] = run_keras(case, path=path)
        return memo[key]

    return run


@pytest.fixture(scope="session")
def keras_major() -> int:
    from rnn_shapes.keras_runner import keras_major

    return keras_major()

"""A checkout's tests load the packaged pytest plugin (rnn_shapes/pytest_plugin.py).

Installed, the package registers it through its `pytest11` entry point under
this same name, and pytest then skips this line; tox runs the checkout
uninstalled, where this line is what loads it.

With --strict-skips (README's test command, which CI runs) a skip fails the test unless
EXPECTED_SKIPS lists it with why: there a skip would hide a check that did not run (a
missing browser, set or package) behind a green run. The run says every skip (-rs).
An option, not CI=true: the pytest runs that tests start themselves inherit CI's
environment, and some of them are about skipping.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["rnn_shapes.pytest_plugin"]

# test id (or a module's path, for a module skipped whole) -> why the run skips it
EXPECTED_SKIPS: dict[str, str] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--strict-skips",
        action="store_true",
        help="a skip fails its test unless conftest.py's EXPECTED_SKIPS lists it, with why",
    )


def _refuse_an_unexpected_skip(
    config: pytest.Config, report: pytest.TestReport | pytest.CollectReport
) -> None:
    if not (report.skipped and config.getoption("strict_skips")):
        return
    if hasattr(report, "wasxfail"):  # an expected failure, reported as a skip: not one
        return
    if report.nodeid in EXPECTED_SKIPS:
        return
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = (
        f"skipped under --strict-skips: {reason}\n(a skip the run expects is listed, with "
        "why, in conftest.py's EXPECTED_SKIPS)"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    _refuse_an_unexpected_skip(item.config, outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    outcome = yield
    _refuse_an_unexpected_skip(collector.config, outcome.get_result())

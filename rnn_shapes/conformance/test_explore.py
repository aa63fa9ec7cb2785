"""A short exploration inside the conformance suite (--rnn-explore N): drawn cases
no matrix holds, judged with a relation beside each; any unexplained finding fails,
with its minimal case and reproduction in the message."""

from __future__ import annotations

import pytest

from rnn_shapes.cases.design_cache import cache_dir
from rnn_shapes.environment import Environment
from rnn_shapes.explore.run import explore, summary
from rnn_shapes.explore.search import Plan


def test_exploration_finds_nothing_unexplained(pytestconfig: pytest.Config) -> None:
    env = Environment.usable()
    home = cache_dir() / "explore" / env.name
    plan = Plan(
        examples=pytestconfig.getoption("rnn_explore"),
        seed=pytestconfig.getoption("rnn_explore_seed"),
        database=home / "examples",
    )
    outcome = explore(plan, 1, home / "findings")
    assert outcome.tally.examples >= plan.examples
    assert not outcome.found, summary(outcome)

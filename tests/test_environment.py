"""Environment names and the promise a tox environment's name makes."""

from __future__ import annotations

from rnn_shapes.environment import environment_name, expectation_problems, installed

ENV = {"tensorflow": "2.15.1", "keras": "2.15.0", "backend": "tensorflow"}


def test_environment_name():
    assert environment_name(ENV) == "tf2.15-keras2.15-tensorflow"


def test_promise_kept():
    assert expectation_problems("tensorflow=2.15 keras=2 backend=tensorflow", ENV) == []


def test_promise_broken_names_what():
    problems = expectation_problems("tensorflow=2.16 keras=3 backend=jax", ENV)
    assert problems == [
        "tensorflow is 2.15.1, the environment promises 2.16",
        "keras is 2.15.0, the environment promises 3",
        "backend is tensorflow, the environment promises jax",
    ]
    assert expectation_problems("tensorflow=2.1", ENV)  # 2.15.1 is not 2.1.x


def test_unreadable_promise():
    assert "cannot read" in expectation_problems("tensorflow", ENV)[0]


def test_installed_reads_metadata_only():
    env = installed()
    assert set(env) == {"tensorflow", "keras", "backend"}

"""What a run of the suite says about its environment at start: the report header,
and the checks that refuse to start in an environment the run cannot be judged in."""

from __future__ import annotations

import pytest

from rnn_shapes.environment import Environment, backend_problem


def header_lines(env: Environment, matrix_name: str) -> list[str]:
    """The header line: which versions and matrix the results that follow are of."""
    return [
        f"rnn-shapes: tensorflow {env.tensorflow}, keras {env.keras}, "
        f"backend {env.backend}; environment {env.name}; "
        f"matrix {matrix_name}"
    ]


def check_promise(env: Environment) -> None:
    """A tox environment's promise (RNN_SHAPES_EXPECT) is kept: results of another
    environment would be judged, and recorded, under the wrong name."""
    broken = env.broken_promise()
    if broken:
        raise pytest.UsageError(f"environment mismatch: {broken}")


def check_backend(env: Environment) -> None:
    """The backend is one Keras knows: else every case would fail as a refusal."""
    unknown = backend_problem(env.backend)
    if unknown:
        raise pytest.UsageError(f"rnn-shapes: {unknown}")

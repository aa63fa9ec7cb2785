"""rnn-shapes: what Keras' recurrent layers return, checked against a NumPy oracle.

Importing this package never imports TensorFlow or Keras; `run_keras` loads
them on first use, so the oracle and golden-file checks run anywhere. The
names below load on first use too, so `import rnn_shapes` (which every command
and every worker does first, before any code of theirs can catch a Ctrl-C) is
instant.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from rnn_shapes.cases.case import Case, Constant
    from rnn_shapes.cases.inputs import inputs
    from rnn_shapes.cases.matrix import matrix
    from rnn_shapes.cases.signature import Signature, signature
    from rnn_shapes.golden.sets import GoldenSet
    from rnn_shapes.oracle import run_oracle
    from rnn_shapes.result import Result
    from rnn_shapes.verdict import Verdict

# The public names and the modules they live in.
_HOMES = {
    "run_oracle": "rnn_shapes.oracle",
    "Result": "rnn_shapes.result",
    "Case": "rnn_shapes.cases.case",
    "Constant": "rnn_shapes.cases.case",
    "inputs": "rnn_shapes.cases.inputs",
    "matrix": "rnn_shapes.cases.matrix",
    "Signature": "rnn_shapes.cases.signature",
    "signature": "rnn_shapes.cases.signature",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'rnn_shapes' has no attribute {name!r}")


__all__ = [
    "Case",
    "Constant",
    "Result",
    "Signature",
    "check_case",
    "inputs",
    "matrix",
    "run_keras",
    "run_oracle",
    "signature",
]
__version__ = "0.2.0"


def run_keras(
    case: Case, x: np.ndarray | None = None, path: str = "call", reuse: bool = True
) -> Result:
    """Run the case's real functional Keras model; see `keras.run.run_keras`."""
    from rnn_shapes.keras.run import run_keras as _run

    return _run(case, x, path, reuse)


def check_case(case: Case, path: str = "call", golden: GoldenSet | None = None) -> Verdict:
    """Run `case` through live Keras and judge it: the version's refusal rule, the
    rules (arity, order, shapes, dtypes, container), the oracle's values and, if
    `golden` is given, the result recorded there. `verdict.agrees`, and
    `verdict.explain()` for what disagrees."""
    from rnn_shapes.environment import Environment
    from rnn_shapes.judge import Judge
    from rnn_shapes.keras.run import run_keras as _run

    return Judge(Environment.installed(), golden)(case, _run(case, path=path))

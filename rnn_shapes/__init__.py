"""rnn-shapes: what Keras' recurrent layers return, checked against a NumPy oracle.

Importing this package never imports TensorFlow or Keras; `run_keras` loads
them on first use, so the oracle and golden-file checks run anywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .case import Case, Constant
from .inputs import inputs
from .matrix import matrix
from .oracle import run_oracle
from .result import Result
from .signature import Signature, signature

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Case",
    "Constant",
    "Result",
    "Signature",
    "inputs",
    "matrix",
    "run_keras",
    "run_oracle",
    "signature",
]
__version__ = "0.1.0"


def run_keras(
    case: Case, x: np.ndarray | None = None, path: str = "call", reuse: bool = True
) -> Result:
    """Run the case's real functional Keras model; see `keras_runner.run_keras`."""
    from .keras_runner import run_keras as _run

    return _run(case, x, path, reuse)

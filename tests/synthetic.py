"""Made-up results with the right shapes: golden-file and compare tests need no Keras."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Sequence

import numpy as np

from rnn_shapes.cases.case import Case
from rnn_shapes.cases.signature import signature
from rnn_shapes.result import Result


def synthetic_results(cases: Sequence[Case], shift: float = 0.0) -> list[Result]:
    """Distinct values per case and output, moved by `shift`."""
    out = []
    for k, case in enumerate(cases):
        arrays = tuple(
            (np.linspace(-1, 1, int(np.prod(s))).reshape(s) + k + i / 8 + shift).astype(np.float32)
            for i, s in enumerate(signature(case).shapes)
        )
        out.append(
            Result(
                case.id,
                "ok",
                "tuple" if len(arrays) > 1 else "tensor",
                arrays,
                tuple("float32" for _ in arrays),
            )
        )
    return out


# A script's first lines that make importing any Keras side fail (a test that something
# runs without Keras), then the script's own lines, dedented.
_WITHOUT_KERAS = """import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"tensorflow", "keras", "tf_keras", "jax", "torch"}:
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
"""


def run_without_keras(body: str) -> subprocess.CompletedProcess:
    """Run `body` (Python) in a fresh interpreter where no Keras side can be imported."""
    script = _WITHOUT_KERAS + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)

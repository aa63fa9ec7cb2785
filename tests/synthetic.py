"""Made-up results with the right shapes: golden-file and compare tests need no Keras."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnn_shapes.result import Result
from rnn_shapes.spec.case import Case
from rnn_shapes.spec.signature import signature


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

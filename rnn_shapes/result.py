"""What one environment returned for one case; plain data, no TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CONTAINERS = ("tuple", "list", "tensor")
OUTCOMES = ("ok", "rejected")


@dataclass(frozen=True)
class Result:
    """Outputs of a case as Keras returned them.

    outcome "rejected" means Keras refused to build or run the case; `error`
    then holds the exception's type and message and there are no outputs.
    """

    case_id: str
    outcome: str
    container: str | None
    outputs: tuple[np.ndarray, ...] = field(default=())
    dtypes: tuple[str, ...] = field(default=())
    error: str | None = None

    @property
    def arity(self) -> int:
        return len(self.outputs)

    @property
    def shapes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(int(n) for n in o.shape) for o in self.outputs)


def container_name(value: object) -> str:
    """'tuple', 'list' or 'tensor': how a model call packed its outputs."""
    if isinstance(value, tuple):
        return "tuple"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        raise TypeError("a model returned a dict; rnn-shapes expects tensors")
    return "tensor"

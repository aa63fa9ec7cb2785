"""What one environment returned for one case, and an error as a stable line for it;
plain data, no TensorFlow."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

CONTAINERS = ("tuple", "list", "tensor")
OUTCOMES = ("ok", "rejected")
# A symbolic output: (shape with None where unknown, dtype)
SymbolicOutput = tuple[tuple[int | None, ...], str]


@dataclass(frozen=True)
class Result:
    """Outputs of a case as Keras returned them.

    outcome "rejected" means Keras refused to build or run the case; `error`
    then holds the exception's type and message and there are no outputs.

    `masks` (masked cases only) is the mask Keras hands on with each output, as
    `cases.masks.mask_text` writes it, or None for an output with no mask; a
    string instead of a tuple is the error Keras raised computing them.

    `facts` (training cases only, whose values are random) says what the run
    showed: {"repeatable": two fresh seeded models gave the same numbers,
    "differs_from_inference": dropout changed the outputs}.

    `received` (masked cases, direct calls) is the mask Keras attached to each
    returned tensor, as `masks` is written: what a next layer's `__call__` reads.
    `masks` is what the layer's `compute_mask` says; the two are judged to agree.
    None where not observed: `predict` returns NumPy arrays.

    `symbolic` is what the built model said its outputs would be before it ran
    (one call's): each output KerasTensor's shape (None where unknown) and
    dtype; None where Keras refused to build the model.

    `dtypes` are Keras' output dtypes; bfloat16 values are held as float32
    (exactly: every bfloat16 is a float32), since NumPy has no bfloat16.
    """

    case_id: str
    outcome: str
    container: str | None
    outputs: tuple[np.ndarray, ...] = field(default=())
    dtypes: tuple[str, ...] = field(default=())
    error: str | None = None
    masks: tuple[str | None, ...] | str | None = None
    facts: dict[str, bool] | None = None
    symbolic: tuple[SymbolicOutput, ...] | None = None
    received: tuple[str | None, ...] | None = None

    @property
    def arity(self) -> int:
        return len(self.outputs)

    @property
    def shapes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(int(n) for n in o.shape) for o in self.outputs)


# How values of each output dtype are held in NumPy (and in golden sets).
HELD_AS = {"bfloat16": "float32"}


def held_dtype(dtype: str) -> str:
    return HELD_AS.get(dtype, dtype)


def held(outs: tuple[np.ndarray, ...]) -> tuple[tuple[np.ndarray, ...], tuple[str, ...]]:
    """(values as NumPy holds them, dtypes as Keras gave them) of returned outputs:
    bfloat16 held as float32, exactly."""
    dtypes = tuple(str(o.dtype) for o in outs)
    return tuple(o.astype(held_dtype(d)) for o, d in zip(outs, dtypes, strict=True)), dtypes


def container_name(value: object) -> str:
    """'tuple', 'list' or 'tensor': how a model call packed its outputs."""
    if isinstance(value, tuple):
        return "tuple"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        raise TypeError("a model returned a dict; rnn-shapes expects tensors")
    return "tensor"


def error_text(exc: BaseException, context: str = "") -> str:
    """An error as a stable line for a golden set: its type and the message without
    terminal styling, Keras' call-site preamble and argument dump (backend
    tensors print differently), or the
    counters Keras appends to layer names ('lstm_3' -> 'lstm'). `context` (what
    was being done, e.g. 'h5 save/load: ') is said first."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", context + str(exc))
    text = _user_code_error(text)
    text = re.split(r"(?:Call a|A)rguments received", text, maxsplit=1)[0]
    text = re.sub(r"Exception encountered when calling .*?\)\.", "", text)
    text = re.sub(r"\b([A-Za-z]\w*?)_\d+\b", r"\1", text)
    return f"{type(exc).__name__}: {stable_text(text)[:300].rstrip()}"


def _user_code_error(text: str) -> str:
    """A traced function's error ('in user code:' then the traceback's frames, with
    this machine's paths and line numbers) as the error its last frame raised."""
    if "in user code:" not in text:
        return text
    head, frames = text.split("in user code:", 1)
    raised = list(re.finditer(r"^\s*\w+(?:Error|Exception): ", frames, flags=re.M))
    return f"{head}in user code: {frames[raised[-1].start() :].strip()}" if raised else head


def stable_text(text: str) -> str:
    """What differs from run to run taken out of an error's text: an object's id()
    (Keras 3.2-3.13 raise a KeyError keyed by one, styled: '\\x1b[1m<id>\\x1b[0m', of
    any length), terminal styling and newlines as a repr shows them, and any other
    12-digit number; whitespace collapsed."""
    text = re.sub(r"\\x1b\[1m\d+\\x1b\[0m", "<id>", text)
    text = re.sub(r"\\x1b\[[0-9;]*m", "", text)
    text = re.sub(r"(?:\\n)+", " ", text)
    text = re.sub(r"\b\d{12,}\b", "<id>", text)
    return " ".join(text.split())


def to_wire(result: Result) -> dict[str, object]:
    """Plain types only, for sending a result between processes (pytest-xdist)."""
    return {
        "case_id": result.case_id,
        "outcome": result.outcome,
        "container": result.container,
        "error": result.error,
        "dtypes": list(result.dtypes),
        "outputs": [(o.tobytes(), str(o.dtype), list(o.shape)) for o in result.outputs],
        "masks": list(result.masks) if isinstance(result.masks, tuple) else result.masks,
        "facts": result.facts,
        "symbolic": None if result.symbolic is None else [list(s) for s in result.symbolic],
        "received": None if result.received is None else list(result.received),
    }


def from_wire(data: dict) -> Result:
    outs = tuple(np.frombuffer(b, dtype=d).reshape(s).copy() for b, d, s in data["outputs"])
    return Result(
        data["case_id"],
        data["outcome"],
        data["container"],
        outs,
        tuple(data["dtypes"]),
        data["error"],
        tuple(data["masks"]) if isinstance(data["masks"], list) else data["masks"],
        data.get("facts"),
        symbolic_from(data.get("symbolic")),
        None if data.get("received") is None else tuple(data["received"]),
    )


def symbolic_from(data: list | None) -> tuple[SymbolicOutput, ...] | None:
    """Symbolic outputs from plain lists ([[shape], dtype] each), or None."""
    if data is None:
        return None
    return tuple((tuple(shape), str(dtype)) for shape, dtype in data)


def symbolic_text(output: SymbolicOutput) -> str:
    """'float32[None, 5, 3]': how a golden set writes one symbolic output."""
    shape, dtype = output
    return f"{dtype}[{', '.join(str(n) for n in shape)}]"

"""Faults in Keras, patched at run time with unittest.mock on the installed backend.

Each fault wraps the `call` of Keras' own classes (LSTM, GRU, SimpleRNN,
Bidirectional, Model) for as long as its context is open: it changes the
weights the layer computes with, what it is given, or what it hands back, the
way a real defect would. Faults act on eager calls only (Keras 2 also calls a
layer while it builds the functional graph, where there is nothing to change).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

import numpy as np

from rnn_shapes.keras.backend import keras_module
from rnn_shapes.selftest.keras_outputs import (
    ave_as_sum,
    backward_not_reversed,
    backwards_re_reversed,
    bidirectional_states_swapped,
    container_swapped,
    lstm_states_swapped,
    returned,
    scaled,
)
from rnn_shapes.selftest.patches import RNNS, Around, patching

# ---------------------------------------------------------------- weights


def _blocks(w: np.ndarray, units: int, order: tuple[int, ...]) -> np.ndarray:
    """The gate blocks of the last axis (`units` wide each) in `order`."""
    return np.concatenate([w[..., k * units : (k + 1) * units] for k in order], axis=-1)


def _with_weights(cells: Callable[[Any], list], change: Callable[[Any, list], list]) -> Around:
    """Call with each cell's weights changed, then put them back; once per call tree
    (a Bidirectional's layers are not changed twice)."""
    depth = {"n": 0}

    def around(original: Callable[..., Any], layer: Any, args: tuple, kwargs: dict) -> Any:
        if depth["n"]:
            return original(layer, *args, **kwargs)
        saved = [(cell, cell.get_weights()) for cell in cells(layer)]
        for cell, weights in saved:
            cell.set_weights(change(cell, weights))
        depth["n"] += 1
        try:
            return original(layer, *args, **kwargs)
        finally:
            depth["n"] -= 1
            for cell, weights in saved:
                cell.set_weights(weights)

    return around


def _cells(layer: Any) -> list:
    if hasattr(layer, "forward_layer"):
        return [layer.forward_layer.cell, layer.backward_layer.cell]
    return [layer.cell]


def gates_swapped(layer: str, order: tuple[int, ...]) -> Callable[[], Any]:
    """The layer's gate blocks (kernel, recurrent kernel, bias) computed in `order`."""

    def change(cell: Any, weights: list) -> list:
        return [_blocks(w, cell.units, order) for w in weights]

    def only(cell: Any) -> bool:
        return type(cell).__name__.startswith(layer)

    def cells(x: Any) -> list:
        return [c for c in _cells(x) if only(c)]

    return lambda: patching((layer, "Bidirectional"), _with_weights(cells, change))


def bias_ignored() -> Any:
    def change(cell: Any, weights: list) -> list:
        return [*weights[:2], *(np.zeros_like(w) for w in weights[2:])]

    return patching((*RNNS, "Bidirectional"), _with_weights(_cells, change))


# ---------------------------------------------------------------- what the layer is given


def _given(change: Callable[[Any, tuple, dict], tuple[tuple, dict]]) -> Around:
    def around(original: Callable[..., Any], layer: Any, args: tuple, kwargs: dict) -> Any:
        args, kwargs = change(layer, args, kwargs)
        return original(layer, *args, **kwargs)

    return around


def _no_mask(layer: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    return args, {**kwargs, "mask": None}


def _no_initial_state(layer: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    if len(args) > 1:
        args = (args[0], None, *args[2:])
    return args, {**kwargs, "initial_state": None} if "initial_state" in kwargs else kwargs


def _first_step_dropped(layer: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    mask = kwargs.get("mask")
    kwargs = {**kwargs, "mask": None if mask is None else mask[:, 1:]}
    return (args[0][:, 1:], *args[1:]), kwargs


def _states_reset(layer: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    if layer.stateful:
        layer.reset_states()
    return args, kwargs


def given(change: Callable[[Any, tuple, dict], tuple[tuple, dict]]) -> Callable[[], Any]:
    return lambda: patching(RNNS, _given(change))


# ---------------------------------------------------------------- reset_after


@contextmanager
def reset_after_as_before() -> Iterator[None]:
    """GRU's reset_after=True cell computing the candidate as reset_after=False does:
    r applied to the previous state before its product (Keras 3's cell; the fused
    kernels are refused for the while, so the cell runs on every backend)."""
    keras = keras_module()
    ops = keras.ops
    from keras.src import backend as keras_backend

    def cell_call(self: Any, inputs: Any, states: Any, training: bool = False) -> Any:
        h = states[0] if isinstance(states, (list, tuple)) else states
        u = self.units
        k, rk = self.kernel, self.recurrent_kernel
        b_in, b_rec = (self.bias[0], self.bias[1]) if self.use_bias else (0.0, 0.0)

        def part(w: Any, x: Any, b: Any, j: int) -> Any:
            bias = b[j * u : (j + 1) * u] if self.use_bias else 0.0
            return ops.matmul(x, w[:, j * u : (j + 1) * u]) + bias

        z = self.recurrent_activation(part(k, inputs, b_in, 0) + part(rk, h, b_rec, 0))
        r = self.recurrent_activation(part(k, inputs, b_in, 1) + part(rk, h, b_rec, 1))
        hh = self.activation(part(k, inputs, b_in, 2) + part(rk, r * h, b_rec, 2))
        new = z * h + (1.0 - z) * hh
        return new, [new] if isinstance(states, (list, tuple)) else new

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(keras.layers.GRUCell, "call", cell_call))
        for fused in ("gru", "bidirectional_gru"):
            if hasattr(keras_backend, fused):
                stack.enter_context(mock.patch.object(keras_backend, fused, refused))
        yield


FaultFactory = Callable[[], Any]

# name -> (the context that injects it, which slice cases it is tried on); the
# Keras 3-only one is left out on Keras 2 (its GRU cell is another class).
KERAS_FAULTS: dict[str, tuple[FaultFactory, tuple[str, ...]]] = {
    "LSTM gates i<->f": (gates_swapped("LSTM", (1, 0, 2, 3)), ("lstm", "bi_lstm")),
    "LSTM gates c<->o": (gates_swapped("LSTM", (0, 1, 3, 2)), ("lstm", "bi_lstm")),
    "GRU gates z<->r": (gates_swapped("GRU", (1, 0, 2)), ("gru", "gru_before")),
    "GRU reset_after as reset_before": (reset_after_as_before, ("gru",)),
    "bias ignored": (bias_ignored, ("lstm", "gru", "simple")),
    "LSTM states as (c, h)": (returned(("LSTM",), lstm_states_swapped), ("lstm",)),
    "backward output not re-reversed": (
        returned(("Bidirectional",), backward_not_reversed),
        ("bi_lstm", "bi_none"),
    ),
    "Bidirectional states in the wrong order": (
        returned(("Bidirectional",), bidirectional_states_swapped),
        ("bi_lstm", "bi_none"),
    ),
    "merge ave computed as sum": (returned(("Bidirectional",), ave_as_sum), ("bi_ave",)),
    "go_backwards output re-reversed": (returned(RNNS, backwards_re_reversed), ("backwards",)),
    "one timestep dropped": (given(_first_step_dropped), ("lstm", "gru_before")),
    "mask ignored": (given(_no_mask), ("masked", "masked_call")),
    "initial state ignored": (given(_no_initial_state), ("h0",)),
    "stateful carry dropped": (given(_states_reset), ("stateful",)),
    "output perturbed by 1e-3 relative": (returned(RNNS, scaled(1 + 1e-3)), ("lstm", "simple")),
    "returned list / tuple swapped": (container_swapped, ("lstm",)),
}
KERAS3_ONLY = ("GRU reset_after as reset_before",)

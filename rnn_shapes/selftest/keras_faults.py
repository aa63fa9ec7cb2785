"""Faults in Keras, patched at run time with unittest.mock on the installed backend.

Each fault wraps the `call` of Keras' own classes (LSTM, GRU, SimpleRNN,
Bidirectional, Model) for as long as its context is open: it changes the
weights the layer computes with, what it is given, or what it hands back, the
way a real defect would. Faults act on eager calls only (Keras 2 also calls a
layer while it builds the functional graph, where there is nothing to change).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

import numpy as np

from rnn_shapes.keras.backend import keras_major, keras_module

Around = Callable[[Callable[..., Any], Any, tuple, dict], Any]
RNNS = ("LSTM", "GRU", "SimpleRNN")


def _eager(x: Any) -> bool:
    """Whether `x` is a concrete tensor (not a symbolic one being traced into a graph)."""
    keras = keras_module()
    if keras_major() >= 3:
        return not isinstance(x, keras.KerasTensor)
    import tensorflow as tf

    return tf.executing_eagerly()


def _patched(cls: Any, around: Around) -> Any:
    """mock.patch of cls.call by `around(original, layer, args, kwargs)`, eager calls only;
    the signature is kept (Keras reads it to decide what to pass)."""
    original = cls.call

    @functools.wraps(original)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not args or not _eager(args[0]):
            return original(self, *args, **kwargs)
        return around(original, self, args, kwargs)

    return mock.patch.object(cls, "call", call)


@contextmanager
def patching(layers: tuple[str, ...], around: Around) -> Iterator[None]:
    keras = keras_module()
    with ExitStack() as stack:
        for name in layers:
            stack.enter_context(_patched(getattr(keras.layers, name), around))
        yield


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


# ---------------------------------------------------------------- what the layer hands back


def _returned(change: Callable[[Any, Any], Any]) -> Around:
    def around(original: Callable[..., Any], layer: Any, args: tuple, kwargs: dict) -> Any:
        return change(layer, original(layer, *args, **kwargs))

    return around


def returned(layers: tuple[str, ...], change: Callable[[Any, Any], Any]) -> Callable[[], Any]:
    return lambda: patching(layers, _returned(change))


def _flip(x: Any) -> Any:
    keras = keras_module()
    if keras_major() >= 3:
        return keras.ops.flip(x, axis=1)
    import tensorflow as tf

    return tf.reverse(x, axis=[1])


def _concat(parts: list, axis: int = -1) -> Any:
    keras = keras_module()
    if keras_major() >= 3:
        return keras.ops.concatenate(parts, axis=axis)
    import tensorflow as tf

    return tf.concat(parts, axis=axis)


def _outputs(layer: Any, out: Any) -> tuple[list, type]:
    return (list(out), type(out)) if isinstance(out, (list, tuple)) else ([out], type(None))


def _packed(parts: list, kind: type) -> Any:
    return parts[0] if kind is type(None) else kind(parts)


def lstm_states_swapped(layer: Any, out: Any) -> Any:
    """(output, c, h) where (output, h, c) belongs."""
    parts, kind = _outputs(layer, out)
    if layer.return_state and len(parts) == 3:
        parts = [parts[0], parts[2], parts[1]]
    return _packed(parts, kind)


def backward_not_reversed(layer: Any, out: Any) -> Any:
    """Bidirectional's backward sequence handed on in walking order (concat, or unmerged)."""
    parts, kind = _outputs(layer, out)
    if not layer.return_sequences:
        return out
    if layer.merge_mode is None:
        parts[1] = _flip(parts[1])
    elif layer.merge_mode == "concat":
        half = parts[0].shape[-1] // 2
        parts[0] = _concat([parts[0][..., :half], _flip(parts[0][..., half:])])
    return _packed(parts, kind)


def bidirectional_states_swapped(layer: Any, out: Any) -> Any:
    """The backward states first, then the forward ones."""
    parts, kind = _outputs(layer, out)
    if not layer.return_state:
        return out
    first = 2 if layer.merge_mode is None else 1
    states = parts[first:]
    half = len(states) // 2
    return _packed(parts[:first] + states[half:] + states[:half], kind)


def ave_as_sum(layer: Any, out: Any) -> Any:
    parts, kind = _outputs(layer, out)
    if layer.merge_mode == "ave":
        parts[0] = parts[0] * 2.0
    return _packed(parts, kind)


def backwards_re_reversed(layer: Any, out: Any) -> Any:
    """A go_backwards layer's sequence handed on in input order."""
    parts, kind = _outputs(layer, out)
    if layer.go_backwards and layer.return_sequences:
        parts[0] = _flip(parts[0])
    return _packed(parts, kind)


def scaled(factor: float) -> Callable[[Any, Any], Any]:
    def change(layer: Any, out: Any) -> Any:
        parts, kind = _outputs(layer, out)
        return _packed([p * factor for p in parts], kind)

    return change


def container_swapped() -> Any:
    """The model hands back a tuple where it returned a list, and a list for a tuple."""
    keras = keras_module()
    original = keras.Model.__call__

    @functools.wraps(original)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        out = original(self, *args, **kwargs)
        if isinstance(out, list):
            return tuple(out)
        return list(out) if isinstance(out, tuple) else out

    return mock.patch.object(keras.Model, "__call__", call)


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

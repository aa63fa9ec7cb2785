"""Keras faults in what a layer hands back: outputs reordered, flipped, merged or
scaled wrongly, and the model's container swapped."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from unittest import mock

from rnn_shapes.keras.backend import keras_major, keras_module
from rnn_shapes.selftest.patches import Around, patching


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

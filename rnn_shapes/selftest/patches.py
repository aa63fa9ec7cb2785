"""Patching Keras' own classes for the self-test: a fault wraps `call`, eager calls only.

Keras 2 also calls a layer while it builds the functional graph, where there is
nothing to change; the wrapper keeps the signature, which Keras reads to decide
what to pass.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

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

"""The Keras side: build a real functional model for a case and run it.

Thin on purpose. Everything that differs between Keras 2 (tf.keras, tf-keras)
and Keras 3 (any backend) is in `keras_module`, `to_numpy` and `environment`.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import metadata
from types import ModuleType
from typing import Any

import numpy as np

from .case import Case, Constant
from .inputs import inputs
from .result import Result, container_name
from .weights import GATES, direction_weights, has_recurrent_bias

PATHS = ("call", "predict")
_threads: int | None = None  # TensorFlow op threads, set by configure_threads


@contextmanager
def _native_stderr_held() -> Iterator[None]:
    """Hold what native code writes to fd 2 (TensorFlow's start-up banner); show it on failure."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


@cache
def keras_module() -> ModuleType:
    """The Keras this environment uses: tf-keras when TF_USE_LEGACY_KERAS=1, else keras."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _native_stderr_held():
        if _legacy():
            import tf_keras as keras
        else:
            import keras
        if int(keras.__version__.split(".")[0]) < 3 or keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            if _threads is not None:
                tf.config.threading.set_intra_op_parallelism_threads(_threads)
                tf.config.threading.set_inter_op_parallelism_threads(_threads)
            tf.constant(0.0) + 1.0  # start the runtime while its banner is held
    return keras


def configure_threads(n: int) -> None:
    """Limit TensorFlow to `n` op threads: several workers on few cores otherwise fight.

    Takes effect when Keras is first loaded; call it before anything runs.
    """
    global _threads
    if keras_module.cache_info().currsize:
        raise RuntimeError("configure_threads must come before Keras is loaded")
    _threads = n


def _legacy() -> bool:
    return os.environ.get("TF_USE_LEGACY_KERAS", "").lower() in ("1", "true")


def installed_keras_major() -> int:
    """The Keras major version, read from package metadata without importing Keras."""
    return int(metadata.version("tf_keras" if _legacy() else "keras").split(".")[0])


def keras_major() -> int:
    return int(keras_module().__version__.split(".")[0])


def backend_name() -> str:
    keras = keras_module()
    return keras.backend.backend() if keras_major() >= 3 else "tensorflow"


def environment() -> dict[str, str]:
    """Versions that make up the environment a golden set belongs to."""
    keras = keras_module()
    try:
        import tensorflow as tf

        tf_version = tf.__version__
    except ImportError:  # a Keras 3 environment without TensorFlow
        tf_version = "none"
    return {
        "tensorflow": tf_version,
        "keras": keras.__version__,
        "backend": backend_name(),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": f"{sys.platform}-{platform.machine()}",
    }


def to_numpy(tensor: Any) -> np.ndarray:
    keras = keras_module()
    if keras_major() >= 3:
        return np.asarray(keras.ops.convert_to_numpy(tensor))
    return np.asarray(tensor)


def build_model(case: Case) -> Any:
    """Input(T, D) -> layer (in Bidirectional when asked) -> Model, weights set."""
    keras = keras_module()
    kwargs: dict[str, Any] = {
        "units": case.units,
        "return_sequences": case.return_sequences,
        "return_state": case.return_state,
        "go_backwards": case.go_backwards,
    }
    if case.layer == "GRU":
        kwargs["reset_after"] = case.reset_after
    if isinstance(case.weights, Constant):
        init = keras.initializers.Constant
        kwargs["kernel_initializer"] = init(case.weights.kernel)
        kwargs["recurrent_initializer"] = init(case.weights.recurrent)
        kwargs["bias_initializer"] = init(case.weights.bias)
    inp = keras.Input(shape=(case.timesteps, case.features))
    layer = getattr(keras.layers, case.layer)(**kwargs)
    if case.bidirectional:
        layer = keras.layers.Bidirectional(layer, merge_mode=case.merge_mode)
    model = keras.Model(inp, layer(inp))
    if case.weights == "distinct":
        for direction, rnn in enumerate(rnn_layers(layer)):
            assign_weights(case, direction, rnn)
    return model


def rnn_layers(layer: Any) -> list[Any]:
    """The recurrent layers inside `layer`: itself, or forward then backward copy."""
    if hasattr(layer, "forward_layer"):
        return [layer.forward_layer, layer.backward_layer]
    return [layer]


def packed_weights(case: Case, direction: int) -> dict[str, np.ndarray]:
    """The case's weights in Keras' packed layout: gates side by side in columns."""
    w = direction_weights(case, direction)
    gates = [w[g] for g in GATES[case.layer]]
    bias = np.concatenate([g.bias for g in gates])
    if has_recurrent_bias(case):
        bias = np.stack([bias, np.concatenate([g.recurrent_bias for g in gates])])
    return {
        "kernel": np.concatenate([g.kernel for g in gates], axis=1),
        "recurrent_kernel": np.concatenate([g.recurrent for g in gates], axis=1),
        "bias": bias,
    }


def assign_weights(case: Case, direction: int, rnn: Any) -> None:
    for name, value in packed_weights(case, direction).items():
        getattr(rnn.cell, name).assign(value.astype(np.float32))


def run_keras(case: Case, x: np.ndarray | None = None, path: str = "call") -> Result:
    """Build the case's model and run it on `x` (default: the case's input)."""
    if path not in PATHS:
        raise ValueError(f"unknown path {path!r}; expected one of {PATHS}")
    x = inputs(case) if x is None else np.asarray(x, dtype=np.float32)
    try:
        model = build_model(case)
    except ValueError as exc:  # Keras refuses the configuration
        return Result(case.id, "rejected", None, error=f"{type(exc).__name__}: {exc}")
    raw = model.predict(x, batch_size=case.batch, verbose=0) if path == "predict" else model(x)
    container = container_name(raw)
    outs = tuple(to_numpy(t) for t in (raw if container != "tensor" else (raw,)))
    return Result(case.id, "ok", container, outs, tuple(str(o.dtype) for o in outs))

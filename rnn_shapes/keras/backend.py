"""Keras start-up and the backend: which Keras, its tensors as NumPy and back.

Thin on purpose. Everything that differs between Keras 2 (tf.keras, tf-keras)
and Keras 3 (any backend) is in `keras_module`, `to_numpy` and `environment`.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np

from rnn_shapes.environment import legacy_keras, major
from rnn_shapes.errors import RnnShapesError

_threads: int | None = None  # TensorFlow op threads, set by configure_worker


@contextmanager
def _native_stderr_held() -> Iterator[None]:
    """Hold what native code writes to fd 2 (TensorFlow's start-up banner); show it on failure."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except KeyboardInterrupt:  # the user stopped it: the banner tells them nothing
            raise
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
        try:
            if legacy_keras():
                import tf_keras as keras
            else:
                import keras
        except ImportError as exc:  # e.g. the package installed without a backend extra
            raise RnnShapesError(
                f"cannot import Keras ({exc}); install one with its backend: "
                "pip install 'rnn-shapes[tensorflow]' (or [jax], [torch])"
            ) from None
        if major(keras.__version__) < 3 or keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            if _threads is not None:
                tf.config.threading.set_intra_op_parallelism_threads(_threads)
                tf.config.threading.set_inter_op_parallelism_threads(_threads)
            tf.constant(0.0) + 1.0  # start the runtime while its banner is held
            # Every op call is wrapped to trim tracebacks on error; that costs ~30%
            # of an eager RNN call and changes no result, only how errors print.
            tf.debugging.disable_traceback_filtering()
        disable = getattr(getattr(keras, "config", None), "disable_traceback_filtering", None)
        if disable is not None:
            disable()
    return keras


def configure_worker(threads: int | None = 1) -> bool:
    """Set up a process that will run many cases; False if Keras was loaded already.

    - `threads` TensorFlow op threads (None: TensorFlow's default): several
      workers on few cores otherwise fight. Only possible before TensorFlow
      starts; a process that loaded it already keeps its setting;
    - a lazier garbage collector: building and calling Keras models allocates
      many short-lived cyclic objects, and full collections over a large heap
      cost ~15% of the run. What exists now is frozen out of its sight, and
      young collections happen every 100,000 allocations instead of 700.
    """
    global _threads
    fresh = not keras_module.cache_info().currsize
    if fresh:
        _threads = threads
    gc.freeze()
    gc.set_threshold(100_000, 20, 100)
    return fresh


def quiet() -> None:
    """After a Ctrl-C in this process: TensorFlow's complaints about what the interrupt
    left half built (a TensorArray 'never used', logged as it is collected at exit)
    are nothing a user can act on."""
    logging.getLogger("tensorflow").setLevel(logging.CRITICAL + 1)


def keras_major() -> int:
    """2 or 3: which Keras API the loaded module speaks."""
    return major(keras_module().__version__)


def backend_name() -> str:
    """The backend the loaded Keras computes on ('tensorflow' for Keras 2)."""
    keras = keras_module()
    return str(keras.backend.backend()) if keras_major() >= 3 else "tensorflow"


def to_numpy(tensor: Any) -> np.ndarray:
    """A backend tensor as NumPy: `keras.ops` in Keras 3, the tensor itself in Keras 2."""
    keras = keras_module()
    if keras_major() >= 3:
        return np.asarray(keras.ops.convert_to_numpy(tensor))
    return np.asarray(tensor)


def to_tensor(value: np.ndarray) -> Any:
    """A backend tensor of `value`: `keras.ops` in Keras 3, TensorFlow in Keras 2."""
    if keras_major() >= 3:
        return keras_module().ops.convert_to_tensor(value)
    import tensorflow as tf

    return tf.convert_to_tensor(value)


def attached_mask(tensor: Any) -> Any:
    """The mask Keras attached to a tensor it returned: what the next layer's
    `__call__` reads as its mask. Keras 3 keeps it as the `_keras_mask` attribute,
    or, for an array that takes no attribute (JAX), in a table by id
    (keras/src/backend/common/tensor_attributes.py, from 3.6); Keras 2 and the
    earlier Keras 3 lines as the attribute only."""
    return _mask_getter()(tensor)


@cache
def _mask_getter() -> Any:
    """Keras' own getter where it has one, else the attribute (looked up once)."""
    try:
        from keras.src.backend.common.masking import get_keras_mask
    except ImportError:
        return lambda tensor: getattr(tensor, "_keras_mask", None)
    return get_keras_mask


def lift_safe_mode(keras: ModuleType) -> None:
    """Let this process deserialise a config's lambda, once the user trusts the file:
    Keras 3's public switch, else Keras 2.13-2.15's and tf-keras' own (not public
    there; Keras 2.12 has no safe mode to lift)."""
    public = getattr(getattr(keras, "config", None), "enable_unsafe_deserialization", None)
    if public is not None:
        public()
        return
    root = keras.__name__.split(".")[0]  # keras (Keras 2's tf.keras) or tf_keras
    for name in (f"{root}.src.saving.serialization_lib", f"{root}.saving.serialization_lib"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "enable_unsafe_deserialization"):
            module.enable_unsafe_deserialization()
            return


def release() -> None:
    """Forget the models this process built: Keras' session, and on JAX the compiled
    functions, which JAX keeps per traced function and which outlive the models (a
    search over thousands of drawn models grew by about 9 MB an example without it)."""
    keras_module().backend.clear_session()
    if backend_name() == "jax":
        import jax

        jax.clear_caches()
    gc.collect()

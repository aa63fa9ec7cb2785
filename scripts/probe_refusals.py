"""Try each combination the Case refuses, or refused until it was shown that Keras takes
it, in the installed Keras: one line each, ACCEPTED (with what came back) or REFUSED
(with the exception Keras raised). The evidence for docs/notes/case-refusals.md.

    python scripts/probe_refusals.py      # in each environment to compare (Keras 2 and 3)

Plain Keras, no rnn_shapes: what a user would write.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable
from typing import Any

warnings.simplefilter("ignore")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

X = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")


def shapes(out: Any) -> list[tuple[int, ...]]:
    out = out if isinstance(out, (list, tuple)) else [out]
    return [tuple(np.asarray(t).shape) for t in out]


def model(layer: Callable[[Any], Any], batch_shape: tuple | None = None) -> Any:
    inp = keras.Input(batch_shape=batch_shape) if batch_shape else keras.Input(shape=(4, 3))
    return keras.Model(inp, layer(inp))


def reset(layer: Any) -> None:
    (getattr(layer, "reset_state", None) or layer.reset_states)()


def constructor(cls: Any, **kwargs: Any) -> Callable[[], Any]:
    return lambda: cls(4, **kwargs)


def stateful_training() -> Any:
    m = model(layers.LSTM(4, stateful=True, dropout=0.5), (2, 4, 3))
    return shapes([m(X, training=True), m(X, training=True)])


def stateful_predict_other_batch() -> Any:
    m = model(layers.GRU(4, stateful=True), (2, 4, 3))
    return shapes([m.predict(X, verbose=0), m.predict(np.concatenate([X, X])[:3], verbose=0)])


def stateful_open_time() -> Any:
    m = model(layers.SimpleRNN(4, stateful=True), (2, None, 3))
    return shapes([m(X), m(np.concatenate([X, X], axis=1))])


def merged(mode: str, forward: int, backward: int) -> Callable[[], Any]:
    def run() -> Any:
        bi = layers.Bidirectional(
            layers.SimpleRNN(forward),
            backward_layer=layers.SimpleRNN(backward, go_backwards=True),
            merge_mode=mode,
        )
        m = model(bi)
        return {"symbolic": tuple(m.output.shape), "called": shapes(m(X))}

    return run


def split(forward: Any, backward: Any) -> Callable[[], Any]:
    def run() -> Any:
        bi = layers.Bidirectional(forward(4), backward_layer=backward(4, go_backwards=True))
        n = sum(2 if cls is layers.LSTM else 1 for cls in (forward, backward))
        states = [np.full((2, 4), 0.1 * (i + 1), "float32") for i in range(n)]
        return shapes(bi(X, initial_state=states))

    return run


def stateful_stack(every: bool) -> Callable[[], Any]:
    def run() -> Any:
        inp = keras.Input(batch_shape=(2, 4, 3))
        seq = layers.GRU(5, return_sequences=True, stateful=every)(inp)
        m = keras.Model(inp, layers.LSTM(4, stateful=True)(seq))
        a, b = np.asarray(m(X)), np.asarray(m(X))
        return {"shapes": shapes([a, b]), "second call differs": bool(np.abs(a - b).max() > 0)}

    return run


def saved_then_training() -> Any:
    path = os.path.join(tempfile.mkdtemp(), "m.keras" if keras.__version__ >= "3" else "m.h5")
    model(layers.GRU(4, dropout=0.5)).save(path)
    return shapes(keras.models.load_model(path)(X, training=True))


def stateful_initial_state() -> Any:
    """h = tanh(0.5 h_prev) on zero inputs: each call shows which state it started from."""
    rnn = layers.SimpleRNN(
        1,
        stateful=True,
        use_bias=False,
        kernel_initializer="zeros",
        recurrent_initializer=keras.initializers.Constant(0.5),
    )
    inp, h = keras.Input(batch_shape=(2, 3, 1)), keras.Input(batch_shape=(2, 1))
    m = keras.Model([inp, h], rnn(inp, initial_state=h))
    x, h0 = np.zeros((2, 3, 1), "float32"), np.full((2, 1), 0.9, "float32")
    first = float(np.asarray(m([x, h0]))[0, 0])
    second = float(np.asarray(m([x, h0]))[0, 0])
    reset(rnn)
    third = float(np.asarray(m([x, -h0]))[0, 0])
    return {
        "call 1 (from h0)": round(first, 6),
        "call 2, h0 again": round(second, 6),
        "starts from h0 again": bool(np.isclose(first, second)),
        "after a reset, -h0": round(third, 6),
    }


def big_embedding() -> Any:
    tokens = np.arange(1, 61).reshape(3, 20)
    return shapes(layers.LSTM(4)(layers.Embedding(1000, 3, mask_zero=True)(tokens)))


PROBES: list[tuple[str, Callable[[], Any]]] = [
    ("SimpleRNN(merge_mode=...)", constructor(layers.SimpleRNN, merge_mode="sum")),
    ("SimpleRNN(reset_after=...)", constructor(layers.SimpleRNN, reset_after=True)),
    ("LSTM(reset_after=...)", constructor(layers.LSTM, reset_after=False)),
    ("SimpleRNN(recurrent_activation=...)",
     constructor(layers.SimpleRNN, recurrent_activation="sigmoid")),
    ("GRU(unit_forget_bias=...)", constructor(layers.GRU, unit_forget_bias=False)),
    ("SimpleRNN(backward_layer=...)",
     constructor(layers.SimpleRNN, backward_layer=layers.SimpleRNN(4))),
    ("LSTM(use_bias=False, unit_forget_bias=False), called",
     lambda: shapes(layers.LSTM(4, use_bias=False, unit_forget_bias=False)(X))),
    ("SimpleRNN(zero_output_for_mask=True), no mask",
     lambda: shapes(layers.SimpleRNN(4, zero_output_for_mask=True, return_sequences=True)(X))),
    ("training=True without dropout", lambda: shapes(layers.GRU(4)(X, training=True))),
    ("training=True, relu, dropout",
     lambda: shapes(layers.SimpleRNN(4, activation="relu", dropout=0.5)(X, training=True))),
    ("Model.predict(training=True)",
     lambda: model(layers.GRU(4, dropout=0.5)).predict(X, training=True, verbose=0)),
    ("stateful, training=True, twice", stateful_training),
    ("stateful, predict, then another batch size", stateful_predict_other_batch),
    ("stateful, time axis None, a longer second call", stateful_open_time),
    *[(f"Bidirectional {mode}, widths {f} and {b}", merged(mode, f, b))
      for mode in ("sum", "mul", "ave") for f, b in ((4, 1), (1, 4), (4, 3))],
    ("Bidirectional initial_state, LSTM forward, GRU backward", split(layers.LSTM, layers.GRU)),
    ("Bidirectional initial_state, GRU forward, LSTM backward", split(layers.GRU, layers.LSTM)),
    ("Bidirectional initial_state, SimpleRNN forward, LSTM backward",
     split(layers.SimpleRNN, layers.LSTM)),
    ("stateful stack, every layer stateful", stateful_stack(True)),
    ("stateful stack, only the top stateful", stateful_stack(False)),
    ("saved and loaded, then a training call", saved_then_training),
    ("stateful, initial_state on every call", stateful_initial_state),
    ("Embedding, 3 rows of 20 steps", big_embedding),
]  # fmt: skip


def main() -> None:
    backend = keras.backend.backend() if hasattr(keras.backend, "backend") else "tensorflow"
    print(f"keras {keras.__version__}, backend {backend}")
    for name, probe in PROBES:
        try:
            print(f"ACCEPTED {name}: {probe()}")
        except Exception as exc:  # what Keras raises is the evidence
            message = " ".join(str(exc).split())[:150]
            print(f"REFUSED  {name}: {type(exc).__name__}: {message}")


if __name__ == "__main__":
    main()

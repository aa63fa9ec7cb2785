"""Write the project's own small models with the installed Keras (tox: models-keras2,
models-keras3), for `check-model`, `record-model` and `advise` to be tried on.

Each is a few KB, its weights seeded, so a run writes the same values (the files'
bytes still carry the writer's metadata). Each writes `.keras`, `.h5` and a config
JSON with its weights (`--formats` fewer: Keras 3.13 writes `.keras` alone, the file
an upgrade to 3.15 starts from). Into models/<writer>/ (models/keras2.15/,
models/keras3.13/, models/keras3.15/): the writer names the Keras that made them, so
its hash and the records of it stay apart. `--keep` leaves a file already written
(its hash names its records).

    python scripts/make_models.py [--out models] [--keep] [--formats keras,h5,json]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnn_shapes.keras.backend import keras_module


def text_bilstm(k: Any) -> Any:
    """Token ids, Embedding(mask_zero=True), a Bidirectional LSTM over the sequence."""
    ids = k.Input(shape=(None,), dtype="int32", name="tokens")
    x = k.layers.Embedding(20, 4, mask_zero=True, name="embed")(ids)
    x = k.layers.Bidirectional(k.layers.LSTM(3, return_sequences=True), name="bilstm")(x)
    x = k.layers.GlobalAveragePooling1D(name="pool")(x)
    return k.Model(ids, k.layers.Dense(2, name="head")(x), name="text_bilstm")


def gru_reset_before(k: Any) -> Any:
    """A GRU with Keras 2's old bias layout (reset_after=False) on a dynamic time axis."""
    seq = k.Input(shape=(None, 3), name="series")
    x = k.layers.GRU(4, reset_after=False, name="gru")(seq)
    return k.Model(seq, k.layers.Dense(1, name="head")(x), name="gru_reset_before")


def stacked(k: Any) -> Any:
    """Masking, then LSTM -> GRU (backwards) -> SimpleRNN, each handing its mask on."""
    seq = k.Input(shape=(6, 3), name="series")
    x = k.layers.Masking(0.0, name="pad")(seq)
    x = k.layers.LSTM(4, return_sequences=True, name="lstm")(x)
    x = k.layers.GRU(3, return_sequences=True, go_backwards=True, name="gru")(x)
    x = k.layers.SimpleRNN(2, name="rnn")(x)
    return k.Model(seq, x, name="stacked")


def seq2seq(k: Any) -> Any:
    """An encoder LSTM hands its states to a decoder LSTM (both on masked token ids)."""
    source = k.Input(shape=(None,), dtype="int32", name="source")
    target = k.Input(shape=(None,), dtype="int32", name="target")
    enc = k.layers.Embedding(15, 4, mask_zero=True, name="source_embed")(source)
    _, h, c = k.layers.LSTM(5, return_state=True, name="encoder")(enc)
    dec = k.layers.Embedding(15, 4, mask_zero=True, name="target_embed")(target)
    dec = k.layers.LSTM(5, return_sequences=True, name="decoder")(dec, initial_state=[h, c])
    return k.Model([source, target], k.layers.Dense(15, name="head")(dec), name="seq2seq")


def lstm_hard_sigmoid(k: Any) -> Any:
    """An LSTM whose gates use hard_sigmoid, which Keras 3 redefined (slope 1/6, not 0.2)."""
    seq = k.Input(shape=(None, 3), name="series")
    x = k.layers.LSTM(4, recurrent_activation="hard_sigmoid", name="lstm")(seq)
    return k.Model(seq, k.layers.Dense(1, name="head")(x), name="lstm_hard_sigmoid")


def bigru_state(k: Any) -> Any:
    """A Bidirectional GRU returning its sequence and both directions' final states."""
    seq = k.Input(shape=(5, 3), name="series")
    y, forward, backward = k.layers.Bidirectional(
        k.layers.GRU(3, return_sequences=True, return_state=True), name="bigru"
    )(seq)
    return k.Model(seq, [k.layers.Dense(1, name="head")(y), forward, backward], name="bigru_state")


def masked_float64(k: Any) -> Any:
    """Masking (float32) in front of a float64 LSTM: a cast between the mask and the layer."""
    seq = k.Input(shape=(5, 3), name="series")
    x = k.layers.Masking(0.0, name="pad")(seq)
    x = k.layers.LSTM(4, return_sequences=True, dtype="float64", name="lstm")(x)
    return k.Model(seq, k.layers.Dense(1, name="head")(x), name="masked_float64")


MODELS: dict[str, Callable[[Any], Any]] = {
    f.__name__: f
    for f in (
        text_bilstm,
        gru_reset_before,
        stacked,
        seq2seq,
        lstm_hard_sigmoid,
        bigru_state,
        masked_float64,
    )
}
FORMATS = ("keras", "h5", "json")


def write(out: Path, keep: bool = False, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    k = keras_module()
    writer = f"keras{'.'.join(k.__version__.split('.')[:2])}"
    folder = out / writer
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in MODELS.items():
        files = [fmt for fmt in formats if not (keep and (folder / f"{name}.{fmt}").exists())]
        if not files:
            continue
        k.utils.set_random_seed(0)
        model = make(k)
        for fmt in files:
            path = folder / f"{name}.{fmt}"
            if fmt == "json":
                path.write_text(model.to_json(), encoding="utf-8")
                model.save_weights(folder / f"{name}.weights.h5")
                written.append(folder / f"{name}.weights.h5")
            else:
                model.save(path)
            written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent.parent / "models"
    )
    parser.add_argument("--keep", action="store_true", help="leave a file that is already written")
    parser.add_argument("--formats", default=",".join(FORMATS), help="the formats to write")
    args = parser.parse_args()
    for path in write(args.out, args.keep, tuple(args.formats.split(","))):
        print(f"{path}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()

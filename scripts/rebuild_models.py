"""Rebuild the project's models in code with the installed Keras and load another
release's weights into them (tox: models-keras2, models-keras3): what a user does
with a file the installed Keras will not load, and what `advise` predicts of it.

For each model of scripts/make_models.py written by `--from` (a folder of
models/), the model is built by the same code here and given the weights of that
writer's file (`.h5` for Keras 2, `.keras` for Keras 3: `load_weights` reads
both), then saved as `.keras` into models/rebuilt/<writer>-in-<this Keras>/.
`record-model` then records it like any model: its values beside the original's
record are what the rebuild changes. A file already written is left (`--keep`);
weights that do not load are said, one line each, and nothing is written.

    python scripts/rebuild_models.py --from models/keras2.15 [--keep]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from make_models import MODELS  # noqa: E402

from rnn_shapes.keras.backend import keras_major, keras_module  # noqa: E402

REBUILT = "rebuilt"


def source_of(folder: Path, name: str) -> Path:
    """The writer's file whose weights a rebuild loads: its native full-model file."""
    return folder / f"{name}.{'h5' if folder.name.startswith('keras2') else 'keras'}"


def rebuild(source: Path, keep: bool = False) -> list[str]:
    k = keras_module()
    here = f"keras{'.'.join(k.__version__.split('.')[:2])}"
    out = source.parent / REBUILT / f"{source.name}-in-{here}"
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, make in MODELS.items():
        weights, path = source_of(source, name), out / f"{name}.keras"
        if not weights.is_file() or (keep and path.exists()):
            continue
        k.utils.set_random_seed(1)  # other weights than the writer's: the load must replace them
        model = make(k)
        try:
            model.load_weights(str(weights))
        except Exception as exc:  # the outcome of this release
            lines.append(f"{weights}: weights do not load: {type(exc).__name__}: {exc}")
            continue
        model.save(str(path))
        lines.append(f"{path}: rebuilt (Keras {keras_major()}) with the weights of {weights}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, required=True)
    parser.add_argument("--keep", action="store_true", help="leave a file already written")
    args = parser.parse_args()
    for line in rebuild(args.source.resolve(), args.keep):
        print(line)


if __name__ == "__main__":
    main()

"""Survey which config keys the installed Keras accepts from each recurrent layer's
config, into rnn_shapes/config_keys.json (tox: models-keras2, models-keras3).

Observed, not read from signatures: each class's own config (a default layer's
get_config()) is recorded as what this environment writes; then every key that
any surveyed environment writes (with the value it writes, where that differs
from this one's) is put into this one's own config and given to `from_config`,
as loading a file does, and what it raises is recorded. Run it in
each environment, then once more in the first (it then tries the later ones' keys).

    python scripts/config_keys.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnn_shapes.environment import Environment  # noqa: E402
from rnn_shapes.keras.backend import keras_module  # noqa: E402
from rnn_shapes.result import error_text  # noqa: E402

DATA = ROOT / "rnn_shapes" / "config_keys.json"
CLASSES = ("SimpleRNN", "LSTM", "GRU", "Bidirectional")
# and the layer classes `keras.layers` has: all a legacy .h5 config can name


def _layer(k: Any, cls: str) -> Any:
    if cls == "Bidirectional":
        return k.layers.Bidirectional(k.layers.LSTM(2))
    return getattr(k.layers, cls)(2)


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def survey(known: dict[str, Any]) -> dict[str, Any]:
    k = keras_module()
    written = {cls: _plain(_layer(k, cls).get_config()) for cls in CLASSES}
    refused: dict[str, dict[str, dict[str, str]]] = {}
    for cls in CLASSES:
        for other, env in sorted(known.items()):
            for key, value in sorted(env["written"].get(cls, {}).items()):
                if written[cls].get(key, object()) == value or key in refused.get(cls, {}):
                    continue  # its own value, or already refused as another writes it
                config = {**_layer(k, cls).get_config(), key: value}
                try:
                    getattr(k.layers, cls).from_config(config)
                except Exception as exc:  # what it raises is the finding
                    refused.setdefault(cls, {})[key] = {
                        "as_written_by": other,
                        "error": error_text(exc),
                    }
    layers = sorted(n for n in dir(k.layers) if isinstance(getattr(k.layers, n), type))
    return {"keras": k.__version__, "written": written, "refused": refused, "layer_classes": layers}


def main() -> None:
    doc = json.loads(DATA.read_text(encoding="utf-8")) if DATA.is_file() else {"environments": {}}
    name = Environment.installed().name
    others = {n: e for n, e in doc["environments"].items() if n != name}
    doc["environments"][name] = survey({**others, name: {"written": {}}})
    DATA.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{DATA}: {name}: refuses {doc['environments'][name]['refused']}")


if __name__ == "__main__":
    main()

"""Survey what the installed Keras refuses of what other releases write, into
rnn_shapes/config_keys.json (tox: models-keras2, models-keras3, models-keras3.13,
models-next): the reasons a model file will not load that advise names.

Observed through the loaders themselves, per format (a key or module one
format's reader takes, another's may refuse: Keras 3's `.h5` reader takes Keras
2's `batch_input_shape`, `from_config` does not): small models (Masking, a
Bidirectional LSTM, GRU, SimpleRNN, Dense; an Embedding model beside them) are
saved as `.keras`, `.h5` and a config JSON, and each serialised object's config
and module, as the file holds them, are what this environment writes. Then each
key and module another surveyed environment writes for a class (where it differs)
is written into this one's file in its place, and the file is loaded as
check-model loads it: what that raises is recorded, with the environment whose
writing it was. And every layer class `keras.layers` has (all a legacy config
can name).

Run it in each environment, then once more in each (it then tries the later
ones' writing).

    python scripts/config_keys.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnn_shapes.environment import Environment  # noqa: E402
from rnn_shapes.keras.backend import keras_module  # noqa: E402
from rnn_shapes.keras.model import DoesNotLoad, load  # noqa: E402
from rnn_shapes.models.files import nodes, read_model_file  # noqa: E402
from rnn_shapes.models.survey import MODEL_CLASSES, NO_MODULE  # noqa: E402

DATA = ROOT / "rnn_shapes" / "config_keys.json"
FORMATS = ("keras", "h5", "json")
# a model's own config (its layer graph, MODEL_CLASSES) and a layer's name (the graph
# refers to it) are not what another release writes differently of a class
NAMES = {"name"}


def _models(k: Any) -> list[Any]:
    """The small models whose files are surveyed: without a mask first (a Keras 3
    `.h5` of a masked model does not load even there), then masked ones."""
    seq = k.Input(shape=(6, 3), name="series")
    x = k.layers.Bidirectional(k.layers.LSTM(2, return_sequences=True))(seq)
    x = k.layers.GRU(2, return_sequences=True)(x)
    x = k.layers.SimpleRNN(2)(x)
    ids = k.Input(shape=(None,), dtype="int32", name="tokens")
    e = k.layers.LSTM(2)(k.layers.Embedding(5, 2)(ids))
    masked = k.Input(shape=(6, 3), name="padded")
    m = k.layers.LSTM(2)(k.layers.Masking(0.0)(masked))
    marked = k.Input(shape=(None,), dtype="int32", name="marked")
    z = k.layers.LSTM(2)(k.layers.Embedding(5, 2, mask_zero=True)(marked))
    return [
        k.Model(seq, k.layers.Dense(1)(x)),
        k.Model(ids, k.layers.Dense(1)(e)),
        k.Model(masked, k.layers.Dense(1)(m)),
        k.Model(marked, k.layers.Dense(1)(z)),
    ]


def _save(model: Any, fmt: str, folder: Path, name: str) -> Path:
    path = folder / f"{name}.{fmt}"
    if fmt == "json":
        path.write_text(model.to_json(), encoding="utf-8")
        model.save_weights(str(folder / f"{name}.weights.h5"))
    else:
        model.save(str(path))
    return path


def _objects(config: Any) -> Iterator[dict[str, Any]]:
    """Every serialised object of a config (a mapping with a class_name)."""
    return (n for n in nodes(config) if isinstance(n.get("class_name"), str))  # type: ignore[misc]


def _written(configs: list[Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Each class's config and module (NO_MODULE where it writes none) as the files
    write them, from the first object of the class."""
    config: dict[str, Any] = {}
    module: dict[str, str] = {}
    for obj in (o for c in configs for o in _objects(c)):
        cls = obj["class_name"]
        if cls not in module:
            module[cls] = obj.get("module") or NO_MODULE
            config[cls] = _unshared(obj["config"]) if isinstance(obj.get("config"), dict) else {}
    return dict(sorted(config.items())), dict(sorted(module.items()))


def _unshared(value: Any) -> Any:
    """A config without its `shared_object_id`s: Python object ids, another in each run
    (the survey's bytes stay the same run to run; survey.py ignores them anyway)."""
    if isinstance(value, dict):
        return {k: _unshared(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, list):
        return [_unshared(v) for v in value]
    return value


def _rewrite(path: Path, fmt: str, config: Any) -> None:
    """The file with its config replaced (weights and everything else kept)."""
    text = json.dumps(config)
    if fmt == "json":
        path.write_text(text, encoding="utf-8")
    elif fmt == "h5":
        import h5py

        with h5py.File(path, "r+") as f:
            f.attrs["model_config"] = text
    else:
        old = path.with_suffix(".old")
        path.rename(old)
        with zipfile.ZipFile(old) as src, zipfile.ZipFile(path, "w") as dst:
            for item in src.infolist():
                data = text.encode() if item.filename == "config.json" else src.read(item)
                dst.writestr(item, data)
        old.unlink()


def _changed(config: Any, cls: str, change: Callable[[dict[str, Any]], None]) -> Any:
    """A copy of the config with every object of the class changed in place."""
    config = json.loads(json.dumps(config))
    for obj in _objects(config):
        if obj["class_name"] == cls:
            change(obj)
    return config


def _module_set(module: str) -> Callable[[dict[str, Any]], None]:
    def change(obj: dict[str, Any]) -> None:
        if module == NO_MODULE:
            obj.pop("module", None)
        else:
            obj["module"] = module

    return change


def _key_set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(obj: dict[str, Any]) -> None:
        if isinstance(obj.get("config"), dict):
            obj["config"][key] = value

    return change


class _Format:
    """This environment's own files of one format, and what it refuses written into them."""

    def __init__(self, k: Any, fmt: str, folder: Path) -> None:
        self.fmt = fmt
        self.files = [_save(m, fmt, folder, f"m{n}") for n, m in enumerate(_models(k))]
        self.configs = [read_model_file(p).config for p in self.files]
        self.loads = [self._loads(p) for p in self.files]
        self.classes = [{o["class_name"] for o in _objects(c)} for c in self.configs]
        self.written, self.modules = _written(self.configs)

    @staticmethod
    def _loads(path: Path) -> bool:
        try:
            load(read_model_file(path))
        except DoesNotLoad:
            return False
        return True

    def refuses(self, cls: str, change: Callable[[dict[str, Any]], None]) -> str | None:
        """What loading this environment's file raises with the class's objects
        changed so (None: it loads, or no file of the class loads here unchanged)."""
        found = [
            (p, c)
            for p, c, loads, classes in zip(
                self.files, self.configs, self.loads, self.classes, strict=True
            )
            if loads and cls in classes
        ]
        if not found:
            return None
        path, config = found[0]
        _rewrite(path, self.fmt, _changed(config, cls, change))
        try:
            load(read_model_file(path))
        except DoesNotLoad as exc:
            return str(exc)
        finally:
            _rewrite(path, self.fmt, config)
        return None


def survey_format(k: Any, fmt: str, folder: Path, known: dict[str, Any]) -> dict[str, Any]:
    own = _Format(k, fmt, folder)
    refused: dict[str, dict[str, dict[str, str]]] = {}
    refused_modules: dict[str, dict[str, dict[str, str]]] = {}
    for other, env in sorted(known.items()):
        for cls, module in sorted(env.get("modules", {}).get(fmt, {}).items()):
            if own.modules.get(cls, module) == module or module in refused_modules.get(cls, {}):
                continue  # written alike, a class this one does not write, or known
            error = own.refuses(cls, _module_set(module))
            if error:
                found = {"as_written_by": other, "error": error}
                refused_modules.setdefault(cls, {})[module] = found
        for cls, config in sorted(env.get("written", {}).get(fmt, {}).items()):
            for key, value in sorted(config.items()):
                mine = own.written.get(cls)
                if cls in MODEL_CLASSES or key in NAMES or mine is None:
                    continue  # a model's graph, a name, or a class this one does not write
                if mine.get(key, object()) == value or key in refused.get(cls, {}):
                    continue  # written alike, or known
                error = own.refuses(cls, _key_set(key, value))
                if error:
                    refused.setdefault(cls, {})[key] = {"as_written_by": other, "error": error}
    return {
        "written": own.written,
        "modules": own.modules,
        "refused": refused,
        "refused_modules": refused_modules,
    }


def survey(known: dict[str, Any]) -> dict[str, Any]:
    k = keras_module()
    found: dict[str, Any] = {"written": {}, "modules": {}, "refused": {}, "refused_modules": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in FORMATS:
            for part, value in survey_format(k, fmt, Path(tmp), known).items():
                found[part][fmt] = value
    layers = sorted(n for n in dir(k.layers) if isinstance(getattr(k.layers, n), type))
    return {"keras": k.__version__, **found, "layer_classes": layers}


def main() -> None:
    doc = json.loads(DATA.read_text(encoding="utf-8")) if DATA.is_file() else {"environments": {}}
    name = Environment.installed().name
    others = {n: e for n, e in doc["environments"].items() if n != name}
    doc["environments"][name] = survey({**others, name: {}})
    DATA.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    env = doc["environments"][name]
    refused = {f: sorted(env["refused"][f]) for f in FORMATS}
    print(f"{DATA}: {name}: refuses keys of {refused}; modules {env['refused_modules']}")


if __name__ == "__main__":
    main()

"""Why a model file will not load in another environment, from the survey of what
each environment refuses of what the others write (rnn_shapes/config_keys.json,
written by scripts/config_keys.py in each environment), read without Keras.

A reason is one of:

- a module path the target cannot import for a class, in the file's format (Keras
  2.13-2.15 write `keras.src.engine.functional` into a `.keras`; Keras 3 writes
  `keras.src.models.functional`; Keras 2's config JSON writes none, which Keras 3's
  `model_from_json` cannot resolve);
- a layer class the target's `keras.layers` lacks, named without a module (an
  `.h5`'s legacy config: a Keras 3 graph's `NotEqual` op);
- a config key, as the file writes it, that the target refused from `from_config`
  (Keras 2's `time_major` in Keras 3; Keras 3's `batch_shape`, dtype policies and
  initializer arguments in Keras 2).

Reasons come in the order a loader meets them (the config depth first, an
object's module and class before its keys), so the first is the error the load
raises; every one must go before the file loads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnn_shapes.environment import Environment, version_tuple
from rnn_shapes.models.files import owned_nodes

SURVEY = Path(__file__).resolve().parent.parent / "config_keys.json"
NO_MODULE = "(none)"  # the survey's key of an object written without a module
MODEL_CLASSES = {"Functional", "Sequential", "Model"}
# keys a wrapper's config holds that are checked as their own objects
NESTED = {"layer", "backward_layer"}


@dataclass(frozen=True)
class Reason:
    """One thing the target refuses in the file: what, where, and what it raised when
    the survey gave it the same thing."""

    kind: str  # "module", "class", "key"
    where: str  # the layer's name, or the class of the object
    cls: str
    subject: str  # the module, class or key
    error: str

    def line(self) -> str:
        what = {
            "module": f"module {self.subject} of {self.cls}",
            "class": f"layer class {self.subject}",
            "key": f"{self.cls} key {self.subject}",
        }[self.kind]
        return f"{self.where}: {what}: {_short(self.error)}"

    def named_in(self, error: str) -> bool:
        """Whether an error Keras raised names this reason (its class, and its module
        or key): how a prediction is checked against a real load."""
        parts = [self.cls] + ([] if self.subject in (NO_MODULE, self.cls) else [self.subject])
        return all(part in error for part in parts)


def _short(error: str, width: int = 160) -> str:
    """An error as a line: the config Keras dumps after it left out."""
    error = error.split(" Full object config")[0].split(" config={")[0]
    return error if len(error) <= width else error[: width - 3] + "..."


def survey_of(target: Environment) -> tuple[dict[str, Any], str | None]:
    """The survey of the target, or of the surveyed environment nearest it of its Keras
    major (said in a note); {} with a note when none is surveyed. Its "writers" are
    every surveyed environment's own configs and modules (what a refusal was written
    as)."""
    try:
        surveyed = json.loads(SURVEY.read_text(encoding="utf-8"))["environments"]
    except (OSError, ValueError, KeyError):
        return {}, f"{SURVEY}: no survey to read"
    writers = {n: {"written": e["written"], "modules": e["modules"]} for n, e in surveyed.items()}
    surveyed = {n: {**e, "writers": writers} for n, e in surveyed.items()}
    if target.name in surveyed:
        return surveyed[target.name], None
    same = [n for n, e in surveyed.items() if e["keras"].split(".")[0] == str(target.keras_major)]
    if not same:
        return {}, f"load reasons: no environment of Keras {target.keras_major} surveyed"
    nearest = min(same, key=lambda n: abs(_num(surveyed[n]["keras"]) - _num(target.keras)))
    return surveyed[nearest], (
        f"load reasons: {target.name} not surveyed (scripts/config_keys.py there); "
        f"{nearest}'s survey is used"
    )


def _num(version: str) -> int:
    major, minor = version_tuple(version)
    return major * 1000 + minor


def load_reasons(config: Mapping[str, Any], fmt: str, survey: Mapping[str, Any]) -> list[Reason]:
    """Every reason the surveyed target will not load a config of this format, in the
    order a loader meets them, each said once."""
    found: list[Reason] = []
    objects = ((o, w) for o, w in owned_nodes(config, "") if isinstance(o.get("class_name"), str))
    for obj, where in objects:  # depth first, in the config's order, with their layer's name
        for reason in _refusals(obj, where, fmt, survey):
            if reason not in found:
                found.append(reason)
    return found


def _refusals(
    obj: Mapping[str, Any], where: str, fmt: str, survey: Mapping[str, Any]
) -> Iterator[Reason]:
    cls = str(obj["class_name"])
    where = where or cls
    module = obj.get("module") or NO_MODULE
    by_module = survey.get("refused_modules", {}).get(fmt, {}).get(cls, {})
    if module in by_module:
        yield Reason("module", where, cls, module, by_module[module]["error"])
    known = set(survey.get("layer_classes", ()))
    if module == NO_MODULE and known and _a_layer(obj) and cls not in known | MODEL_CLASSES:
        yield Reason("class", where, cls, cls, f"{cls} is not a layer class there")
    config = obj.get("config")
    if isinstance(config, Mapping):
        yield from _refused_keys(cls, config, where, fmt, survey)


def _a_layer(obj: Mapping[str, Any]) -> bool:
    """An entry of a model's layer list (it names its inbound nodes), not a serialised
    initializer or policy."""
    return "inbound_nodes" in obj


def _refused_keys(
    cls: str, config: Mapping[str, Any], where: str, fmt: str, survey: Mapping[str, Any]
) -> Iterator[Reason]:
    """The object's config keys, as the file writes them, that the target refused in
    a file of this format."""
    refused = survey.get("refused", {}).get(fmt, {}).get(cls, {})
    writers = survey.get("writers", {})
    for key in sorted(set(config) - NESTED):
        entry = refused.get(key)
        if entry is None:
            continue
        writer = writers.get(entry["as_written_by"], {})
        written = writer.get("written", {}).get(fmt, {}).get(cls, {}).get(key)
        if _same_form(config[key], written):
            yield Reason("key", where, cls, key, entry["error"])


def _same_form(value: Any, written: Any) -> bool:
    """Whether the file writes a key as the refused writer did: a value of the same
    type, or a serialised object of the same layout (the same keys, all the way
    down). The survey tried one value; a key is refused by its form (a list of
    another length is the same `batch_shape`)."""
    return bool(_layout(value) == _layout(written))


def _layout(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _layout(v) for k, v in value.items() if k != "shared_object_id"}
    return type(value).__name__

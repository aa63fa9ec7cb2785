"""advise: what moving a model from one environment to another changes, from the
committed golden sets, the defects file and the config-key survey, without Keras.

The model's file is read as data (models/files.py). For each recurrent layer,
its "like" cases are the committed cases of its configuration: the same layer,
direction, flags and options (sizes and weights aside), with a mask when the
model makes one or without, with initial states where the layer is given them,
stateful where it is, through predict or a direct call, saved in the file's own
format or not saved. Each like case present in both sets is compared: a change
of outcome (a refusal), container, arity, shapes, dtypes, masks, values beyond the
oracle's tolerance (hard_sigmoid's redefinition shows here), and a listed defect
that applies in one environment and not the other.

Config keys (rnn_shapes/config_keys.json, scripts/config_keys.py surveys an
environment): a key of the layer's config, as the file writes it, that the
target refused when the survey gave it to from_config. The prediction "does not
load" follows from any of them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnn_shapes.analysis.compare import load, structural
from rnn_shapes.cases.axes import AXES
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.check import value_problems
from rnn_shapes.defects import concerning
from rnn_shapes.differences import drift
from rnn_shapes.environment import Environment, version_tuple
from rnn_shapes.golden.sets import GoldenSet
from rnn_shapes.models.config import (
    Described,
    LayerConfig,
    describe,
    recurrent_layers,
)
from rnn_shapes.models.files import ModelFile, nodes
from rnn_shapes.models.nominal import SAVED_AS, layer_case, mask_via
from rnn_shapes.models.records import every_record

SURVEY = Path(__file__).resolve().parent.parent / "config_keys.json"
SIZES = {"units", "batch", "timesteps", "features", "weights", "sample"}
# Axes a like case may set whatever the layer's config says (the model may use them).
EITHER = {"predict", "dynamic_time", "call_batch", "mask_via"}


@dataclass
class LayerAdvice:
    config: LayerConfig
    described: Described
    like: int = 0  # like cases committed in both sets
    changes: dict[str, list[str]] = field(default_factory=dict)  # kind -> case ids
    refused_keys: list[str] = field(default_factory=list)


@dataclass
class Advice:
    path: Path
    written_by: str | None
    source: str
    target: str
    layers: list[LayerAdvice]
    survey_note: str | None = None
    unknown_layers: list[str] = field(default_factory=list)  # .h5: classes the target lacks
    seen: list[str] = field(default_factory=list)  # recorded files of its format and writer

    @property
    def changes(self) -> bool:
        return self.unknown_layers != [] or any(a.changes or a.refused_keys for a in self.layers)

    @property
    def loads(self) -> bool:
        """The prediction: no refused key or class, and the recorded files of the same
        format and writer do not all fail in the target."""
        recorded_fail = bool(self.seen) and all(": does not load:" in s for s in self.seen)
        refused = self.unknown_layers or any(a.refused_keys for a in self.layers)
        return not (refused or recorded_fail)


def advise(
    file: ModelFile, source: str, target: str, root: Path, matrix_name: str = "default"
) -> Advice:
    """What moving the model file (read as data) from `source` to `target` changes."""
    a, b = load(source, root, matrix_name), load(target, root, matrix_name)
    layers = recurrent_layers(file.config)
    via = mask_via(file.config)
    masked = via is not None
    survey, note = _survey(b.environment)
    cases = matrix(matrix_name)
    advice = Advice(file.path, file.written_by, a.environment.name, b.environment.name, [], note)
    for layer in layers:
        described = describe(layer)
        item = LayerAdvice(layer, described)
        if described.axes.get("layer"):
            saved = SAVED_AS[file.format]
            like = [c for c in cases if _like(c, described, layer, masked, saved, len(layers))]
            _compare(item, like, a, b)
            _defects(item, layer_case(layer, via, file.format), like + cases, a, b)
        item.refused_keys = _refused(layer, survey)
        advice.layers.append(item)
    if file.format == "h5":
        advice.unknown_layers = _unknown_layers(file.config, survey)
    advice.seen = _seen(root, file.format, file.written_by, b.environment.name)
    return advice


def _line(version: str | None) -> str | None:
    return None if not version else ".".join(str(version).split(".")[:2])


def _seen(root: Path, fmt: str, writer: str | None, target: str) -> list[str]:
    """What the target did with the committed model records' files of this format and
    writer's Keras line (the project's own models/): each one's outcome there."""
    if _line(writer) is None:
        return []
    return [
        f"{r.model['file']} ({r.model['format']}, Keras {r.model['written_by']}): "
        + ("loads" if r.loads else f"does not load: {r.error}")
        for r in every_record(root)
        if r.name == target
        and r.model.get("format") == fmt
        and _line(r.model.get("written_by")) == _line(writer)
    ]


def _unknown_layers(config: Mapping[str, Any], survey: dict[str, Any]) -> list[str]:
    """The layer classes an .h5 config names that the target's keras.layers lacks: the
    legacy loader knows no other (a Keras 3 functional graph records ops, NotEqual say)."""
    known = set(survey.get("layer_classes", ()))
    if not known:
        return []
    named = {
        entry["class_name"]
        for node in nodes(config)
        if isinstance(node.get("config"), Mapping)
        and isinstance(node["config"].get("layers"), list)
        for entry in node["config"]["layers"]
        if isinstance(entry, Mapping) and isinstance(entry.get("class_name"), str)
    }
    return sorted(named - known - {"Functional", "Sequential", "Model"})


def _like(
    case: Case, d: Described, layer: LayerConfig, masked: bool, saved: str, n_layers: int
) -> bool:
    """Whether the committed case is of this layer's configuration (see the docstring)."""
    if case.training:
        return False
    free = {  # axes the model's use decides: the values that fit it
        "mask": lambda v: v is None or masked,
        "initial_state": lambda v: v is None or layer.states_given,
        "state_form": lambda v: v == "keyword" or layer.states_given,
        "stack": lambda v: not v or n_layers > 1,
        "save": lambda v: v in (None, saved),
    }
    for name, axis in AXES.items():
        if name in SIZES or name in EITHER:
            continue
        value = getattr(case, name)
        if name in free:
            if not free[name](value):
                return False
        elif not _same(case, name, value, d.axes.get(name, axis.default)):
            return False
    return True


def _same(case: Case, name: str, value: Any, want: Any) -> bool:
    if name == "reset_after":  # GRU's only; the Case's None is Keras' default
        return case.layer != "GRU" or (AXES[name].default if value is None else value) == want
    if name == "zero_output_for_mask" and (case.mask is None or case.bidirectional):
        return True  # no effect there
    if name in ("dropout", "recurrent_dropout"):
        return bool(value) == bool(want)  # at inference any rate computes the same
    return value == want


def _compare(item: LayerAdvice, like: list[Case], a: GoldenSet, b: GoldenSet) -> None:
    found: dict[str, list[str]] = defaultdict(list)
    env_b = b.environment
    for case in like:
        ra, rb = a.results.get(case.id), b.results.get(case.id)
        if ra is None or rb is None:
            continue
        item.like += 1
        kinds = structural(ra, rb)
        if not kinds and drift(ra, rb) is not None:
            want = tuple(o.astype("float64") for o in ra.outputs)
            if value_problems(case, rb.outputs, want, env_b.backend):
                kinds.append("values change beyond the oracle's tolerance")
        for kind in kinds:
            found[kind].append(case.id)
    item.changes = dict(sorted(found.items()))


def _defects(
    item: LayerAdvice, nominal: Case | None, cases: list[Case], a: GoldenSet, b: GoldenSet
) -> None:
    """Each listed defect of the layer's own configuration (its conditions on the
    nominal case) that one environment has and the other not, with the committed
    cases of its layer it concerns there."""
    if nominal is None:
        return
    da, db = concerning(nominal, a.environment), concerning(nominal, b.environment)
    for found, other, where, kind in ((db, da, b, "applies"), (da, db, a, "no longer applies")):
        for defect in found:
            if defect in other:
                continue
            shown = [
                c.id
                for c in cases
                if c.layer == nominal.layer
                and c.id in where.results
                and defect.applies(c, where.environment)
            ]
            key = f"listed defect {defect.name!r} {kind} to this layer's configuration"
            item.changes.setdefault(key, list(dict.fromkeys(shown)))  # like cases first


def _survey(target: Environment) -> tuple[dict[str, Any], str | None]:
    """The survey of the target, or of the surveyed environment nearest it of its Keras
    major (said in a note); {} with a note when none is surveyed. Its "writers" are
    every surveyed environment's own configs (what a refused key was written as)."""
    try:
        surveyed = json.loads(SURVEY.read_text(encoding="utf-8"))["environments"]
    except (OSError, ValueError, KeyError):
        return {}, f"{SURVEY}: no config-key survey to read"
    writers = {n: e["written"] for n, e in surveyed.items()}
    surveyed = {n: {**e, "writers": writers} for n, e in surveyed.items()}
    if target.name in surveyed:
        return surveyed[target.name], None
    same = [n for n, e in surveyed.items() if e["keras"].split(".")[0] == str(target.keras_major)]
    if not same:
        return {}, f"config keys: no environment of Keras {target.keras_major} surveyed"
    nearest = min(same, key=lambda n: abs(_num(surveyed[n]["keras"]) - _num(target.keras)))
    return surveyed[nearest], (
        f"config keys: {target.name} not surveyed (scripts/config_keys.py there); "
        f"{nearest}'s survey is used"
    )


def _num(version: str) -> int:
    major, minor = version_tuple(version)
    return major * 1000 + minor


def _refused(layer: LayerConfig, survey: dict[str, Any]) -> list[str]:
    """The layer's config keys, as the file writes them, that the target refused."""
    refused, writers = survey.get("refused", {}), survey.get("writers", {})
    said = []

    def check(cls: str, config: dict, where: str) -> None:
        for key in sorted(set(config) - {"layer", "backward_layer"}):  # those: by their own keys
            entry = refused.get(cls, {}).get(key)
            if entry is None:
                continue
            written = writers.get(entry["as_written_by"], {}).get(cls, {}).get(key)
            if _same_form(config[key], written):
                said.append(f"{where} ({cls}): {key}: {entry['error']}")

    cls = layer.class_name
    check(cls, dict(layer.config), layer.path)
    if cls == "Bidirectional":
        for part in ("layer", "backward_layer"):
            inner = layer.config.get(part)
            if isinstance(inner, dict):
                check(
                    str(inner.get("class_name")),
                    dict(inner.get("config", {})),
                    f"{layer.path}.{part}",
                )
    return said


def _same_form(value: Any, written: Any) -> bool:
    """Whether the file writes a key as the refused writer did: the same value, or a
    serialised object of the same layout (the same keys, all the way down)."""
    if isinstance(value, dict) or isinstance(written, dict):
        return _layout(value) == _layout(written)
    return bool(value == written)


def _layout(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _layout(v) for k, v in value.items() if k != "shared_object_id"}
    return type(value).__name__


def render(advice: Advice) -> str:
    by = f", written by Keras {advice.written_by}" if advice.written_by else ""
    lines = [f"advise: {advice.path}{by}", f"from {advice.source} to {advice.target}"]
    for item in advice.layers:
        d = item.described
        lines += ["", f"{item.config.path} ({d.what}): {item.like} like cases committed in both"]
        if not item.changes:
            lines.append("  nothing changes in them")
        for kind, ids in item.changes.items():
            n = f"{len(ids)} case{'s' * (len(ids) != 1)}"
            lines.append(f"  {kind}: {n}, e.g. {', '.join(ids[:2])}")
        lines += [f"  note: {n.line()}" for n in d.notes]
    keys = [k for item in advice.layers for k in item.refused_keys]
    lines += ["", f"config keys {advice.target} will not accept:"]
    lines += [f"  {k}" for k in keys] or ["  none"]
    if advice.survey_note:
        lines.append(f"  ({advice.survey_note})")
    if advice.unknown_layers:
        lines += ["", f"layer classes {advice.target}'s .h5 loader does not know:"]
        lines += [f"  {name}" for name in advice.unknown_layers]
    if advice.seen:
        lines += ["", f"the committed records' files of its format and writer, in {advice.target}:"]
        lines += [f"  {s}" for s in advice.seen]
    why = "a key or a class above is refused, or such files do not load there"
    lines += ["", "predicted: " + ("loads" if advice.loads else f"does not load ({why})")]
    return "\n".join(lines) + "\n"

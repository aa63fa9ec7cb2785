"""A model config's recurrent layers, and each layer's configuration on the harness's
axes, without Keras.

`check-model` reads the live layer's get_config() through the same mapping, and
`advise` reads only the file (models/files.py reads it as data), so both mean the
same by a layer.

Every option of a layer's config is accounted for (OPTIONS): an axis of the
harness, harmless for the forward pass (an initializer: the weights are read; a
regularizer or a constraint: training only), or not modelled, which the check
reports as one line naming the layer and the option, and then does not judge the
layer's values. An option the table does not know is reported too, and judged
as if it were absent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from rnn_shapes.cases.axes import ACTIVATIONS, DTYPES, LAYERS, RECURRENT_ACTIVATIONS

WRAPPERS = ("TimeDistributed",)  # a recurrent layer inside is checked on what it is given
# Recurrent layers the harness has no oracle for: found, reported, not judged.
_UNMODELLED_RNNS = ("RNN", "CuDNNLSTM", "CuDNNGRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")
# Every class a model's walk stops at (a config's here, a loaded model's in keras/model.py).
RECURRENT = (*LAYERS, "Bidirectional", *_UNMODELLED_RNNS)
MODELS = ("Functional", "Sequential", "Model")  # a nested model's layers are walked


@dataclass(frozen=True)
class Note:
    """An option of a layer that rnn-shapes does not model, and what that means."""

    layer: str
    option: str
    value: Any
    harmless: bool
    why: str

    def line(self) -> str:
        verdict = "harmless" if self.harmless else "not modelled"
        return f"{self.layer}: {self.option}={self.value!r}: {verdict}: {self.why}"


@dataclass(frozen=True)
class LayerConfig:
    """A recurrent layer of a model's config: where it sits (outer names joined by
    '/'), its class and its config (a Bidirectional's, with the wrapped layer's)."""

    path: str
    class_name: str
    config: Mapping[str, Any]
    wrappers: tuple[str, ...] = ()
    states_given: bool = False  # called with initial states (another layer's, say)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Described:
    """A layer on the harness's axes: Case fields (no sizes), and the notes."""

    axes: Mapping[str, Any]
    notes: tuple[Note, ...] = field(default=())

    @property
    def judged(self) -> bool:
        """False when an option that changes the values is not modelled."""
        return all(n.harmless for n in self.notes)

    @property
    def what(self) -> str:
        """The layer in a few words: 'Bidirectional(LSTM 3) concat, seq', 'GRU 4 ra0'."""
        a = self.axes
        if not a.get("layer"):
            return "not modelled"
        core = f"{a['layer']} {a.get('units')}"
        if a["layer"] == "GRU" and a.get("reset_after") is False:
            core += " ra0"
        if a.get("bidirectional"):
            core = f"Bidirectional({core}) {a.get('merge_mode')}"
        flags = [
            flag
            for flag, on in (
                ("seq", "return_sequences"),
                ("state", "return_state"),
                ("back", "go_backwards"),
            )
            if a.get(on)
        ]
        return core + (", " + " ".join(flags) if flags else "")


def recurrent_layers(config: Mapping[str, Any]) -> list[LayerConfig]:
    """Every recurrent layer of a model config, in the config's order: SimpleRNN, LSTM,
    GRU and Bidirectional (around any of them), inside nested models and wrappers too."""
    return list(_walk(config, "", (), top=True))


def _walk(
    entry: Mapping[str, Any], prefix: str, wrappers: tuple[str, ...], top: bool = False
) -> Iterator[LayerConfig]:
    cls = entry.get("class_name")
    config = entry.get("config") or {}
    name = config.get("name") or entry.get("name") or str(cls)
    path = f"{prefix}{name}"
    if cls in RECURRENT:
        yield LayerConfig(path, str(cls), config, wrappers, _states_given(entry))
    elif cls in WRAPPERS and isinstance(config.get("layer"), Mapping):
        yield from _walk(config["layer"], f"{path}/", (*wrappers, str(cls)))
    elif isinstance(config.get("layers"), list):
        outer = "" if top else f"{path}/"  # the model's own layers go by their names
        for layer in config["layers"]:
            yield from _walk(layer, outer, wrappers)


def _states_given(entry: Mapping[str, Any]) -> bool:
    """Whether a functional config calls the layer with initial states: Keras 3 writes
    them as `initial_state` (or a second argument), Keras 2 as more inbound tensors."""
    for node in entry.get("inbound_nodes") or []:
        if isinstance(node, Mapping):  # Keras 3: {"args": [...], "kwargs": {...}}
            if (node.get("kwargs") or {}).get("initial_state") or len(node.get("args") or []) > 1:
                return True
        elif isinstance(node, list) and len(node) > 1:  # Keras 2: [[name, i, j, kw], ...]
            return True
    return False


def mask_sources(config: Mapping[str, Any]) -> list[str]:
    """The layers of a config that make a mask: Masking, Embedding(mask_zero=True)."""
    found = []

    def visit(entry: Mapping[str, Any]) -> None:
        cls, cfg = entry.get("class_name"), entry.get("config") or {}
        if cls == "Masking" or (cls == "Embedding" and cfg.get("mask_zero")):
            found.append(str(cfg.get("name", cls)))
        for inner in cfg.get("layers", []) if isinstance(cfg.get("layers"), list) else []:
            visit(inner)
        if isinstance(cfg.get("layer"), Mapping):
            visit(cfg["layer"])

    visit(config)
    return found


# What each option of a recurrent layer's config is to the harness: an axis (the
# Case field it sets), harmless (why), or a value check. Keras 2 and 3 alike.
AXIS_OPTIONS = {
    "units": "units",
    "return_sequences": "return_sequences",
    "return_state": "return_state",
    "go_backwards": "go_backwards",
    "reset_after": "reset_after",
    "use_bias": "use_bias",
    "unit_forget_bias": "unit_forget_bias",
    "dropout": "dropout",
    "recurrent_dropout": "recurrent_dropout",
    "unroll": "unroll",
    "zero_output_for_mask": "zero_output_for_mask",
}
HARMLESS = {
    "name": "a name",
    "trainable": "training only",
    "kernel_initializer": "the weights are read from the model",
    "recurrent_initializer": "the weights are read from the model",
    "bias_initializer": "the weights are read from the model",
    "kernel_regularizer": "training only: no effect on the forward pass",
    "recurrent_regularizer": "training only: no effect on the forward pass",
    "bias_regularizer": "training only: no effect on the forward pass",
    "activity_regularizer": "training only: no effect on the forward pass",
    "kernel_constraint": "training only: no effect on the forward pass",
    "recurrent_constraint": "training only: no effect on the forward pass",
    "bias_constraint": "training only: no effect on the forward pass",
    "seed": "dropout's seed: dropout acts in training only",
    "implementation": "how the gates are batched (a speed trade-off), not what they compute",
    "use_cudnn": "which kernel runs, not what it computes",
    "time_major": "False: the (batch, time, features) layout the harness uses",
    "stateful": "checked on one call from reset states",
    "batch_input_shape": "the input's shape: the check uses the one the layer receives",
    "input_shape": "the input's shape: the check uses the one the layer receives",
    "input_dim": "the input's shape: the check uses the one the layer receives",
    "batch_size": "the input's shape: the check uses the one the layer receives",
    "batch_shape": "the input's shape: the check uses the one the layer receives",
    "autocast": "the dtype policy is read instead",
    "cell": "the cell of the class named",
}
# The harmless options a note names when they are set (the others never matter here).
_NOTED = {k for k in HARMLESS if k.endswith(("_regularizer", "_constraint"))} | {"stateful"}


def describe(layer: LayerConfig) -> Described:
    """The layer's Case fields (layer, direction, flags, options, dtype) and a note
    for each option the harness does not model."""
    if layer.class_name in _UNMODELLED_RNNS:
        note = Note(layer.path, "class", layer.class_name, False, "no oracle for this layer")
        return Described({}, (note,))
    config = dict(layer.config)
    notes: list[Note] = []
    axes: dict[str, Any] = {}
    if layer.class_name == "Bidirectional":
        inner, axes = _bidirectional(layer, config, notes)
    else:
        inner = {"class_name": layer.class_name, "config": config}
    axes |= _recurrent(layer.path, inner, notes)
    if layer.wrappers:
        notes.append(
            Note(
                layer.path,
                "wrapped in",
                "/".join(layer.wrappers),
                True,
                "the layer is checked on each call its wrapper makes",
            )
        )
    return Described(axes, tuple(notes))


def _bidirectional(
    layer: LayerConfig, config: dict[str, Any], notes: list[Note]
) -> tuple[Mapping[str, Any], dict[str, Any]]:
    forward = config.get("layer") or {}
    axes: dict[str, Any] = {"bidirectional": True, "merge_mode": config.get("merge_mode")}
    backward = config.get("backward_layer")
    if isinstance(backward, Mapping):
        fcfg, bcfg = forward.get("config", {}), backward.get("config", {})
        same = {"name", "go_backwards", "units", "dtype"}
        if backward.get("class_name") != forward.get("class_name") or bcfg.get("units") != fcfg.get(
            "units"
        ):
            axes["backward_layer"] = backward.get("class_name")
            axes["backward_units"] = bcfg.get("units")
        differ = sorted(
            k
            for k in set(fcfg) | set(bcfg)
            if k not in same
            and k not in HARMLESS
            and fcfg.get(k) != bcfg.get(k)
            and not (
                axes.get("backward_layer")
                and k in ("reset_after", "unit_forget_bias", "recurrent_activation")
            )
        )
        for key in differ:
            notes.append(
                Note(
                    layer.path,
                    f"backward_layer.{key}",
                    bcfg.get(key),
                    False,
                    "the backward layer's options are taken to be the forward layer's",
                )
            )
    for key in sorted(set(config) - {"layer", "backward_layer", "merge_mode", "weights"}):
        _account(layer.path, key, config[key], notes, {}, outer=True)
    return forward, axes


def _recurrent(path: str, entry: Mapping[str, Any], notes: list[Note]) -> dict[str, Any]:
    cls = entry.get("class_name")
    config = dict(entry.get("config") or {})
    axes: dict[str, Any] = {"layer": cls}
    if cls not in LAYERS:
        notes.append(Note(path, "layer", cls, False, "no oracle for this layer"))
        return axes
    for key in sorted(config):
        _account(path, key, config[key], notes, axes)
    if cls != "GRU":
        axes.pop("reset_after", None)
    if cls != "LSTM":
        axes.pop("unit_forget_bias", None)
    return axes


def _account(
    path: str, key: str, value: Any, notes: list[Note], axes: dict[str, Any], outer: bool = False
) -> None:
    """One option: onto an axis, or a note (harmless, or not modelled)."""
    if key == "dtype":
        _dtype(path, value, notes, axes)
    elif outer:  # a Bidirectional's own options beyond its layers
        if key not in HARMLESS:
            notes.append(Note(path, key, value, True, "unknown to rnn-shapes: judged as if absent"))
    elif key in ("activation", "recurrent_activation"):
        _activation(path, key, value, notes, axes)
    elif key in AXIS_OPTIONS:
        axes[AXIS_OPTIONS[key]] = value
    elif key == "time_major" and value:
        notes.append(Note(path, key, value, False, "time-major inputs are not modelled"))
    elif key in HARMLESS:
        if key in _NOTED and value not in (None, False):
            notes.append(Note(path, key, _short(value), True, HARMLESS[key]))
    else:
        notes.append(
            Note(path, key, _short(value), True, "unknown to rnn-shapes: judged as if absent")
        )


def _dtype(path: str, value: Any, notes: list[Note], axes: dict[str, Any]) -> None:
    name = policy_name(value)
    if name in DTYPES:
        axes["dtype"] = name
    elif name is not None:
        notes.append(Note(path, "dtype", name, False, f"not one of the dtypes modelled {DTYPES}"))


def _activation(path: str, key: str, value: Any, notes: list[Note], axes: dict[str, Any]) -> None:
    name = value if isinstance(value, str) else None
    allowed = ACTIVATIONS if key == "activation" else RECURRENT_ACTIVATIONS
    if name in allowed:
        axes[key] = name
    else:
        notes.append(
            Note(path, key, _short(value), False, f"not one of the activations modelled {allowed}")
        )


def _short(value: Any) -> Any:
    """A serialised object by its class name, so a note stays one line."""
    if isinstance(value, Mapping) and "class_name" in value:
        return value["class_name"]
    return value


def policy_name(value: Any) -> str | None:
    """A dtype policy's name as a config writes it: a string (Keras 2, early Keras 3)
    or a serialised policy ({"class_name": "DTypePolicy", "config": {"name": ...}})."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        inner = value.get("config")
        if isinstance(inner, Mapping) and isinstance(inner.get("name"), str):
            return inner["name"]
    return str(value)

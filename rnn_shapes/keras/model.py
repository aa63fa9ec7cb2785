"""A user's model with Keras: loaded as its file says, run once on the probe batch
with every recurrent layer's calls observed, and each layer's own weights read.

Observed, not rebuilt: each recurrent layer's `call` is wrapped on the instance
for the one run (and unwrapped after), so what is recorded is what the layer was
given inside the model (its input, the mask Keras handed it, the initial states
another layer gave it) and what it returned. The weights are read, never
changed; the file is never written.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnn_shapes.cases.masks import mask_text
from rnn_shapes.cases.weights import GATES, GateWeights
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.keras.backend import attached_mask, keras_module, lift_safe_mode, to_numpy
from rnn_shapes.keras.build import rnn_layers
from rnn_shapes.keras.run import reset_states
from rnn_shapes.models.config import RECURRENT, WRAPPERS
from rnn_shapes.models.files import ModelFile, custom_objects
from rnn_shapes.models.probe import InputSpec
from rnn_shapes.models.trust import code_in
from rnn_shapes.result import container_name, error_text


@dataclass
class Observed:
    """One call of a recurrent layer inside the model, as NumPy."""

    inputs: np.ndarray
    mask: np.ndarray | None  # what the call was given
    input_mask: np.ndarray | None  # attached to the input tensor (a Masking/Embedding above)
    initial_state: list[np.ndarray] | None
    state_form: str  # "keyword" or "positional"
    container: str
    outputs: tuple[np.ndarray, ...]
    received: tuple[str | None, ...]  # the mask attached to each returned tensor
    # what compute_mask says of the mask the rules say it is given, or its error
    handed_on: tuple[str | None, ...] | str | None = None


@dataclass
class Run:
    """The model's outputs on the probe batch and each recurrent layer's calls."""

    container: str
    outputs: tuple[np.ndarray, ...]
    calls: dict[str, list[Observed]] = field(default_factory=dict)


class DoesNotLoad(Exception):
    """Keras refused to load the model: an outcome of this environment, not bad input."""


def load(file: ModelFile) -> Any:
    """The model as this Keras loads it. Keras' refusal raises DoesNotLoad (its
    message as a stable line); a custom object nobody can import is bad input.

    A file that carries code reaches here only once the user trusts it
    (models/trust.py refused it before): then Keras' safe_mode is lifted too."""
    keras = keras_module()
    custom = custom_objects(file.config)
    unsafe = bool(code_in(file.config))
    try:
        if file.format == "json":
            if unsafe:  # a config's lambda is deserialised only so
                lift_safe_mode(keras)
            model = keras.models.model_from_json(json.dumps(file.config))
            model.load_weights(str(file.weights))
        else:
            model = keras.models.load_model(str(file.path), compile=False, **_unsafe(keras, unsafe))
    except Exception as exc:  # what each version raises is the finding
        if custom:
            raise RnnShapesError(
                f"{file.path}: needs custom objects that are not importable here: "
                f"{', '.join(custom)} ({type(exc).__name__})"
            ) from None
        raise DoesNotLoad(error_text(exc)) from None
    return model


def _unsafe(keras: Any, unsafe: bool) -> dict[str, bool]:
    """load_model's keyword lifting safe_mode, where this Keras has one (Keras 2.12's
    has none, and no safe mode for .h5 at all)."""
    takes = "safe_mode" in inspect.signature(keras.models.load_model).parameters
    return {"safe_mode": False} if unsafe and takes else {}


def input_specs(model: Any) -> list[InputSpec]:
    """The model's inputs as declared: shape (None where open) and dtype."""
    return [
        InputSpec(
            tuple(None if n is None else int(n) for n in tensor.shape),
            str(getattr(tensor.dtype, "name", tensor.dtype)),
        )
        for tensor in model.inputs
    ]


def recurrent_instances(model: Any) -> dict[str, tuple[Any, tuple[str, ...]]]:
    """Every recurrent layer of the loaded model by its path (outer names joined by
    '/', as models.config names them), with the wrappers around it: Bidirectional
    as one layer, inside nested models and TimeDistributed too."""
    return dict(_walk(getattr(model, "layers", []), "", ()))


def _walk(
    layers: list[Any], prefix: str, wrappers: tuple[str, ...]
) -> Iterator[tuple[str, tuple[Any, tuple[str, ...]]]]:
    for child in layers:
        name = f"{prefix}{child.name}"
        kind = type(child).__name__
        if kind in RECURRENT:
            yield name, (child, wrappers)
        elif kind in WRAPPERS:
            yield from _walk([child.layer], f"{name}/", (*wrappers, kind))
        elif hasattr(child, "layers"):
            yield from _walk(child.layers, f"{name}/", wrappers)


def run_observed(model: Any, batch: list[np.ndarray], layers: Mapping[str, Any]) -> Run:
    """One run of the model on the probe batch, each layer in `layers` observed.
    Stateful layers are reset first (their states, not their weights)."""
    seen: dict[str, list[tuple[tuple, dict, Any]]] = {path: [] for path in layers}
    for path, layer in layers.items():
        if getattr(layer, "stateful", False):
            reset_states(layer)
        layer.__dict__["call"] = _spy(layer.call, seen[path])
    try:
        raw = model(batch if len(batch) > 1 else batch[0], training=False)
    finally:
        for layer in layers.values():
            layer.__dict__.pop("call", None)
    container = container_name(raw)
    outs = tuple(to_numpy(t) for t in (raw if container != "tensor" else (raw,)))
    run = Run(container, outs)
    for path, calls in seen.items():
        run.calls[path] = [_observed(layers[path], *call) for call in calls]
    return run


def _spy(call: Any, into: list) -> Any:
    def spy(*args: Any, **kwargs: Any) -> Any:
        out = call(*args, **kwargs)
        into.append((args, dict(kwargs), out))
        return out

    return spy


def _observed(layer: Any, args: tuple, kwargs: dict, out: Any) -> Observed:
    x = args[0] if args else kwargs.get("sequences", kwargs.get("inputs"))
    states = kwargs.get("initial_state")
    form = "keyword"
    if states is None and len(args) > 1:
        states, form = args[1], "positional"
    if states is not None and not isinstance(states, (list, tuple)):
        states = [states]
    mask = kwargs.get("mask")
    container = container_name(out)
    tensors = list(out) if container != "tensor" else [out]
    received = tuple(_text(attached_mask(t)) for t in tensors)
    handed: tuple[str | None, ...] | str | None = None
    asked = mask if mask is not None else attached_mask(x)  # what the rules say it is given
    if asked is not None:
        try:
            raw = layer.compute_mask(x, asked)
            flat = raw if isinstance(raw, (list, tuple)) else [raw]
            handed = tuple(_text(m) for m in flat)[: len(tensors)]
            handed += (None,) * (len(tensors) - len(handed))
        except Exception as exc:  # whatever Keras raises is the finding
            handed = error_text(exc)
    return Observed(
        inputs=to_numpy(x),
        mask=_bool(mask),
        input_mask=_bool(attached_mask(x)),
        initial_state=None if states is None else [to_numpy(s) for s in states],
        state_form=form,
        container=container,
        outputs=tuple(to_numpy(t) for t in tensors),
        received=received,
        handed_on=handed,
    )


def _bool(mask: Any) -> np.ndarray | None:
    return None if mask is None else to_numpy(mask).astype(bool)


def _text(mask: Any) -> str | None:
    return None if mask is None else mask_text(to_numpy(mask))


def layer_weights(layer: Any) -> tuple[dict[str, GateWeights], ...]:
    """Each direction's weights gate by gate (forward first), read from its cell:
    the packed (D, G*U) kernels split back into gates (keras/build.py packs them)."""
    return tuple(unpacked(rnn) for rnn in rnn_layers(layer))


def unpacked(rnn: Any) -> dict[str, GateWeights]:
    """A recurrent layer's weights, split per gate as the oracle reads them."""
    cell = rnn.cell
    kind = type(rnn).__name__
    units = int(cell.units)
    kernel = _array(cell.kernel)
    recurrent = _array(cell.recurrent_kernel)
    gates = GATES[kind]
    bias = _array(cell.bias) if getattr(cell, "bias", None) is not None else None
    if bias is None:
        bias = np.zeros((len(gates) * units,))
    rbias = np.zeros_like(bias) if kind == "GRU" and getattr(cell, "reset_after", False) else None
    if bias.ndim == 2:  # GRU reset_after: input bias, then recurrent bias
        bias, rbias = bias[0], bias[1]
    cols = [slice(g * units, (g + 1) * units) for g in range(len(gates))]
    return {
        gate: GateWeights(
            kernel[:, c], recurrent[:, c], bias[c], None if rbias is None else rbias[c]
        )
        for gate, c in zip(gates, cols, strict=True)
    }


def _array(variable: Any) -> np.ndarray:
    value = variable.numpy() if hasattr(variable, "numpy") else to_numpy(variable)
    return np.asarray(value, dtype=np.float64)

"""The case that names a model's recurrent layer: one home for check-model (from
what a call of the layer received) and advise (from the config alone).

Its axes come from the layer's config (models.config.describe); the sizes,
mask and initial states from the call. `zero_output_for_mask` is named only
where it is the layer's own choice: with a mask, and not inside Bidirectional,
which sets it on both directions to their `return_sequences` (keras
layers/rnn/bidirectional.py, force_zero_output_for_mask), so a saved config
holds the wrapper's value, not the user's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from rnn_shapes.cases.case import Case
from rnn_shapes.models.config import LayerConfig, describe, mask_sources, recurrent_layers
from rnn_shapes.models.files import ModelFile, nodes

# advise names a layer without running it: at the probe batch's rows and steps
# (models.probe), nominal features, and a right-padded mask where the model
# makes one (the probe pads the end)
NOMINAL_SHAPE = (3, 5, 4)
NOMINAL_MASK = "right"
# The Case's save axis of each model file format: the file is the saved model
SAVED_AS = {"keras": "keras", "h5": "h5", "json": "config"}


def nominal_case(
    axes: Mapping[str, Any],
    shape: tuple[int, ...],
    mask: str | None = None,
    mask_via: str | None = None,
    states: dict[str, Any] | None = None,
) -> Case:
    """The Case of the layer's axes given an input of this shape (batch, time,
    features), with this mask pattern given this way ("call", "layer",
    "embedding") and these initial-state fields. ValueError where none can be
    named: no oracle for the layer, an input of another rank, a field out of
    range or missing."""
    if not axes.get("layer"):
        raise ValueError("no oracle for this layer")
    if len(shape) != 3:
        raise ValueError(f"an input of rank {len(shape)}, not (batch, time, features)")
    b, t, d = shape
    fields = dict(axes, batch=b, timesteps=t, features=d)
    if mask is None or fields.get("bidirectional"):
        fields.pop("zero_output_for_mask", None)
    if mask is not None:
        fields |= {"mask": mask, "mask_via": mask_via}
    fields |= states or {}
    try:
        return Case(**fields)
    except TypeError as exc:  # a field the config does not give
        raise ValueError(f"the config does not name the case: {exc}") from None


def mask_via(config: Mapping[str, Any]) -> str | None:
    """How the model's mask reaches its recurrent layers: None (no mask), "embedding"
    (every mask from an Embedding(mask_zero=True)), else "layer" (a Masking layer)."""
    if not mask_sources(config):
        return None
    masking = any(node.get("class_name") == "Masking" for node in nodes(config))
    return "layer" if masking else "embedding"


def layer_case(layer: LayerConfig, via: str | None, file_format: str | None = None) -> Case | None:
    """The case that names the layer from its config alone, at nominal sizes, saved as
    the file is (its `save` axis, where the Case allows one); None where none can be
    named. advise's, and what a file that does not load is matched against."""
    states = {"initial_state": "input"} if layer.states_given else None
    mask = None if via is None else NOMINAL_MASK
    try:
        case = nominal_case(describe(layer).axes, NOMINAL_SHAPE, mask, via, states)
    except ValueError:
        return None
    if file_format is None:
        return case
    try:
        return dataclasses.replace(case, save=SAVED_AS[file_format])
    except ValueError:  # a case that names no save (a rule of the Case)
        return case


def saved_cases(file: ModelFile) -> list[Case]:
    """Each recurrent layer's case, as saved in the file's format: the cases whose
    listed defects a file that does not load may show."""
    via = mask_via(file.config)
    found = (layer_case(layer, via, file.format) for layer in recurrent_layers(file.config))
    return [case for case in found if case is not None]

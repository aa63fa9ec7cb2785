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

from collections.abc import Mapping
from typing import Any

from rnn_shapes.cases.case import Case

# advise names a layer without running it: at the probe batch's rows and steps
# (models.probe), nominal features, and a right-padded mask where the model
# makes one (the probe pads the end)
NOMINAL_SHAPE = (3, 5, 4)
NOMINAL_MASK = "right"


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

"""The model cache: one built model serves every case of its configuration.

An object, not module state, so a test or a long-lived process can start from
empty (`reset`) or hold a cache of its own; `default_cache` is the process's.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import numpy as np

from rnn_shapes.cases.case import Case, Constant
from rnn_shapes.keras.backend import keras_module
from rnn_shapes.keras.build import assign_all, functional_model


def model_key(case: Case) -> Case:
    """Cases that differ only in weights, batch size, input values or mask pattern
    (data, not structure) share a model."""
    mask = None if case.mask is None else "none"
    # constant initial states are (B, U) arrays fixed in the graph, and a stateful
    # model has a fixed batch size: the batch stays
    batch = case.batch if case.initial_state == "constant" or case.keeps_states else 1
    return replace(
        case, batch=batch, weights="distinct", sample=None, mask=mask, predict=False, save=None
    )


# Models built for one layer configuration serve every case that differs only
# in weights, batch size or input values. Building costs as much as a short call.
# A model is built with Constant initializers (the case's own, or the tutorials'
# for a distinct case) and remembers the weights Keras' initializers gave it: a
# Constant case runs on exactly those (restored if a distinct case was assigned
# since), a distinct case gets its weights assigned.
@dataclass
class _Shared:
    model: Any
    layers: list[Any]  # its recurrent layers, input first
    constant: Constant  # the initializers it was built with
    initialized: list[np.ndarray]  # the weights those initializers produced
    assigned: bool = False  # distinct weights were assigned since


class ModelCache:
    """The last `kept` models (by `model_key`) and the configurations Keras refused.

    Every `clear_every` builds it forgets its models and clears Keras' session
    (global graph state and name counters), which is global to the process.
    """

    def __init__(self, kept: int = 4, clear_every: int = 250) -> None:
        self.kept = kept
        self.clear_every = clear_every  # builds between keras.backend.clear_session() calls
        self._models: OrderedDict[Case, _Shared] = OrderedDict()
        # Keras refuses a configuration, whatever the weights or batch: asked once each.
        self._refusals: dict[Case, str] = {}
        self._builds = 0

    def reset(self) -> None:
        """Forget every model, refusal and build; Keras' session is left as it is."""
        self._models.clear()
        self._refusals.clear()
        self._builds = 0

    def refusal(self, case: Case) -> str | None:
        """The error Keras gave the case's configuration, if it refused it before."""
        return self._refusals.get(model_key(case))

    def remember_refusal(self, case: Case, error: str) -> None:
        """Remember that Keras refused the case's configuration with `error`."""
        self._refusals[model_key(case)] = error

    def model(self, case: Case) -> Any:
        """The model of the case's configuration, holding the case's weights."""
        shared = self._shared(case)
        if case.weights == "distinct":
            assign_all(case, shared.layers)
            shared.assigned = True
        elif shared.assigned:  # back to what Keras' Constant initializers produced
            shared.model.set_weights(shared.initialized)
            shared.assigned = False
        return shared.model

    def _shared(self, case: Case) -> _Shared:
        """The model of the case's configuration, built once and kept a while (built
        again for a Constant case of other values than it was built with)."""
        key = model_key(case)
        constant = case.weights if isinstance(case.weights, Constant) else Constant()
        entry = self._models.get(key)
        if entry is not None and (entry.constant == constant or case.weights == "distinct"):
            self._models.move_to_end(key)
            return entry
        self._builds += 1
        if self._builds % self.clear_every == 0:  # forget global graph state and name counters
            self._models.clear()
            keras_module().backend.clear_session()
        model, layers = functional_model(replace(case, weights=constant), initializers=True)
        self._models[key] = _Shared(model, layers, constant, model.get_weights())
        while len(self._models) > self.kept:
            self._models.popitem(last=False)
        return self._models[key]


@cache
def default_cache() -> ModelCache:
    """The process's cache, made on first use: what run_keras uses unless given one."""
    return ModelCache()

"""The model cache is an object: one model per configuration, a cache of its own
apart from the process's, and reset() forgets what it holds."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rnn_shapes import Case
from rnn_shapes.keras.cache import ModelCache

SHAPE = dict(units=3, batch=2, timesteps=5, features=2, return_sequences=True, return_state=True)


def test_a_refusal_is_kept_per_configuration_until_reset():
    cache = ModelCache()
    case = Case(layer="LSTM", **SHAPE)
    cache.remember_refusal(case, "ValueError: refused")
    assert cache.refusal(replace(case, batch=4)) == "ValueError: refused"  # data, not structure
    assert cache.refusal(replace(case, layer="GRU")) is None
    cache.reset()
    assert cache.refusal(case) is None


@pytest.mark.keras
def test_a_cache_of_its_own_serves_one_model_per_configuration(rnn_session):
    from rnn_shapes.keras.cache import default_cache
    from rnn_shapes.keras.run import run_keras

    cache = ModelCache()
    case = Case(layer="GRU", **SHAPE)
    model = cache.model(case)
    assert cache.model(replace(case, batch=3)) is model  # another batch: the same model
    assert default_cache().model(case) is not model
    mine, default = run_keras(case, cache=cache), run_keras(case)
    assert mine.outcome == default.outcome == "ok"
    for a, b in zip(mine.outputs, default.outputs, strict=True):
        np.testing.assert_array_equal(a, b)
    cache.reset()
    assert cache.model(case) is not model

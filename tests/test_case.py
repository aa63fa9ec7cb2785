"""Case validation, ids and the matrices."""

from __future__ import annotations

import pytest

from rnn_shapes import Case, Constant, matrix
from rnn_shapes.cases.matrix import DEFAULT_SHAPES, MATRICES, grid

BASE = dict(layer="LSTM", units=3, batch=2, timesteps=5, features=1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"units": 0}, "units"),
        ({"batch": -1}, "batch"),
        ({"timesteps": 2.5}, "timesteps"),
        ({"features": True}, "features"),
        ({"layer": "Transformer"}, "layer"),
        ({"reset_after": True}, "reset_after"),
        ({"layer": "GRU", "reset_after": "yes"}, "reset_after"),
        ({"bidirectional": True, "merge_mode": "max"}, "merge_mode"),
        ({"merge_mode": "sum"}, "merge_mode"),
        ({"return_state": 1}, "return_state"),
        ({"weights": "random"}, "weights"),
        ({"weights": Constant(float("nan"), 0.1, 0.0)}, "weights"),
        ({"sample": "seed999"}, "sample"),
        ({"sample": "seed002"}, "sample"),
    ],
)
def test_impossible_case_names_the_field(changes, field):
    with pytest.raises(ValueError, match=rf"field '{field}'"):
        Case(**{**BASE, **changes})


def test_id_is_readable_and_stable():
    case = Case(
        **BASE,
        bidirectional=True,
        merge_mode=None,
        return_state=True,
        weights=Constant(0.1, 0.1, 0.0),
    )
    assert case.id == "LSTM-bi-none-seq0-state1-fwd-B2T5D1U3-k0.1r0.1b0"
    gru = Case(**{**BASE, "layer": "GRU"}, reset_after=False, go_backwards=True)
    assert gru.id == "GRU-ra0-uni-seq0-state0-back-B2T5D1U3-distinct"


@pytest.mark.parametrize("name", MATRICES)
def test_ids_unique(name):
    ids = [c.id for c in matrix(name)]
    assert len(ids) == len(set(ids))


def test_default_matrix_covers_the_space():
    cases = matrix("default")
    assert {c.id for c in grid(DEFAULT_SHAPES)} <= {c.id for c in cases}  # the whole grid
    shapes = {(c.batch, c.timesteps, c.features, c.units) for c in cases if c.sample is None}
    assert {(2, 5, 1, 3), (4, 30, 1, 3), (1, 4, 5, 3)} <= shapes
    assert any(b == 1 and t == 1 for b, t, _, _ in shapes)
    assert {c.layer_tag for c in cases} == {"SimpleRNN", "LSTM", "GRU-ra0", "GRU-ra1"}
    assert {c.direction for c in cases} == {
        "uni",
        "bi-concat",
        "bi-sum",
        "bi-mul",
        "bi-ave",
        "bi-none",
    }
    assert {c.weights_tag for c in cases} >= {"distinct", "k0.1r0.1b0"}
    assert {(c.return_sequences, c.return_state, c.go_backwards) for c in cases} == {
        (a, b, g) for a in (False, True) for b in (False, True) for g in (False, True)
    }
    assert {c.sample for c in cases} == {None, "seed002", "seed004"}


def test_smoke_is_the_tutorials_table_and_full_contains_default():
    smoke = [c for c in matrix("smoke") if c.sample is None]
    assert len(smoke) == 3 * 2 * 2 * 2
    full = matrix("full")
    assert {c.id for c in matrix("default")} <= {c.id for c in full}
    assert max(c.features for c in full) == 64
    assert max(c.units for c in full) == 64
    tokens_beyond = [c for c in full if c.timesteps > 100]  # an Embedding case beyond its table
    assert [(c.mask_via, c.timesteps) for c in tokens_beyond] == [("embedding", 130)]
    assert max(c.timesteps for c in full if c not in tokens_beyond) == 100


def test_unknown_matrix():
    with pytest.raises(ValueError, match="unknown matrix 'huge'"):
        matrix("huge")


def test_tolerance_is_fixed_on_default_and_grows_with_work():
    from rnn_shapes.tolerance import ATOL, RTOL, tolerance

    float32 = [c for c in matrix("default") if c.dtype == "float32"]
    wide = [c for c in float32 if c.features + c.units > 8]  # the tutorials' LSTM(20) stack
    assert {c.units for c in wide} == {20}
    long = [c for c in float32 if c.timesteps > 30]  # an Embedding case beyond its table
    assert {(c.timesteps, tolerance(c)) for c in long} == {
        (130, (ATOL * 130 / 30, RTOL * 130 / 30))
    }
    assert {tolerance(c) for c in float32 if c not in wide + long} == {(ATOL, RTOL)}
    assert {tolerance(c) for c in wide} == {(ATOL * 21 / 8, RTOL * 21 / 8)}
    big = max((c for c in matrix("full") if c.dtype == "float32"), key=lambda c: tolerance(c)[0])
    assert (big.timesteps, big.features, big.units) == (100, 64, 64)
    assert tolerance(big)[0] == pytest.approx(ATOL * 16 * 100 / 30)


def test_gru_reset_after_defaults_as_in_keras():
    """Keras' GRU has reset_after=True by default; so does a Case that leaves it out."""
    gru = Case(**{**BASE, "layer": "GRU"})
    assert gru.reset_after is True
    assert gru == Case(**{**BASE, "layer": "GRU"}, reset_after=True)
    assert gru.id.startswith("GRU-ra1-")
    assert Case(**BASE).reset_after is None  # no such option outside GRU


def test_numpy_integers_and_booleans_are_accepted():
    import numpy as np

    plain = Case(**BASE, bidirectional=True, return_state=True)
    from_numpy = Case(
        layer="LSTM",
        units=np.int64(3),
        batch=np.int32(2),
        timesteps=np.uint8(5),
        features=np.int16(1),
        bidirectional=np.bool_(True),
        return_state=np.True_,
    )
    assert from_numpy == plain and hash(from_numpy) == hash(plain)
    assert from_numpy.id == plain.id and type(from_numpy.units) is int
    with pytest.raises(ValueError, match="field 'units'"):
        Case(**{**BASE, "units": np.float64(3.0)})

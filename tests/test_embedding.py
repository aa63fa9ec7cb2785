"""The mask of token ids: Embedding(mask_zero=True) as a way of giving a mask."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rnn_shapes.cases.blocks import embedding_cases, kept_apart_cases
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.embedding import table, token_ids, tokens_of, vocabulary
from rnn_shapes.cases.inputs import inputs, second_inputs
from rnn_shapes.cases.masks import MASK_VALUE, mask_of, masked_inputs
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.cases.path_blocks import path_cases
from rnn_shapes.cases.paths import longer
from rnn_shapes.oracle import run_oracle
from rnn_shapes.report.code import model_code

CASE = Case(
    layer="LSTM",
    units=3,
    batch=3,
    timesteps=5,
    features=2,
    return_sequences=True,
    mask="right",
    mask_via="embedding",
)


def test_the_table_has_a_distinct_row_per_token_and_padding_apart():
    t = table(2)
    assert t.shape == (vocabulary(), 2) and t.dtype == np.float32
    assert len({row.tobytes() for row in t}) == vocabulary()
    assert (t[0] == MASK_VALUE).all() and (np.abs(t[1:]) <= 1).all()


def test_tokens_are_zero_exactly_where_the_pattern_masks_and_name_the_inputs_rows():
    ids = token_ids(CASE)
    assert ((ids != 0) == mask_of(CASE)).all()
    np.testing.assert_array_equal(table(2)[ids], masked_inputs(CASE))
    np.testing.assert_array_equal(tokens_of(CASE, masked_inputs(CASE)), ids)
    reversed_ids = tokens_of(CASE, masked_inputs(CASE, second_inputs(CASE)))
    assert ((reversed_ids != 0) == mask_of(CASE)).all()  # the mask stays the case's
    long = longer(replace(CASE, dynamic_time=True))
    np.testing.assert_array_equal(inputs(long)[:, :5], inputs(CASE))  # the same rows first
    with pytest.raises(ValueError, match="rows of its table"):
        tokens_of(CASE, np.full((3, 5, 2), 0.3, np.float32))


def test_the_oracle_reads_an_embedding_case_as_a_masking_case_of_its_rows():
    as_masking = replace(CASE, mask_via="layer")
    want = run_oracle(as_masking, masked_inputs(as_masking, inputs(CASE)))
    for got, expected in zip(run_oracle(CASE), want, strict=True):
        np.testing.assert_allclose(got, expected, rtol=0, atol=0)


def test_the_rules_bound_an_embedding_case():
    with pytest.raises(ValueError, match="only a masked case"):
        replace(CASE, mask=None)
    assert replace(CASE, batch=9, timesteps=130).id  # any size: the tokens go round the table
    with pytest.raises(ValueError, match="rows of an embedding"):
        Case(
            layer="LSTM",
            units=3,
            batch=1,
            timesteps=4,
            features=5,
            sample="seed002",
            mask="hole",
            mask_via="embedding",
        )


def test_the_default_matrix_gives_token_masks_to_every_layer_and_direction():
    cases = [c for c in matrix("default") if c.mask_via == "embedding"]
    # the token-mask block whole, the rest from the model-path slice and the block of
    # combinations the designs keep apart (a table's size, a stateful two-length call)
    block, paths = {c.id for c in embedding_cases()}, {c.id for c in path_cases()}
    apart = {c.id for c in kept_apart_cases()}
    assert block <= {c.id for c in cases} <= block | paths | apart
    assert {(c.layer_tag, c.direction) for c in cases} >= {
        (layer, d)
        for layer in ("SimpleRNN", "LSTM", "GRU-ra1", "GRU-ra0")
        for d in ("uni", "bi-concat", "bi-none")
    }
    assert {"initial state", "stack", "stateful", "dynamic time", "save/load", "predict"} <= {
        f for c in cases for f in c.families
    }
    assert all(c.id.count("_by_embedding") == 1 for c in cases)


def test_the_sites_code_shows_the_embedding():
    code = model_code(CASE)
    assert "keras.Input(shape=(5,), dtype='int32')" in code
    assert f"keras.layers.Embedding({vocabulary()}, 2, mask_zero=True)(x_in)" in code


@pytest.mark.keras
def test_a_wrong_table_is_caught(monkeypatch):
    """Break on purpose: the Keras side's table one row off."""
    import rnn_shapes.keras.build as build
    from rnn_shapes.environment import Environment
    from rnn_shapes.judge import Judge
    from rnn_shapes.keras.run import run_keras

    judge = Judge(Environment.installed())
    assert judge(CASE, run_keras(CASE, reuse=False)).agrees
    monkeypatch.setattr(build, "table", lambda d: np.roll(table(d), 1, axis=0))
    verdict = judge(CASE, run_keras(CASE, reuse=False))
    assert not verdict.agrees and "oracle" in verdict.failed_aspects()

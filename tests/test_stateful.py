"""stateful=True: three calls, the second from the states the first left, the third
after a reset equal to the first; by construction in the oracle and live."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_shapes import Case, run_oracle
from rnn_shapes.cases.axes import Constant
from rnn_shapes.cases.blocks import stateful_cases
from rnn_shapes.cases.inputs import inputs, second_inputs
from rnn_shapes.cases.signature import expected_rejection, signature
from rnn_shapes.cases.states import initial_states
from rnn_shapes.oracle import layer_call, run_direction

SHAPE = dict(units=3, batch=3, timesteps=5, features=2, return_sequences=True, return_state=True)


@pytest.mark.parametrize("layer", ["SimpleRNN", "LSTM", "GRU"])
def test_second_call_starts_where_the_first_ended_and_a_reset_restarts(layer):
    case = Case(layer=layer, stateful=True, mask="right", mask_via="call", **SHAPE)
    outs = run_oracle(case)
    per_call = len(outs) // 3
    first, second, third = outs[:per_call], outs[per_call : 2 * per_call], outs[2 * per_call :]
    for a, b in zip(first, third, strict=True):
        np.testing.assert_array_equal(a, b)  # reset_states(): the first call again
    x2 = second_inputs(case).astype(np.float64)
    from rnn_shapes.cases.masks import mask_of

    zero = case.zero_output_for_mask
    seq, _ = run_direction(case, x2, 0, False, mask_of(case), zero, list(first[1:]))
    np.testing.assert_array_equal(second[0], seq)
    fresh, _ = run_direction(case, x2, 0, False, mask_of(case), zero)
    assert not np.allclose(second[0], fresh)  # the carry matters
    assert not np.array_equal(second_inputs(case), inputs(case))


def test_signature_repeats_each_call():
    case = Case(layer="LSTM", stateful=True, **SHAPE)
    sig = signature(case)
    assert sig.arity == 9 and sig.names[:3] == ("call1 output", "call1 h", "call1 c")
    assert sig.names[3] == "call2 output" and sig.shapes[:3] == sig.shapes[6:]


def _calls(case: Case, keras_major: int) -> list[tuple[np.ndarray, ...]]:
    outs = run_oracle(case, keras_major=keras_major)
    per = len(outs) // 3
    return [outs[k * per : (k + 1) * per] for k in range(3)]


def _from(case: Case, x: np.ndarray, h0: list[np.ndarray] | None) -> tuple[np.ndarray, ...]:
    """One call of the case's layer on `x` from `h0` (zeros: None), not stateful."""
    outs, _ = layer_call(case, np.asarray(x, np.float64), (h0, None))
    return outs


@pytest.mark.parametrize("layer", ["SimpleRNN", "LSTM", "GRU"])
def test_stateful_with_initial_states_starts_each_call_from_them_in_keras3_only(layer):
    """Keras 3 starts every call of a stateful layer from the initial states it is
    given; Keras 2 only while the states it stored are all zero."""
    case = Case(layer=layer, stateful=True, initial_state="input", **SHAPE)
    h0 = initial_states(case)
    x, x2 = inputs(case), second_inputs(case)
    first3, second3, third3 = _calls(case, 3)
    first2, second2, third2 = _calls(case, 2)
    stored = list(_from(case, x, h0)[1:])  # return_state: the states the first call left
    for got, want in [(first3, _from(case, x, h0)), (second3, _from(case, x2, h0))]:
        np.testing.assert_allclose(got[0], want[0], atol=1e-12)
    np.testing.assert_allclose(second2[0], _from(case, x2, stored)[0], atol=1e-12)
    assert not np.allclose(second2[0], second3[0])
    np.testing.assert_allclose(third2[0], first2[0], atol=1e-12)  # a reset: zeros, so h0 again
    np.testing.assert_allclose(third3[0], first3[0], atol=1e-12)


def test_keras2_takes_the_given_states_again_while_the_stored_ones_are_zero():
    """A relu SimpleRNN (one unit: h = relu(x - h_prev)) whose first call ends at 0:
    Keras 2 starts the second call from h0 again, as Keras 3 does, not from 0."""
    case = Case(layer="SimpleRNN", units=1, batch=1, timesteps=2, features=1,
                return_sequences=True, activation="relu", weights=Constant(1.0, -1.0, 0.0),
                stateful=True, initial_state="input")  # fmt: skip
    (h0,) = initial_states(case)
    x = np.array([[[-0.1], [0.1]]])
    assert max(0.0, 0.1 - max(0.0, -0.1 - h0[0, 0])) == 0.0  # the first call stores 0
    k2, k3 = run_oracle(case, x, keras_major=2), run_oracle(case, x, keras_major=3)
    assert k2[0][0, -1, 0] == 0.0
    np.testing.assert_allclose(k2[1][0, 0, 0], max(0.0, 0.1 - h0[0, 0]), atol=1e-12)
    for a, b in zip(k2, k3, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "changes",
    [dict(stateful=False, call_batch=1), dict(call_batch=3), dict(call_batch=0)],
    ids=["not stateful", "the same batch", "no rows"],
)
def test_impossible_other_batch_names_the_field(changes):
    with pytest.raises(ValueError, match="field 'call_batch'"):
        Case(layer="LSTM", **{**SHAPE, "stateful": True, **changes})


def test_another_batch_size_is_a_refusal_by_rule_with_no_values():
    case = Case(layer="LSTM", stateful=True, call_batch=1, **SHAPE)
    assert case.id.endswith("-stateful-call_B1")
    assert expected_rejection(case, 3, "tensorflow") == "batch size"
    assert expected_rejection(case, 2, "tensorflow") == "is incompatible with the layer"
    assert signature(case).shapes[0] == (1, 5, 3)  # the one call, at its own batch
    assert run_oracle(case) == ()


def test_error_text_is_stable_across_layer_counters():
    from rnn_shapes.result import error_text

    def raised(n: int) -> ValueError:
        return ValueError(
            f"Exception encountered when calling layer 'model_{n}' (type Functional).\n\n"
            f'\x1b[1mInput 0 of layer "lstm_{n}" is incompatible\x1b[0m\n\n'
            f"Call arguments received by layer 'model_{n}':\n  • inputs=tf.Tensor(...)"
        )

    assert (
        error_text(raised(3))
        == error_text(raised(12))
        == ('ValueError: Input 0 of layer "lstm" is incompatible')
    )


def test_error_text_is_stable_across_runs():
    """Keras 3.2-3.13 raise a KeyError keyed by a styled object id for a backward layer
    with other states: the recorded line must not change from one run to the next, on
    Linux (15 digits) or elsewhere (fewer)."""
    from rnn_shapes.result import error_text, stable_text

    def raised(obj_id: int) -> KeyError:
        return KeyError(
            f"\n\n\x1b[1m{obj_id}\x1b[0m\n\nArguments received by Bidirectional.call():\n"
            "  • args=('<KerasTensor shape=(None, 5, 2)>',)"
        )

    lines = {error_text(raised(n)) for n in (140610934609808, 140101508735056, 4377654032)}
    assert lines == {'KeyError: " <id>'}  # as recorded in the sets of Keras 3.3-3.13
    # a line recorded before stable_text reads the same after it
    old = 'KeyError: "\\n\\n\\x1b[1m140330338363664\\x1b[0m\\n\\n'
    assert stable_text(old) == 'KeyError: " <id>'
    # a message cut at 300 characters ends without the space it was cut after
    long = ValueError("word " * 100)
    assert not error_text(long).endswith(" ") and len(error_text(long)) <= 312


LIVE = stateful_cases()[::5]  # 5 is prime: no aliasing with the axes (asserted below)


def test_live_slice_covers_the_axes():
    assert {c.layer_tag for c in LIVE} == {"SimpleRNN", "LSTM", "GRU-ra1", "GRU-ra0"}
    assert {c.direction for c in LIVE} == {"uni", "bi-concat", "bi-none"}
    assert {c.mask for c in LIVE} == {None, "right", "left"}
    assert {c.return_state for c in LIVE} == {False, True}
    assert {c.call_batch for c in LIVE} == {None, 1, 4}


@pytest.mark.keras
@pytest.mark.parametrize("case", LIVE, ids=[c.id for c in LIVE])
def test_stateful_case_agrees_with_keras(case, rnn_session):
    verdict = rnn_session.live(case)
    assert verdict.agrees, verdict.explain()


def test_a_traced_function_error_keeps_its_raise_not_this_machine_s_frames():
    """tf.function errors carry the traceback ('in user code:' then each frame's path
    and line); the golden line keeps what the last frame raised, the same on every
    machine and release."""
    from rnn_shapes.result import error_text

    frames = (
        'in user code:\n\n    File "/home/me/.tox/tf214/lib/keras/engine/training.py", line 2416,'
        " in predict_function  *\n        return step_function(self, iterator)\n\n"
        "    TypeError: Input 'b' of 'MatMul' Op has type float32 that does not match float64\n"
    )
    other = frames.replace("/home/me/.tox/tf214", "/ci/tf215").replace("2416", "2440")
    line = error_text(TypeError(frames))
    assert line == error_text(TypeError(other))
    assert line == (
        "TypeError: in user code: TypeError: Input 'b' of 'MatMul' Op has type float32 "
        "that does not match float64"
    )
    layered = (
        frames.replace(
            "TypeError: Input",
            "TypeError: Exception encountered when calling layer 'gru_3' "
            "(type GRU).\n    \n    Input",
        )
        + "    \n    Call arguments received by layer 'gru_3' (type GRU):\n      inputs=x\n"
    )
    assert error_text(TypeError(layered)) == line  # Keras' call-site preamble and dump go

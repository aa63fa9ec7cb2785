"""The oracle alone: small cases worked by hand, the tutorials' numbers, isolation."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from rnn_shapes import Case, Constant, inputs, run_oracle
from rnn_shapes.cases.weights import direction_weights
from rnn_shapes.check import value_problems
from rnn_shapes.oracle import Held, rounding_spread
from rnn_shapes.tolerance import values_as_call


def sig(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a))


def one_unit(layer: str, t: int, w: Constant, **kw) -> Case:
    return Case(
        layer=layer,
        units=1,
        batch=1,
        timesteps=t,
        features=1,
        weights=w,
        return_sequences=True,
        **kw,
    )


def test_simple_rnn_by_hand():
    case = one_unit("SimpleRNN", 2, Constant(0.5, 0.25, 0.125))
    x0, x1 = inputs(case)[0, :, 0].astype(float)
    h1 = math.tanh(0.5 * x0 + 0.125)
    h2 = math.tanh(0.5 * x1 + 0.25 * h1 + 0.125)
    np.testing.assert_allclose(run_oracle(case)[0].ravel(), [h1, h2], rtol=1e-12)


def test_lstm_by_hand():
    k, r, b = 0.5, 0.3, 0.2
    case = one_unit("LSTM", 2, Constant(k, r, b), return_state=True)
    x0, x1 = inputs(case)[0, :, 0].astype(float)
    a = k * x0 + b  # i, c, o share it; f has Keras' forget bias of 1 (irrelevant: c0 = 0)
    c1 = sig(a) * math.tanh(a)
    h1 = sig(a) * math.tanh(c1)
    a2 = k * x1 + r * h1 + b
    f2 = sig(k * x1 + r * h1 + 1.0)
    c2 = f2 * c1 + sig(a2) * math.tanh(a2)
    h2 = sig(a2) * math.tanh(c2)
    seq, h, c = run_oracle(case)
    np.testing.assert_allclose(seq.ravel(), [h1, h2], rtol=1e-12)
    np.testing.assert_allclose([h.item(), c.item()], [h2, c2], rtol=1e-12)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_by_hand(reset_after):
    k, r, b = 0.5, -0.4, 0.25
    case = one_unit("GRU", 2, Constant(k, r, b), reset_after=reset_after)
    xs = inputs(case)[0, :, 0].astype(float)
    h = 0.0
    expected = []
    for x in xs:
        if reset_after:  # a recurrent bias b sits beside the input bias b
            z = sig(k * x + b + r * h + b)
            rr = sig(k * x + b + r * h + b)
            n = math.tanh(k * x + b + rr * (r * h + b))
        else:
            z = sig(k * x + b + r * h)
            rr = sig(k * x + b + r * h)
            n = math.tanh(k * x + b + r * (rr * h))
        h = z * h + (1 - z) * n
        expected.append(h)
    np.testing.assert_allclose(run_oracle(case)[0].ravel(), expected, rtol=1e-12)


def test_go_backwards_returns_walking_order():
    case = Case(
        layer="SimpleRNN",
        units=2,
        batch=2,
        timesteps=3,
        features=2,
        return_sequences=True,
        go_backwards=True,
        return_state=True,
    )
    seq, h = run_oracle(case)
    x = inputs(case).astype(float)
    first = run_oracle(
        Case(layer="SimpleRNN", units=2, batch=2, timesteps=1, features=2), x[:, -1:, :]
    )[0]
    np.testing.assert_allclose(seq[:, 0], first, rtol=1e-12)  # first step saw the last input
    np.testing.assert_allclose(seq[:, -1], h, rtol=1e-12)


@pytest.mark.parametrize("merge", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_is_forward_and_flipped_backward(merge):
    """With Constant weights both directions share weights, so a Bidirectional
    equals a forward layer and a go_backwards layer flipped back, merged."""
    shape = dict(
        layer="LSTM",
        units=2,
        batch=2,
        timesteps=4,
        features=3,
        weights=Constant(0.3, -0.2, 0.1),
        return_sequences=True,
    )
    fwd = run_oracle(Case(**shape))[0]
    back = run_oracle(Case(**shape, go_backwards=True))[0][:, ::-1]
    bi = run_oracle(Case(**shape, bidirectional=True, merge_mode=merge))
    expected = {
        "concat": (np.concatenate([fwd, back], -1),),
        "sum": (fwd + back,),
        "mul": (fwd * back,),
        "ave": ((fwd + back) / 2,),
        None: (fwd, back),
    }[merge]
    assert len(bi) == len(expected)
    for got, want in zip(bi, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_tutorial_bidirectional_lstm_numbers():
    """Seeds 002/003 print these float32 values for Bidirectional(LSTM(3)) with
    Constant(0.1, 0.1, 0) on their 1x4x5 input; printed to 7-8 digits."""
    case = Case(
        layer="LSTM",
        units=3,
        batch=1,
        timesteps=4,
        features=5,
        bidirectional=True,
        return_sequences=True,
        return_state=True,
        sample="seed002",
        weights=Constant(0.1, 0.1, 0.0),
    )
    seq, fh, _, bh, _ = run_oracle(case)
    fwd = [0.35906473, 0.5511133, 0.59115744, 0.63031393]
    bwd = [0.7038734, 0.58863586, 0.3951699, 0.21942244]
    np.testing.assert_allclose(seq[0, :, 0], fwd, atol=1e-7)
    np.testing.assert_allclose(seq[0, :, 3], bwd, atol=1e-7)
    np.testing.assert_allclose(fh.ravel(), [0.63031393] * 3, atol=1e-7)
    np.testing.assert_allclose(bh.ravel(), [0.7038734] * 3, atol=1e-7)


def test_distinct_weights_differ_where_constant_ones_cannot():
    case = Case(layer="LSTM", units=3, batch=1, timesteps=1, features=2, bidirectional=True)
    fwd, bwd = direction_weights(case, 0), direction_weights(case, 1)
    kernels = [fwd[g].kernel for g in "ifco"]
    for a in range(4):
        for b in range(a + 1, 4):
            assert not np.array_equal(kernels[a], kernels[b])  # per gate
    assert len({tuple(col) for col in kernels[0].T}) == 3  # per unit
    assert len({tuple(row) for row in kernels[0]}) == 2  # per input feature
    assert not np.array_equal(fwd["i"].kernel, bwd["i"].kernel)  # per direction
    assert not np.array_equal(fwd["i"].recurrent, bwd["i"].recurrent)


def test_inputs_are_deterministic_and_exact():
    case = Case(layer="GRU", units=2, batch=3, timesteps=7, features=4, reset_after=True)
    x = inputs(case)
    assert x.dtype == np.float32 and x.shape == (3, 7, 4)
    np.testing.assert_array_equal(x, inputs(case))
    assert np.all(np.abs(x) <= 1.0)
    np.testing.assert_array_equal(x * 1024, np.round(x * 1024))  # multiples of 1/1024
    assert len({row.tobytes() for row in x}) == 3  # batch rows differ
    assert len({step.tobytes() for step in x[0]}) == 7  # time steps differ


ISOLATED = textwrap.dedent("""
    import sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"tensorflow", "keras", "tf_keras", "jax", "torch"}:
                raise ImportError("blocked: " + name)
    sys.meta_path.insert(0, Block())
    import rnn_shapes
    from rnn_shapes import matrix, run_oracle, signature
    for case in matrix("smoke"):
        outs = run_oracle(case)
        assert tuple(o.shape for o in outs) == signature(case).shapes, case.id
    assert not any(m.split(".")[0] in {"tensorflow", "keras"} for m in sys.modules)
    print("isolated ok")
""")


def test_oracle_never_imports_tensorflow_or_keras():
    out = subprocess.run([sys.executable, "-c", ISOLATED], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "isolated ok" in out.stdout


def test_nan_and_infinity_are_never_within_tolerance():
    """A comparison with NaN is False, so `|got - want| > bound` alone passes NaN: a
    NaN from Keras, or a finite value where the equations overflow, is a values
    problem; the same infinity, or NaN where the oracle has NaN, is not."""
    case = Case(layer="SimpleRNN", units=2, batch=1, timesteps=2, features=1)
    want = (np.array([[1.0, np.inf]]),)
    for got, off in (
        ([[np.nan, np.inf]], True),
        ([[1.0, 3.0]], True),
        ([[1.0, -np.inf]], True),
        ([[1.0, np.inf]], False),
    ):
        problems = value_problems(case, (np.array(got),), want)
        assert bool(problems) == off, got
    assert value_problems(case, (np.array([[np.nan, 1.0]]),), (np.array([[np.nan, 1.0]]),)) == []


@pytest.mark.parametrize(
    ("dtype", "want", "got", "off"),
    [
        ("float32", 2.6e214, np.inf, False),  # beyond float32: only inf can come back
        ("float32", 2.6e214, np.nan, False),  # an inf made NaN further on
        ("float32", 2.6e214, -np.inf, True),  # the wrong sign
        ("float32", 2.6e214, 3.4e38, True),  # a finite value where none fits
        ("float32", 3.0e38, np.inf, True),  # within float32: inf is an error
        ("mixed_float16", 7.0e4, np.inf, False),  # beyond float16's 65504
        ("mixed_float16", 6.0e4, np.inf, True),
        ("float64", 2.6e214, np.inf, True),
    ],
)
def test_a_value_beyond_the_compute_dtype_may_come_back_as_overflow(dtype, want, got, off):
    case = Case(layer="SimpleRNN", units=1, batch=1, timesteps=1, features=1, dtype=dtype)
    problems = value_problems(case, (np.array([[got]]),), (np.array([[want]]),))
    assert bool(problems) == off


def test_predict_is_held_to_the_value_tolerance_not_to_ulps_of_the_output():
    """A cancellation: 51 bfloat16 ULPs of a 1e-3 output (1.9e-4), within the mixed
    case's tolerance and far outside a float32 case's (2e-6)."""
    called = np.array([[1.0e-3, 0.5]])
    predicted = called + np.array([[1.9e-4, 0.0]])
    for dtype, same in (("mixed_bfloat16", True), ("float32", False)):
        case = Case(layer="LSTM", units=2, batch=1, timesteps=2, features=1, dtype=dtype)
        assert values_as_call(case, predicted, called) is same
        assert not values_as_call(case, called + 0.5, called)  # another computation
        assert values_as_call(case, called + 1e-7, called)  # a rounding or two
        infinite = np.array([[np.inf, 0.5]])
        assert not values_as_call(case, called, infinite)  # no tolerance reaches across inf
        assert not values_as_call(case, -infinite, infinite)
        assert values_as_call(case, infinite, infinite)
    # a float64 layer on JAX computes in float32: held to float32's tolerance there
    f64 = Case(layer="LSTM", units=2, batch=1, timesteps=2, features=1, dtype="float64")
    assert not values_as_call(f64, called + 1e-7, called)
    assert values_as_call(f64, called + 1e-7, called, "jax")


def test_rounding_spread_allows_what_float32_rounding_alone_moves():
    """A linear LSTM over 30 steps amplifies float32 rounding beyond any tolerance fixed
    by shape: the oracle held in float32 (as Keras computes) is 3e-3 off at 1e3. The
    spread allows that, not a hundred times it, and is a few ULPs for a tame case."""
    case = Case(
        layer="LSTM", units=3, batch=2, timesteps=30, features=3, return_sequences=True,
        activation="linear", recurrent_activation="linear", weights=Constant(0.5, 0.3, 0.0),
    )  # fmt: skip
    exact = run_oracle(case)
    held = run_oracle(case, precision=Held(np.float32))
    got = tuple(h.astype(np.float32) for h in held)
    assert value_problems(case, got, exact)  # beyond the tolerance by shape alone
    spread = rounding_spread(case)
    assert value_problems(case, got, exact, spread=lambda: spread) == []
    worst = np.unravel_index(int(np.argmax(spread[0])), spread[0].shape)
    wrong = got[0].copy()
    wrong[worst] += np.float32(100 * spread[0][worst])  # far beyond what rounding moves
    (problem,) = value_problems(case, (wrong,), exact, spread=lambda: spread)
    assert "rounding spread" in problem.text
    tame = Case(layer="LSTM", units=3, batch=2, timesteps=5, features=2, return_sequences=True)
    assert max(float(s.max()) for s in rounding_spread(tame)) < 1e-6


def test_where_rounding_moves_a_value_by_itself_any_finite_value_is_as_good():
    from rnn_shapes.tolerance import off

    got, want = np.array([5.0, np.nan, 1.0]), np.array([1.0, 1.0, 1.2])
    _, bad = off(got, want, 1e-6, 1e-6, np.inf, np.array([2.0, 2.0, 0.1]))
    assert bad.tolist() == [False, True, True]  # NaN never; 0.2 off beyond 0.1 allowed
    _, bad = off(got, want, 1e-6, 1e-6, np.inf, np.array([0.5, 0.5, 0.5]))
    assert bad.tolist() == [True, True, False]
    # a small value within a wide tolerance is still held to it: 5.0 is not 0.012
    _, bad = off(np.array([5.0]), np.array([0.012]), 0.13, 0.13, np.inf, np.array([0.02]))
    assert bad.tolist() == [True]


def test_predict_is_held_to_the_call_only_where_rounding_settles_the_values():
    """values_as_call False is a problem for a tame case, and recorded, not asserted,
    where rounding alone moves the values beyond the tolerance (a compiled and an
    op-by-op run round differently)."""
    from rnn_shapes.environment import Environment
    from rnn_shapes.judge import Judge
    from rnn_shapes.result import Result

    env = Environment(tensorflow="2.21.0", keras="3.15.1", backend="tensorflow")
    shape = dict(units=3, batch=2, features=3, return_sequences=True, predict=True)
    wild = Case(
        layer="LSTM", timesteps=30, activation="linear", recurrent_activation="linear",
        weights=Constant(0.5, 0.3, 0.0), **shape,
    )  # fmt: skip
    tame = Case(layer="LSTM", timesteps=5, **shape)
    for case, asserted in ((wild, False), (tame, True)):
        held = run_oracle(case, precision=Held(np.float32))
        outputs = tuple(h.astype(np.float32) for h in held)
        facts = {"container_as_call": True, "values_as_call": False}
        result = Result(case.id, "ok", "tensor", outputs, ("float32",), facts=facts)
        verdict = Judge(env)(case, result)
        assert not [p for p in verdict.problems if p.aspect == "oracle"]
        said = [p.expected for p in verdict.problems if p.kind == "fact"]
        assert ({"values_as_call": True} in said) is asserted, case.id

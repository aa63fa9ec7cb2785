"""Every threshold the harness judges numbers by, and the distances it measures.

One home for them, so a verdict, a golden comparison, compare's buckets and the
runner's predict fact cannot drift apart.

- Values against the float64 oracle (`tolerance`): float32 keeps 24 bits (unit
  roundoff 6e-8); each step rounds dot products of D + U terms, and the error of
  one step is carried into the next. On the default matrix (D + U <= 8, T <= 30)
  deviations stay near 1e-7 (the largest seen is 1.5e-7), and ATOL = RTOL = 2e-6
  leave a margin of over 10x. Larger shapes accumulate more: the tolerance grows
  with the terms per dot product and with the steps, e.g. 1.1e-4 at T = 100,
  D = U = 64, where Constant weights (every unit identical, so the rounding
  errors add up coherently) reach 6e-6. A swapped gate, a swapped state or a
  missing reversal moves values by 1e-3 or more.
- Other precisions scale with their unit roundoff u (half the gap between 1 and
  the next number: 2^-p for p significant bits), the same count of roundings:
  ATOL is about 34 u of float32. float64 layers: 3.7e-15 (before the size
  factor); mixed_float16 computes in float16 (u = 2^-11): 0.016; mixed_bfloat16
  in bfloat16 (u = 2^-8): 0.13, which sees a wrong definition or a swapped
  direction, not a swapped gate (float32 cases do that).
- predict against the direct call (`PREDICT_ULPS`): predict runs a compiled
  function (tf.function, jax.jit) where the direct call runs op by op; the same
  arithmetic, fused or reordered, may round differently in the last bit or two
  (seen: 1 ULP under mixed_bfloat16 and in stacks on TF 2.21). A wrong
  container, a dropped state or another computation is far more. The
  `values_as_call` fact holds predict to the value tolerance instead: a
  cancellation makes a few roundings many ULPs of a small output.
- Overflow (`LARGEST`): where the float64 oracle's value is beyond what the
  compute dtype holds (an exploding relu or linear recurrence: 2.6e214 where
  float32 ends at 3.4e38), Keras can only give inf or NaN; a non-finite value
  there agrees, a finite one does not.
- Amplified rounding (`spread_allowance`): a recurrence that explodes (linear or relu
  under large weights, values of 1e5 and more) or runs chaotic carries one rounding of an
  early step into a change of a later value far beyond any tolerance fixed by shape
  (relative 1e-3 and more in float32, seen on every backend). Where a value is off, the
  judge measures how far rounding alone moves it: the same equations held in a lower
  precision, with the weights as they are and jittered (oracle.rounding_spread, HELD);
  SPREAD_FACTOR times that, scaled to the compute dtype, is allowed beside the
  tolerance; where that reaches the value itself and exceeds the tolerance, the dtype
  vouches for none of its digits and any finite value is as good (an exploding
  mixed_bfloat16 GRU: 322 against the exact 132). A well-conditioned case's spread is a
  few float32 ULPs, so a wrong gate, state or direction stays far outside it.
- Two environments' values (`ULP_BUCKETS`, compare): identical, within 1 ULP,
  within predict's 4 ULPs, or more.
"""

from __future__ import annotations

import numpy as np

from rnn_shapes.cases.case import Case
from rnn_shapes.cases.signature import output_dtype

ATOL = 2e-6
RTOL = 2e-6

# Significant bits of each output dtype (the implicit leading bit included): its unit
# roundoff is 2^-bits, and one ULP at scale s is 2^(floor(log2 s) - bits + 1).
SIGNIFICANT_BITS = {"float64": 53, "float32": 24, "float16": 11, "bfloat16": 8}

PREDICT_ULPS = 4

# Rounding's own spread, as far as the oracle held in a lower precision moves
# (oracle.rounding_spread): a value within this many spreads (scaled to the compute
# dtype) of the exact one is as near as the dtype can say (`spread_allowance`).
SPREAD_FACTOR = 4

# The largest finite value of each compute dtype: an exact value beyond it cannot be
# held, and Keras' inf (or the NaN an inf makes) there is overflow, not an error.
LARGEST = {"float64": 1.7976931348623157e308, "float32": 3.4028234663852886e38,
           "float16": 65504.0, "bfloat16": 3.3895313892515355e38}  # fmt: skip

# (largest ULP distance, label) for compare's value buckets; None: any larger.
ULP_BUCKETS = (
    (0, "identical"),
    (1, "<= 1 ULP"),
    (PREDICT_ULPS, f"<= {PREDICT_ULPS} ULP"),
    (None, f"> {PREDICT_ULPS} ULP"),
)


def tolerance(case: Case, backend: str = "tensorflow") -> tuple[float, float]:
    """(atol, rtol) for `case`: ATOL and RTOL scaled to the compute dtype's unit
    roundoff (on `backend`), and up for wide or long cases."""
    factor = max(1.0, (case.features + case.units) / 8) * max(1.0, case.timesteps / 30)
    # unit roundoff 2^-bits against float32's
    factor *= 2.0 ** (SIGNIFICANT_BITS["float32"] - SIGNIFICANT_BITS[output_dtype(case, backend)])
    return ATOL * factor, RTOL * factor


def spread_allowance(
    case: Case, spread: np.ndarray | float, backend: str = "tensorflow"
) -> np.ndarray | float:
    """What rounding alone may move each value by in the case's compute dtype:
    SPREAD_FACTOR times the rounding spread in float32's units (oracle.rounding_spread),
    scaled by the compute dtype's unit roundoff against float32's."""
    bits = SIGNIFICANT_BITS[output_dtype(case, backend)]
    return SPREAD_FACTOR * spread * 2.0 ** (SIGNIFICANT_BITS["float32"] - bits)


def well_conditioned(
    case: Case,
    want: tuple[np.ndarray, ...],
    spreads: tuple[np.ndarray, ...],
    backend: str = "tensorflow",
) -> bool:
    """Whether rounding alone moves every value of the case by no more than the value
    tolerance (`spreads`: oracle.rounding_spread of the case, `want` its values): where
    it does not, two runs of one computation that round differently (predict's
    compiled function and the direct call) may differ by more than the tolerance."""
    atol, rtol = tolerance(case, backend)
    return all(
        bool(np.all(spread_allowance(case, s, backend) <= atol + rtol * np.abs(w)))
        for s, w in zip(spreads, want, strict=True)
    )


def off(
    got: np.ndarray,
    want: np.ndarray,
    atol: float,
    rtol: float,
    largest: float,
    allowance: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(|got - want| with NaN as inf, which values are off). NaN is off from every
    number (a comparison with NaN is False, so `err > bound` alone would pass it);
    the same infinity, or NaN where the oracle has NaN, is not; nor is NaN or an
    infinity of the oracle's sign where the oracle's value is beyond the compute
    dtype's `largest` (overflow, tolerance.LARGEST)."""
    with np.errstate(invalid="ignore"):  # inf - inf
        err = np.nan_to_num(np.abs(got - want), nan=np.inf, posinf=np.inf)
        overflow = ~(np.abs(want) <= largest) & (
            np.isnan(got) | (np.isinf(got) & (np.sign(got) == np.sign(want)))
        )
    same = (got == want) | (np.isnan(got) & np.isnan(want)) | overflow
    unbounded = ~np.isfinite(want) | ~np.isfinite(got)  # no tolerance reaches across inf
    # where rounding alone may move a value by as much as the value itself, and by more
    # than the tolerance, the dtype vouches for none of its digits: any finite value is
    # as good (a small value within the tolerance is still held to it)
    tolerated = atol + rtol * np.abs(want)
    lost = (np.asarray(allowance) > tolerated) & (allowance >= np.abs(want))
    bound = np.where(lost, np.inf, tolerated + allowance)
    return err, ((err > bound) | unbounded) & ~same


def values_as_call(
    case: Case, predicted: np.ndarray, called: np.ndarray, backend: str = "tensorflow"
) -> bool:
    """Whether predict's output is the direct call's (the `values_as_call` fact):
    within the tolerance the oracle holds the values to (`tolerance`). Not
    PREDICT_ULPS at the output's scale: a compiled and an op-by-op run round each
    step's terms differently, and where an output is a cancellation of larger
    terms (tanh of a sum near 0, a linear activation) one rounding of a term is
    tens of ULPs of the small result (51 bfloat16 ULPs seen, and float32 under a
    linear activation, Keras 2.15 and 3.15 alike), while both stay within the
    tolerance of the exact values, the compute dtype's on `backend` (JAX computes a
    float64 layer in float32). No overflow here: both are Keras' own numbers."""
    if predicted.shape != called.shape:
        return False
    atol, rtol = tolerance(case, backend)
    _, bad = off(predicted.astype(np.float64), called.astype(np.float64), atol, rtol, np.inf)
    return not bool(bad.any())


def max_deviation(got: tuple[np.ndarray, ...], want: tuple[np.ndarray, ...]) -> float:
    """The largest absolute difference over every output, in float64."""
    return max(
        (
            float(np.max(np.abs(g.astype(np.float64) - w), initial=0.0))
            for g, w in zip(got, want, strict=True)
        ),
        default=0.0,
    )


def ulp_distance(a: np.ndarray, b: np.ndarray, dtype: str = "float32") -> float:
    """Largest difference in ULPs of `dtype` (the outputs' dtype) at the output's scale.

    The unit is the spacing of `dtype` at the largest magnitude in either
    array: one step of the last bit of the output's biggest value. Counting
    raw bit steps instead would make a 1e-8 wobble of a value near zero look
    like thousands of ULPs.
    """
    if a.size == 0:
        return 0.0
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    scale = max(float(np.max(np.abs(a64))), float(np.max(np.abs(b64))))
    diff = float(np.max(np.abs(a64 - b64)))
    if diff == 0.0:
        return 0.0
    spacing = float(np.spacing(np.float32(scale)))  # float32's, subnormals included
    return diff / (spacing * 2.0 ** (24 - SIGNIFICANT_BITS.get(dtype, 24)))


def ulp_bucket(ulps: float) -> str:
    """The label of compare's bucket that holds a distance of `ulps`."""
    return next(label for limit, label in ULP_BUCKETS if limit is None or ulps <= limit)

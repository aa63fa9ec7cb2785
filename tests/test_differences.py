"""The one comparison of two results (rnn_shapes/differences.py): its rules, as records."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from rnn_shapes.differences import Difference, changes, differences, drift, identical
from rnn_shapes.result import Result

H = np.arange(6, dtype=np.float32).reshape(2, 3)
BUILT = Result("c", "ok", "list", (H, H[:, :2]), ("float32", "float32"))
REFUSED = Result("c", "rejected", None, error="ValueError: no")


def aspects(a: Result, b: Result) -> list[str]:
    return [d.aspect for d in differences(a, b)]


def test_the_same_result_differs_in_nothing():
    assert differences(BUILT, BUILT) == [] and identical(BUILT, BUILT)
    assert drift(BUILT, BUILT).ulps == 0


def test_outcome_stops_the_comparison_and_error_is_compared_where_both_refused():
    assert differences(BUILT, REFUSED) == [Difference("outcome", "ok", "rejected")]
    other = replace(REFUSED, error="ValueError: other")
    assert differences(REFUSED, other) == [Difference("error", "ValueError: no", other.error)]
    assert drift(REFUSED, REFUSED) is None


def test_an_output_of_another_shape_or_dtype_is_named_by_its_index():
    wider = replace(BUILT, outputs=(H, H), dtypes=("float32", "float16"))
    found = differences(BUILT, wider)
    assert found[0] == Difference("output", ((2, 2), "float32"), ((2, 3), "float16"), 1)
    assert [d.aspect for d in found] == ["output", "dtypes"]
    assert drift(BUILT, wider) is None  # the values do not line up


def test_arity_is_said_once_not_output_by_output():
    one = replace(BUILT, outputs=(H,), dtypes=("float32",))
    assert aspects(BUILT, one) == ["arity"]  # the same dtypes: no dtypes record
    assert aspects(replace(BUILT, container="tuple"), one) == ["container", "arity"]


def test_masks_facts_received_and_symbolic_are_their_own_aspects():
    masked = replace(BUILT, masks=("11/10", None), received=("11/10", None))
    assert aspects(BUILT, masked) == ["masks", "received"]
    said = replace(BUILT, symbolic=(((None, 3), "float32"),))
    assert aspects(BUILT, said) == ["symbolic"]  # readers skip it where one side is None


def test_random_values_are_never_a_drift_and_any_bit_is_a_change():
    trained = replace(BUILT, facts={"repeatable": True})
    assert drift(trained, trained) is None
    nudged = replace(BUILT, outputs=(H + np.float32(1e-7), H[:, :2]))
    assert not identical(BUILT, nudged) and differences(BUILT, nudged) == []
    assert drift(BUILT, nudged).ulps > 0
    old, new = {"a": BUILT, "b": BUILT}, {"b": nudged, "c": BUILT}
    assert changes(old, new) == {"new": ["c"], "changed": ["b"], "removed": ["a"]}

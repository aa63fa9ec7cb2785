"""Live Keras against the golden set of the installed environment."""

from __future__ import annotations

import pytest

from rnn_shapes.check import REGEN_HINT, golden_problems
from rnn_shapes.matrix import matrix

pytestmark = pytest.mark.keras


def test_golden(golden_case, keras_run, golden_set, golden_recorder, pytestconfig):
    """Arity, container, shapes and dtypes exactly as recorded; values within tolerance."""
    if pytestconfig.getoption("regen_golden"):
        golden_recorder(keras_run(golden_case))
        return
    if isinstance(golden_case, str):  # there is no set to check against: say why
        if golden_case.startswith("golden set unreadable") or pytestconfig.getoption(
            "require_golden"
        ):
            pytest.fail(golden_case)
        pytest.skip(golden_case)
    expected = golden_set.results.get(golden_case.id)
    assert expected is not None, f"{golden_case.id} is not in {golden_set.path}; {REGEN_HINT}"
    problems = golden_problems(golden_case, expected, keras_run(golden_case))
    assert not problems, f"{golden_case.id} against {golden_set.path}:\n  " + "\n  ".join(problems)


def test_golden_set_is_current(golden_set, pytestconfig):
    """Cases recorded but gone from the matrix, or new in it but not recorded, by id."""
    if pytestconfig.getoption("regen_golden"):
        pytest.skip("regenerating the set: the new one is whole by construction")
    if golden_set is None:
        pytest.skip("no golden set to compare (see test_golden)")
    ids = {c.id for c in matrix(pytestconfig.getoption("matrix"))}
    missing = sorted(ids - golden_set.results.keys())
    stale = (
        sorted(golden_set.results.keys() - ids)
        if golden_set.matrix == (pytestconfig.getoption("matrix"))
        else []
    )
    assert not (missing or stale), (
        f"{golden_set.path} is stale ({REGEN_HINT}):\n"
        + "".join(f"  not in the matrix: {cid}\n" for cid in stale)
        + "".join(f"  not in the set: {cid}\n" for cid in missing)
    )

"""Which cases each parametrised test argument runs over: the matrix for `rnn_case`,
and the small subsets the predict-path and weight-layout tests need."""

from __future__ import annotations

from typing import Any

import pytest

from rnn_shapes.cases.case import Case
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.plugin.names import LAYER_MARKS


def case_params(argname: str, matrix_name: str) -> list[Any]:
    """The argument's cases as pytest parameters; KeyError for an argument not ours."""
    return [_param(c) for c in cases_for(argname, matrix_name)]


def cases_for(argname: str, matrix_name: str) -> list[Case]:
    """The cases of one argument of CASE_ARGS."""
    cases = matrix(matrix_name)
    if argname == "rnn_case":
        return cases
    if argname == "rnn_predict_case":  # one per layer, direction and arity class
        return [
            c for c in matrix("smoke") if c.sample is None and c.return_sequences == c.return_state
        ]
    if argname == "rnn_weights_case":  # one per layer x direction x weight scheme
        return list(
            {
                (c.layer_tag, c.bidirectional, c.weights_tag): c
                for c in cases
                if c.merge_mode == "concat" and not c.go_backwards and _plain(c)
            }.values()
        )
    raise KeyError(argname)


def _plain(case: Case) -> bool:
    """No mask, initial state, unroll, statefulness or non-default option: the layer as
    the tutorials build it."""
    return case.families == ("core",)


def _param(case: Case) -> Any:
    """A case as a pytest parameter: its id and a marker for its layer."""
    return pytest.param(case, id=case.id, marks=[getattr(pytest.mark, LAYER_MARKS[case.layer])])

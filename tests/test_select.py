"""`-k` expressions and `--case` ids pick cases as pytest's -k picks tests."""

from __future__ import annotations

import re

import pytest

from rnn_shapes.cases.matrix import matrix
from rnn_shapes.cases.select import parse, select
from rnn_shapes.errors import RnnShapesError

ID = "LSTM-bi-concat-seq0-state1-fwd-B2T5D1U3-distinct"


@pytest.mark.parametrize(
    ("expr", "matches"),
    [
        ("LSTM", True),
        ("lstm", True),  # case-insensitive, as pytest's -k
        ("GRU", False),
        ("LSTM and bi-concat", True),
        ("LSTM and not state1", False),
        ("GRU or state1", True),
        ("not (GRU or SimpleRNN)", True),
        ("(GRU or SimpleRNN) and state1", False),
        ("not not LSTM", True),
        ("B2T5D1U3-distinct", True),
    ],
)
def test_expressions(expr, matches):
    assert parse(expr)(ID) is matches


@pytest.mark.parametrize(
    ("expr", "why"),
    [
        ("", "empty"),
        ("LSTM and", "unexpected end"),
        ("(LSTM", "unexpected end"),
        ("LSTM)", "unexpected ')'"),
        ("and LSTM", "unexpected 'and'"),
        ("(LSTM) x", "unexpected 'x'"),
    ],
)
def test_malformed_expressions_name_the_expression(expr, why):
    with pytest.raises(RnnShapesError, match=re.escape(why)) as info:
        parse(expr)
    assert f"-k {expr!r}" in str(info.value)


def test_select_by_keyword_and_id():
    cases = matrix("smoke")
    lstm_bi = select(cases, "LSTM and bi-concat and not x_")
    assert len(lstm_bi) == 4 and all(c.layer == "LSTM" and c.bidirectional for c in lstm_bi)
    two = [cases[3].id, cases[7].id]
    assert [c.id for c in select(cases, ids=two)] == two
    assert [c.id for c in select(cases, "SimpleRNN", ids=two)] == [c for c in two if "Simple" in c]
    with pytest.raises(RnnShapesError, match="--case nope"):
        select(cases, ids=["nope"])
    with pytest.raises(RnnShapesError, match="no case matches"):
        select(cases, "Transformer")


def test_two_thousand_nested_nots_parse_and_deep_parentheses_are_one_error():
    """No RecursionError: any run of `not` is read in a loop; parentheses nest only
    so deep, and the error names a shortened expression on one line."""
    assert parse("not " * 2000 + "LSTM")(ID) is True
    assert parse("not " * 2001 + "LSTM")(ID) is False
    assert parse("(" * 50 + "LSTM" + ")" * 50)(ID) is True
    deep = "(" * 2000 + "LSTM" + ")" * 2000
    with pytest.raises(RnnShapesError, match="nested deeper than") as info:
        parse(deep)
    assert "\n" not in str(info.value) and len(str(info.value)) < 200


def test_an_unknown_case_id_with_control_characters_is_shown_escaped():
    """A terminal must not act on what a user pasted: the id is escaped, on one line."""
    with pytest.raises(RnnShapesError) as info:
        select(matrix("smoke"), ids=["LSTM\x1b[2J\nrm -rf\r"])
    message = str(info.value)
    assert message.isprintable() and "'LSTM\\x1b[2J\\nrm -rf\\r'" in message
    with pytest.raises(RnnShapesError, match="--case nope"):  # a plain id stays as it was
        select(matrix("smoke"), ids=["nope"])

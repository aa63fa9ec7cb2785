"""Picking cases from a matrix: a pytest-like `-k` expression and exact `--case` ids.

`-k` matches words against a case id the way pytest matches test names: each
word is a case-insensitive substring of the id, combined with `and`, `or`,
`not` and parentheses, e.g. `-k "LSTM and bi-concat and not state1"`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rnn_shapes.errors import RnnShapesError
from rnn_shapes.spec.case import Case

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")
Predicate = Callable[[str], bool]


def _tokens(expr: str) -> list[str]:
    pos, out = 0, []
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if m is None:  # only trailing blanks are left
            break
        out.append(m.group(1))
        pos = m.end()
    return out


def parse(expr: str) -> Predicate:
    """A predicate on case ids; RnnShapesError naming the expression if it is malformed."""
    tokens = _tokens(expr)
    pos = 0

    def fail(why: str) -> RnnShapesError:
        return RnnShapesError(f"-k {expr!r}: {why}")

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise fail("unexpected end of the expression")
        pos += 1
        return tokens[pos - 1]

    def disjunction() -> Predicate:
        terms = [conjunction()]
        while peek() == "or":
            take()
            terms.append(conjunction())
        return terms[0] if len(terms) == 1 else lambda s: any(t(s) for t in terms)

    def conjunction() -> Predicate:
        terms = [negation()]
        while peek() == "and":
            take()
            terms.append(negation())
        return terms[0] if len(terms) == 1 else lambda s: all(t(s) for t in terms)

    def negation() -> Predicate:
        if peek() == "not":
            take()
            inner = negation()
            return lambda s: not inner(s)
        return atom()

    def atom() -> Predicate:
        token = take()
        if token == "(":
            inner = disjunction()
            if take() != ")":
                raise fail("missing ')'")
            return inner
        if token in (")", "and", "or", "not"):
            raise fail(f"unexpected {token!r}")
        word = token.lower()
        return lambda s: word in s.lower()

    if not tokens:
        raise fail("empty expression")
    predicate = disjunction()
    if pos != len(tokens):
        raise fail(f"unexpected {tokens[pos]!r}")
    return predicate


def select(
    cases: Sequence[Case], keyword: str | None = None, ids: Sequence[str] = ()
) -> list[Case]:
    """The cases matching `keyword` (if given) and, if any ids are given, one of them.

    An id that is not in the matrix is an error: a typo must not pass as an empty run.
    """
    known = {c.id for c in cases}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise RnnShapesError(f"--case {unknown[0]}: no such case in this matrix")
    chosen = [c for c in cases if not ids or c.id in set(ids)]
    if keyword is not None:
        predicate = parse(keyword)
        chosen = [c for c in chosen if predicate(c.id)]
    if not chosen:
        raise RnnShapesError(f"no case matches -k {keyword!r}")
    return chosen

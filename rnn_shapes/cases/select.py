"""Picking cases from a matrix: a pytest-like `-k` expression and exact `--case` ids.

`-k` matches words against a case id the way pytest matches test names: each
word is a case-insensitive substring of the id, combined with `and`, `or`,
`not` and parentheses, e.g. `-k "LSTM and bi-concat and not state1"`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rnn_shapes.cases.case import Case
from rnn_shapes.errors import RnnShapesError

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")
Predicate = Callable[[str], bool]
MAX_DEPTH = 100  # parentheses: each level is a few Python frames while parsing
SHOWN = 80  # characters of a long expression an error line shows


def _tokens(expr: str) -> list[str]:
    pos, out = 0, []
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if m is None:  # only trailing blanks are left
            break
        out.append(m.group(1))
        pos = m.end()
    return out


class _Parser:
    """Recursive descent over the tokens, one method per rule of the grammar:
    disjunction := conjunction ('or' conjunction)*; conjunction := negation
    ('and' negation)*; negation := 'not'* atom; atom := '(' disjunction
    ')' | word."""

    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.tokens = _tokens(expr)
        self.pos = 0
        self.depth = 0  # parentheses open around the current token

    def fail(self, why: str) -> RnnShapesError:
        shown = self.expr if len(self.expr) <= SHOWN else f"{self.expr[:SHOWN]}..."
        return RnnShapesError(f"-k {shown!r}: {why}")

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        if self.pos >= len(self.tokens):
            raise self.fail("unexpected end of the expression")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def disjunction(self) -> Predicate:
        terms = [self.conjunction()]
        while self.peek() == "or":
            self.take()
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else lambda s: any(t(s) for t in terms)

    def conjunction(self) -> Predicate:
        terms = [self.negation()]
        while self.peek() == "and":
            self.take()
            terms.append(self.negation())
        return terms[0] if len(terms) == 1 else lambda s: all(t(s) for t in terms)

    def negation(self) -> Predicate:
        """Any run of `not` in a loop, as its parity: no recursion per `not`."""
        nots = 0
        while self.peek() == "not":
            self.take()
            nots += 1
        inner = self.atom()
        return (lambda s: not inner(s)) if nots % 2 else inner

    def atom(self) -> Predicate:
        token = self.take()
        if token == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.fail(f"parentheses nested deeper than {MAX_DEPTH}")
            inner = self.disjunction()
            if self.take() != ")":
                raise self.fail("missing ')'")
            self.depth -= 1
            return inner
        if token in (")", "and", "or", "not"):
            raise self.fail(f"unexpected {token!r}")
        word = token.lower()
        return lambda s: word in s.lower()


def parse(expr: str) -> Predicate:
    """A predicate on case ids; RnnShapesError naming the expression if it is malformed."""
    parser = _Parser(expr)
    if not parser.tokens:
        raise parser.fail("empty expression")
    predicate = parser.disjunction()
    if parser.pos != len(parser.tokens):
        raise parser.fail(f"unexpected {parser.tokens[parser.pos]!r}")
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
        raise RnnShapesError(f"--case {_shown(unknown[0])}: no such case in this matrix")
    chosen = [c for c in cases if not ids or c.id in set(ids)]
    if keyword is not None:
        predicate = parse(keyword)
        chosen = [c for c in chosen if predicate(c.id)]
    if not chosen:
        raise RnnShapesError(f"no case matches -k {keyword!r}")
    return chosen


def _shown(text: str) -> str:
    """`text` as an error line may print it: as it is, or escaped (ascii) where it holds
    control or other characters a terminal would act on or garble."""
    return text if text.isprintable() and text.isascii() else ascii(text)

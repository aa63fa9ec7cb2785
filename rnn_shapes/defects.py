"""Known Keras defects (rnn_shapes/defects.toml): which listed defects concern a
case in an environment, and which of its problems each one explains.

The file is data a person reviews; reading it is strict. Each entry selects
the cases it concerns by conditions on their fields (cases/conditions.py), never
by their ids, so it holds for any case the Case accepts; it names the Keras
versions and backends, what it explains (a failure signature: the problem's
aspect and kind, for an error its type and a stable fragment of its message,
for values the bound they keep), the reason and the upstream issue. See the
file's header for what belongs there.
"""

from __future__ import annotations

import fnmatch
import operator
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from rnn_shapes.cases.axes import DTYPES
from rnn_shapes.cases.conditions import Condition, any_holds, parse_any
from rnn_shapes.defect_values import PREDICTIONS
from rnn_shapes.environment import Environment, version_tuple
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.verdict import KINDS, Problem

if TYPE_CHECKING:
    from rnn_shapes.cases.case import Case
    from rnn_shapes.result import Result

PATH = Path(__file__).with_name("defects.toml")
KEYS = {"name", "when", "explains", "keras", "backends", "reason", "upstream"}
# unless: conditions of cases the entry leaves out, though `when` holds;
# may_hide: conditions of cases where the defect is there but need not show (say
# why), e.g. where a bfloat16 policy's tolerance is wider than what it changes: an
# agreeing case there is not "no longer shows" (everywhere else it is)
# instead: what a user does instead, where a way round is known (check-model says it)
# predicts: what Keras computes where the defect shows (defect_values.PREDICTIONS): where
# that is within the tolerance of the right values, the defect cannot show
# hands_no_mask: conditions of the cases whose layer returns tensors without the mask
# its compute_mask says (where it shows): what advise predicts of a model's masks
OPTIONAL = {"unless", "may_hide", "instead", "predicts", "hands_no_mask"}
SIGNATURE_KEYS = {"problem", "error", "message", "within"}
# The problems whose text is an error Keras raised: the refusals (Result.error)
# and masks Keras could not compute (Result.masks)
ERROR_KINDS = ("refusal/refused", "refusal/refused-otherwise", "rules/masks-error")
_OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, ">": operator.gt, "<": operator.lt}


# one clause of a Keras version condition: (comparison, version), e.g. (ge, (3, 0, 0))
Clause = tuple[Callable[[tuple, tuple], bool], tuple[int, ...]]


@dataclass(frozen=True)
class Signature:
    """What a defect explains: problems of `problem` (an aspect/kind pattern of
    verdict.KINDS); for an error, of type `error` whose message holds `message`;
    for values, off by no more than `within`'s tolerance (a dtype policy's: a
    float64 case computed in float32 is "float32")."""

    problem: str
    error: str | None = None
    message: str | None = None
    within: str | None = None

    def matches(self, problem: Problem, case: Case, result: Result | None) -> bool:
        if not fnmatch.fnmatchcase(problem.key, self.problem):
            return False
        if self.error is not None or self.message is not None:
            kind, _, text = (_error_of(problem, result) or "").partition(": ")
            if self.error is not None and kind != self.error:
                return False
            if self.message is not None and self.message not in text:
                return False
        if self.within is not None:
            return _within(problem, replace(case, dtype=self.within))
        return True

    def __str__(self) -> str:
        said = [f"{k} = {v!r}" for k, v in vars(self).items() if v is not None]
        return "{ " + ", ".join(said) + " }"


def _error_of(problem: Problem, result: Result | None) -> str | None:
    """The error line a problem is about: Keras' refusal, or its failure to say masks."""
    if result is None:
        return None
    if problem.aspect == "refusal":
        return result.error
    return result.masks if isinstance(result.masks, str) else None


def _within(problem: Problem, bound_case: Case) -> bool:
    """Whether a values problem's worst difference is within `bound_case`'s tolerance,
    and what rounding alone moves it by in that dtype (tolerance.spread_allowance)."""
    from rnn_shapes.tolerance import spread_allowance, tolerance  # judging, not reading

    if not isinstance(problem.expected, float) or not isinstance(problem.got, float):
        return False
    atol, rtol = tolerance(bound_case)
    spread = 0.0 if problem.spread is None else spread_allowance(bound_case, problem.spread)
    return bool(abs(problem.got - problem.expected) <= atol + rtol * abs(problem.expected) + spread)


@dataclass(frozen=True)
class Defect:
    name: str
    when: tuple[Condition, ...]
    keras: str
    backends: tuple[str, ...]
    reason: str
    upstream: str
    clauses: tuple[Clause, ...]  # `keras`, parsed once when the file is read
    explains: tuple[Signature, ...]
    unless: tuple[Condition, ...] = ()
    hidden: tuple[Condition, ...] = ()  # the entry's `may_hide`
    instead: str = ""
    predicts: str = ""  # a name of defect_values.PREDICTIONS, or none
    no_mask: tuple[Condition, ...] = ()  # the entry's `hands_no_mask`

    def explained(self, problem: Problem, case: Case, result: Result | None = None) -> bool:
        """Whether this defect accounts for `problem` of `case` (its signatures)."""
        return any(s.matches(problem, case, result) for s in self.explains)

    def may_hide(self, case: Case) -> bool:
        """Whether the defect may not show on this case (its `may_hide` conditions)."""
        return any_holds(self.hidden, case)

    def hands_no_mask(self, case: Case) -> bool:
        """Whether the case's layer returns tensors without their mask where it shows."""
        return any_holds(self.no_mask, case)

    def refusing(self) -> bool:
        """Whether it explains a refusal: otherwise it cannot show on a case Keras refused."""
        return any(fnmatch.fnmatchcase("refusal/refused", s.problem) for s in self.explains)

    def concerns(self, case: Case) -> bool:
        """Whether the case is one the entry selects (environment aside)."""
        return any_holds(self.when, case) and not any_holds(self.unless, case)

    def applies(self, case: Case, env: Environment) -> bool:
        return (
            env.backend in self.backends
            and _version_matches(env.keras, self.clauses)
            and self.concerns(case)
        )


def _clauses(condition: str) -> tuple[Clause, ...]:
    """'>=3.0,<3.16' as (comparison, version) pairs; ValueError when malformed."""
    out = []
    for clause in condition.split(","):
        clause = clause.strip()
        op = next((o for o in sorted(_OPS, key=len, reverse=True) if clause.startswith(o)), None)
        if op is None:
            raise ValueError(clause)
        out.append((_OPS[op], version_tuple(clause[len(op) :], 3)))
    return tuple(out)


def _version_matches(version: str, clauses: tuple[Clause, ...]) -> bool:
    """'3.15.1' against the parsed clauses of e.g. '>=3.0,<3.16'."""
    try:
        have = version_tuple(version, 3)
    except ValueError:
        return False
    return all(compare(have, bound) for compare, bound in clauses)


KNOWN_PROBLEMS = [f"{aspect}/{kind}" for aspect, kinds in KINDS.items() for kind in kinds]
# the problems a `within` bound reads: the worst value expected and got (a relation's
# two sides: the other side's and the left's)
WITHIN_KINDS = {"oracle/values", *(p for p in KNOWN_PROBLEMS if p.startswith("relation/"))}


def _signature(table: object, where: str) -> Signature:
    """One `explains` table; RnnShapesError naming the entry for anything it cannot mean."""
    if not isinstance(table, dict) or "problem" not in table or set(table) - SIGNATURE_KEYS:
        raise RnnShapesError(
            f"{where}: each `explains` is a table with `problem` (and optionally "
            f"{sorted(SIGNATURE_KEYS - {'problem'})}), got {table!r}"
        )
    if not all(isinstance(v, str) and v for v in table.values()):
        raise RnnShapesError(f"{where}: explains {table!r}: values must be non-empty strings")
    pattern = table["problem"]
    matched = fnmatch.filter(KNOWN_PROBLEMS, pattern)
    if not matched:
        raise RnnShapesError(
            f"{where}: explains {pattern!r} names no aspect/kind of a problem "
            "(rnn_shapes/verdict.py KINDS), e.g. 'rules/symbolic*'"
        )
    if ("error" in table or "message" in table) and set(matched) - set(ERROR_KINDS):
        raise RnnShapesError(
            f"{where}: explains {pattern!r}: an error or message is said of {ERROR_KINDS} only"
        )
    valued = set(matched) <= WITHIN_KINDS  # problems whose expected and got are values
    if "within" in table and (not valued or table["within"] not in DTYPES):
        raise RnnShapesError(
            f"{where}: explains {pattern!r}: `within` is one of {DTYPES}, for "
            "'oracle/values' and 'relation/*' only"
        )
    return Signature(pattern, table.get("error"), table.get("message"), table.get("within"))


def _conditions(entry: dict, key: str, where: str) -> tuple[Condition, ...]:
    if key not in entry:
        return ()
    try:
        return parse_any(entry[key])
    except ValueError as exc:
        raise RnnShapesError(f"{where}: {key}: {exc}") from None


def _parse(entry: object, i: int, path: Path) -> Defect:
    where = f"{path}: defect {i + 1}"
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        where += f" ({entry['name']})"
    if not isinstance(entry, dict) or not KEYS <= set(entry) <= KEYS | OPTIONAL:
        keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise RnnShapesError(
            f"{where}: expected keys {sorted(KEYS)} (and optionally {sorted(OPTIONAL)}), got {keys}"
        )
    if not all(
        isinstance(entry.get(k, ""), str)
        for k in ("name", "keras", "reason", "upstream", "instead", "predicts")
    ):
        raise RnnShapesError(
            f"{where}: name, keras, reason, upstream, instead and predicts must be strings"
        )
    if entry.get("predicts", "") not in ("", *PREDICTIONS):
        raise RnnShapesError(
            f"{where}: predicts {entry['predicts']!r}: expected one of {sorted(PREDICTIONS)}"
        )
    for key in ("backends", "explains"):
        if not (isinstance(entry[key], list) and entry[key]):
            raise RnnShapesError(f"{where}: {key} must be a non-empty list")
    if not all(isinstance(b, str) for b in entry["backends"]):
        raise RnnShapesError(f"{where}: backends must be strings")
    try:
        clauses = _clauses(entry["keras"])
    except ValueError:
        raise RnnShapesError(
            f"{where}: keras {entry['keras']!r}: expected e.g. '>=3.0,<3.16'"
        ) from None
    return Defect(
        name=entry["name"],
        when=_conditions(entry, "when", where),
        keras=entry["keras"],
        backends=tuple(entry["backends"]),
        reason=entry["reason"],
        upstream=entry["upstream"],
        clauses=clauses,
        explains=tuple(_signature(t, where) for t in entry["explains"]),
        unless=_conditions(entry, "unless", where),
        hidden=_conditions(entry, "may_hide", where),
        instead=entry.get("instead", ""),
        predicts=entry.get("predicts", ""),
        no_mask=_conditions(entry, "hands_no_mask", where),
    )


@cache
def load(path: Path = PATH) -> tuple[Defect, ...]:
    """Every listed defect; RnnShapesError naming the file for anything malformed."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RnnShapesError(f"{path}: cannot read it: {exc}") from None
    if set(doc) - {"defect"}:
        raise RnnShapesError(f"{path}: unexpected tables {sorted(set(doc) - {'defect'})}")
    defects = tuple(_parse(e, i, path) for i, e in enumerate(doc.get("defect", [])))
    names = [d.name for d in defects]
    if len(set(names)) != len(names):
        raise RnnShapesError(f"{path}: defect names must be unique")
    return defects


def concerning(case: Case, env: Environment | None) -> tuple[Defect, ...]:
    """The listed defects that concern this case in this environment, in the file's order."""
    if env is None:
        return ()
    return tuple(d for d in load() if d.applies(case, env))


def explaining_error(cases: list[Case], env: Environment, error: str) -> tuple[Defect, ...]:
    """The listed defects that concern one of `cases` here and explain `error` as Keras'
    refusal of it (a model file that does not load: its layers' cases, as saved)."""
    from rnn_shapes.result import Result

    found: list[Defect] = []
    for case in cases:
        result = Result(case.id, "rejected", None, error=error)
        problem = replace(Problem("refused", error, got=error), aspect="refusal")
        found += [
            d
            for d in concerning(case, env)
            if d not in found and d.explained(problem, case, result)
        ]
    return tuple(found)


def listed(case: Case, env: Environment | None) -> Defect | None:
    """The first listed defect that concerns this case in this environment, if any."""
    return next(iter(concerning(case, env)), None)

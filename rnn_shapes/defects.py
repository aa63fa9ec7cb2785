"""Known Keras defects (rnn_shapes/defects.toml): which listed defect, if any,
explains a case's disagreement in an environment.

The file is data a person reviews; reading it is strict, and each entry names
its cases, the Keras versions and backends it applies to, the reason and the
upstream issue. See the file's header for what belongs there.
"""

from __future__ import annotations

import fnmatch
import operator
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rnn_shapes.environment import Environment, version_tuple
from rnn_shapes.errors import RnnShapesError
from rnn_shapes.verdict import KINDS, Problem

PATH = Path(__file__).with_name("defects.toml")
KEYS = {"name", "cases", "keras", "backends", "reason", "upstream"}
# except: case-id patterns the entry does not cover, though `cases` match;
# explains: aspect/kind patterns of the problems it explains (default: every
# problem of the case), e.g. "rules/symbolic*" for a defect of the symbolic path only;
# may_hide: case-id patterns (among `cases`) where the defect is there but need not
# show, e.g. where a bfloat16 policy's tolerance is wider than what it changes: an
# agreeing case there is not "no longer shows" (everywhere else it is)
OPTIONAL = {"except", "explains", "may_hide"}
_OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, ">": operator.gt, "<": operator.lt}


# one clause of a Keras version condition: (comparison, version), e.g. (ge, (3, 0, 0))
Clause = tuple[Callable[[tuple, tuple], bool], tuple[int, ...]]


@dataclass(frozen=True)
class Defect:
    name: str
    cases: tuple[str, ...]
    keras: str
    backends: tuple[str, ...]
    reason: str
    upstream: str
    clauses: tuple[Clause, ...]  # `keras`, parsed once when the file is read
    excluded: tuple[str, ...] = ()  # the entry's `except` patterns
    explains: tuple[str, ...] = ("*",)  # the entry's `explains` patterns
    hidden: tuple[str, ...] = ()  # the entry's `may_hide` patterns

    def explained(self, problem: Problem) -> bool:
        """Whether this defect accounts for `problem`, by its aspect and kind."""
        return any(fnmatch.fnmatchcase(problem.key, p) for p in self.explains)

    def may_hide(self, case_id: str) -> bool:
        """Whether the defect may not show on this case (its `may_hide` patterns)."""
        return any(fnmatch.fnmatchcase(case_id, p) for p in self.hidden)

    def applies(self, case_id: str, env: Environment) -> bool:
        return (
            env.backend in self.backends
            and _version_matches(env.keras, self.clauses)
            and any(fnmatch.fnmatchcase(case_id, p) for p in self.cases)
            and not any(fnmatch.fnmatchcase(case_id, p) for p in self.excluded)
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


def _parse(entry: object, i: int, path: Path) -> Defect:
    where = f"{path}: defect {i + 1}"
    if not isinstance(entry, dict) or not KEYS <= set(entry) <= KEYS | OPTIONAL:
        keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise RnnShapesError(
            f"{where}: expected keys {sorted(KEYS)} (and optionally {sorted(OPTIONAL)}), got {keys}"
        )
    if not all(isinstance(entry[k], str) for k in ("name", "keras", "reason", "upstream")):
        raise RnnShapesError(f"{where}: name, keras, reason and upstream must be strings")
    for key in ("cases", "backends", *OPTIONAL & entry.keys()):
        value = entry[key]
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            raise RnnShapesError(f"{where}: {key} must be a non-empty list of strings")
    known = [f"{aspect}/{kind}" for aspect, kinds in KINDS.items() for kind in kinds]
    for pattern in entry.get("explains", ()):
        if not fnmatch.filter(known, pattern):
            raise RnnShapesError(
                f"{where}: explains {pattern!r} names no aspect/kind of a problem "
                "(rnn_shapes/verdict.py KINDS), e.g. 'rules/symbolic*'"
            )
    try:
        clauses = _clauses(entry["keras"])
    except ValueError:
        raise RnnShapesError(
            f"{where}: keras {entry['keras']!r}: expected e.g. '>=3.0,<3.16'"
        ) from None
    return Defect(
        entry["name"],
        tuple(entry["cases"]),
        entry["keras"],
        tuple(entry["backends"]),
        entry["reason"],
        entry["upstream"],
        clauses,
        tuple(entry.get("except", ())),
        tuple(entry.get("explains", ("*",))),
        tuple(entry.get("may_hide", ())),
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


def listed(case_id: str, env: Environment | None) -> Defect | None:
    """The listed defect that applies to this case in this environment, if any."""
    if env is None:
        return None
    return next((d for d in load() if d.applies(case_id, env)), None)

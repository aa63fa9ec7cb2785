"""Compare two golden sets: what changes for these layers between two environments.

Differences are grouped so a person reads them in a minute: outcome, container,
arity, shape and dtype changes counted by kind with example cases, and value
drift bucketed by ULP distance (units in the last place of each output's dtype).
A training case's values are drawn at random: its facts are compared instead.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rnn_shapes.cases.case import FAMILIES, OUTSIDE, families
from rnn_shapes.differences import Difference, differences, drift, recorded_on_both
from rnn_shapes.golden.layout import SET_SUFFIX, set_file_name, set_path
from rnn_shapes.golden.sets import GoldenError, GoldenSet, read_set
from rnn_shapes.result import Result
from rnn_shapes.tolerance import ULP_BUCKETS, ulp_bucket

EXAMPLES = 3


@dataclass
class Comparison:
    a: GoldenSet
    b: GoldenSet
    shared_ids: list[str] = field(default_factory=list)
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    # kind of change ("container list -> tuple") -> case ids
    structural: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # case id -> what compare counts of its differences (one record per kind)
    changed: dict[str, list[Difference]] = field(default_factory=dict)
    # case id -> (max |diff|, max ULP at scale) for cases whose outputs line up
    drift: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def shared(self) -> int:
        return len(self.shared_ids)

    @property
    def identical(self) -> bool:
        return (
            not self.structural
            and not self.only_a
            and not self.only_b
            and all(u == 0 for _, u in self.drift.values())
        )

    def buckets(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {label: [] for _, label in ULP_BUCKETS}
        for cid, (_, ulp) in sorted(self.drift.items()):
            out[ulp_bucket(ulp)].append(cid)
        return out

    def by_family(self) -> dict[str, Counter]:
        """family -> counts of shared cases, of each structural change, and of cases
        whose values moved by more than 4 ULP; a case counts in each of its families."""
        out: dict[str, Counter] = {}
        over = set(self.buckets()[ULP_BUCKETS[-1][1]])
        for cid in self.shared_ids:
            for fam in families(cid):
                out.setdefault(fam, Counter())["shared"] += 1
                out[fam][f"values {ULP_BUCKETS[-1][1]}"] += cid in over
        for kind, ids in self.structural.items():
            for cid in ids:
                for fam in families(cid):
                    out[fam][kind] += 1
        return {fam: out[fam] for fam in (*FAMILIES, OUTSIDE) if fam in out}

    def worst(self, n: int, ids: Iterable[str] | None = None) -> list[tuple[str, float, float]]:
        """Up to n (case id, max |diff|, ULPs) of `ids` (all if None), most ULPs first.

        Ties go by case id, so the text, Markdown and JSON renderings agree.
        """
        pool = self.drift if ids is None else {cid: self.drift[cid] for cid in ids}
        ranked = sorted(pool.items(), key=lambda kv: (-kv[1][1], kv[0]))
        return [(cid, d, u) for cid, (d, u) in ranked[:n]]


# What compare reports of the one comparison (rnn_shapes/differences.py): each
# aspect in its words; the attached masks (received) are left to the judge and
# a model's records.
def _kind(d: Difference) -> str | None:
    """A difference as compare counts it ('container list -> tuple'); None: not counted."""
    if d.aspect == "dtypes":
        return f"dtypes {','.join(sorted(d.was))} -> {','.join(sorted(d.now))}"
    if d.aspect in ("outcome", "container", "arity"):
        return f"{d.aspect} {d.was} -> {d.now}"
    return KINDS.get(d.aspect)


KINDS = {
    "symbolic": "symbolic outputs changed",
    "error": "refusal message changed",
    "output": "shapes changed",
    "masks": "output masks changed",
    "facts": "facts changed",
}


def counted(a: Result, b: Result) -> dict[str, Difference]:
    """The kinds of structural change from `a` to `b` that compare counts, each with
    the first difference of that kind (outcome, container, arity, ...)."""
    return counted_in(differences(a, b))


def counted_in(found: list[Difference]) -> dict[str, Difference]:
    """`counted` of differences already found."""
    kinds: dict[str, Difference] = {}
    for d in found:
        if d.aspect == "output" and d.was[0] == d.now[0]:
            continue  # a dtype moved between outputs: the dtypes' sets say it if it counts
        kind = _kind(d) if recorded_on_both(d) else None
        if kind is not None:
            kinds.setdefault(kind, d)
    return kinds


def structural(a: Result, b: Result) -> list[str]:
    """The kinds of structural change from `a` to `b`, as compare words them."""
    return list(counted(a, b))


def compare(a: GoldenSet, b: GoldenSet) -> Comparison:
    c = Comparison(a, b)
    c.only_a = sorted(a.results.keys() - b.results.keys())
    c.only_b = sorted(b.results.keys() - a.results.keys())
    shared = sorted(a.results.keys() & b.results.keys())
    c.shared_ids = shared
    for cid in shared:
        ra, rb = a.results[cid], b.results[cid]
        kinds = counted(ra, rb)
        for kind in kinds:
            c.structural[kind].append(cid)
        if kinds:
            c.changed[cid] = list(kinds.values())
        moved = drift(ra, rb)
        if moved is not None:
            c.drift[cid] = (moved.max_abs, moved.ulps)
    return c


def load(spec: str, root: Path, matrix: str = "default") -> GoldenSet:
    """A golden set from a path to its .json, a folder, or an environment name."""
    path = Path(spec)
    if path.suffix == SET_SUFFIX:
        return read_set(path)
    for candidate in (path / set_file_name(matrix), set_path(root, spec, matrix)):
        if candidate.is_file():
            return read_set(candidate)
    raise GoldenError(
        f"{spec}: no golden set (not a .json, a set folder or an environment "
        f"under {root}) for matrix {matrix!r}"
    )


def _labels(c: Comparison) -> tuple[str, str]:
    """Names of the two sets: the environment, with the matrix when the matrices differ.

    Two matrices of one environment would otherwise both read 'envX'; two files
    of one environment and matrix (two fixture folders) are told apart by path.
    """
    a, b = c.a.environment.name, c.b.environment.name
    if c.a.matrix != c.b.matrix:
        a, b = f"{a} ({c.a.matrix})", f"{b} ({c.b.matrix})"
    if a == b:
        a, b = f"{a} ({c.a.path})", f"{b} ({c.b.path})"
    return a, b


def _examples(ids: list[str]) -> str:
    more = f", ... ({len(ids) - EXAMPLES} more)" if len(ids) > EXAMPLES else ""
    return ", ".join(ids[:EXAMPLES]) + more


def to_dict(c: Comparison) -> dict:
    return {
        "a": {"path": str(c.a.path), **c.a.metadata},
        "b": {"path": str(c.b.path), **c.b.metadata},
        "identical": c.identical,
        "shared_cases": c.shared,
        "only_in_a": c.only_a,
        "only_in_b": c.only_b,
        "structural": {k: sorted(v) for k, v in sorted(c.structural.items())},
        "families": {fam: dict(sorted(n.items())) for fam, n in c.by_family().items()},
        "value_drift": {label: len(ids) for label, ids in c.buckets().items()},
        "max_abs_diff": max((d for d, _ in c.drift.values()), default=0.0),
        "max_ulp": max((u for _, u in c.drift.values()), default=0.0),
        "worst": [{"case": cid, "max_abs_diff": d, "max_ulp": u} for cid, d, u in c.worst(10)],
    }


def _lines(c: Comparison, code: Callable[[str], str] = str) -> list[tuple[str, str]]:
    """(kind, text) lines shared by the text and Markdown renderings.

    kind is 'title', 'head', 'item', or 'sub' (nested under the item before it).
    `code` marks up a bucket label: in Markdown '> 4 ULP' would read as a quote.
    """
    label_a, label_b = _labels(c)
    out = [
        (
            "title",
            f"{label_a} -> {label_b}: {c.shared} shared cases"
            + (" (identical)" if c.identical else ""),
        )
    ]
    if c.only_a or c.only_b:
        out.append(
            (
                "item",
                f"left out: {len(c.only_a)} cases only in {label_a}, "
                f"{len(c.only_b)} only in {label_b} (different matrices?)",
            )
        )
    out.append(("head", "by family (a case with several new axes counts in each)"))
    out += [("item", family_line(fam, counts)) for fam, counts in c.by_family().items()]
    if c.structural:
        out.append(("head", "structure"))
        for kind, ids in sorted(c.structural.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            out.append(("item", f"{kind} in {len(ids)} cases, e.g. {_examples(ids)}"))
    out.append(
        (
            "head",
            "values (cases whose outputs line up; ULPs of float32 at each "
            "output's largest magnitude)",
        )
    )
    if not c.drift:
        out.append(("item", "no case to compare values on"))
    over = ULP_BUCKETS[-1][1]  # the open-ended bucket: its worst cases are listed under it
    for label, ids in c.buckets().items():
        if not ids:
            continue
        out.append(("item", f"{code(label)}: {len(ids)} cases"))
        if label == over:
            out += [
                ("sub", f"{cid}: {u:.1f} ULP, max |diff| {d:.3g}")
                for cid, d, u in c.worst(EXAMPLES, ids)
            ]
    return out


_TEXT = {"title": "{}", "head": "\n{}:", "item": "  {}", "sub": "    {}"}
_MARKDOWN = {"title": "## {}\n", "head": "\n### {}\n", "item": "- {}", "sub": "  - {}"}


def render(c: Comparison, fmt: str) -> str:
    """The comparison as 'text', 'md' (Markdown) or 'json'."""
    if fmt == "json":
        return json.dumps(to_dict(c), indent=2, sort_keys=True) + "\n"
    if fmt == "md":
        lines = [_MARKDOWN[kind].format(text) for kind, text in _lines(c, lambda s: f"`{s}`")]
    else:
        lines = [_TEXT[kind].format(text) for kind, text in _lines(c)]
    return "\n".join(lines) + "\n"


def family_line(family: str, counts: Counter) -> str:
    """'masking: 3136 shared; outcome ok -> rejected: 8' (or '...; no change')."""
    changes = [f"{k}: {n}" for k, n in sorted(counts.items()) if k != "shared" and n]
    return f"{family}: {counts['shared']} shared; " + ("; ".join(changes) or "no change")


def summary_counts(c: Comparison) -> Counter:
    """Counts by kind, for the report's overview."""
    counts: Counter = Counter({k: len(v) for k, v in c.structural.items()})
    for label, ids in c.buckets().items():
        counts[f"values {label}"] = len(ids)
    return counts

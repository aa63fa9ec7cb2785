"""What judging a case found, as data: Problem records and the Verdict holding them.

A problem says which aspect it belongs to, what kind of difference it is,
which output (if one), what was expected and what came; its `text` is the
sentence for people. Consumers (defects.toml's `explains`, summaries, the
report) read the fields, never the sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from rnn_shapes.cases.relations import RELATIONS

if TYPE_CHECKING:
    from rnn_shapes.cases.case import Case
    from rnn_shapes.result import Result

# A verdict's state, one home for its words: check's counts, JSON and JUnit say the
# state; check-model, the support table and the site say SAID (the support
# table's "differs" is from the reference environment); pytest's summary says the
# phrase. A model's layer call may also be "not judged" (no oracle for it).
STATES = ("agree", "refused", "defect", "disagree")
SAID = {
    "agree": "agrees",
    "refused": "refused",
    "defect": "defect",
    "disagree": "differs",
    "not judged": "not judged",
}
PHRASES = {
    "agree": "agree",
    "refused": "refused as the rule predicts",
    "defect": "differ as a listed defect says",
    "disagree": "disagree",
}
PASSING = ("agree", "refused", "defect")  # a run with only these passes

# The aspects a verdict judges, in the order a failure message lists them, and
# the kinds of problem each can have.
KINDS: dict[str, tuple[str, ...]] = {
    # Keras refused a case the rules say it builds, for another reason, or built one
    # they say it refuses
    "refusal": ("refused", "refused-otherwise", "built"),
    "rules": (
        "arity",
        "container",
        "shape",
        "dtype",
        "symbolic-arity",  # the built model says another number of outputs
        "symbolic",  # ... another shape or dtype of one output
        "symbolic-eager",  # ... what the call did not return
        "masks",  # masks handed on where none were expected, or none where some were
        "masks-error",  # Keras raised computing them
        "mask",  # one output's mask
        "received",  # the mask attached to a returned tensor is not what compute_mask says
        "facts",  # a run's facts missing or unexpected
        "fact",  # one fact (repeatable, identical_to_original, ...)
    ),
    "oracle": ("arity", "shape", "values"),
    # two runs of Keras that must agree whatever the right values are (explore)
    "relation": tuple(RELATIONS),
    "defect": ("no-longer-shows",),  # a listed defect that the case no longer shows
    "golden": (
        "missing",  # the set does not hold the case
        "symbolic",
        "outcome",
        "container",
        "masks",
        "received",
        "facts",
        "arity",
        "output",  # an output's dtype or shape
        "shape",
        "values",
    ),
}
ASPECTS: tuple[str, ...] = tuple(KINDS)


@dataclass(frozen=True)
class Problem:
    """One difference: `aspect` and `kind` (of KINDS), the output's index where it is
    one output's, what was expected and what came, and the sentence for people."""

    kind: str
    text: str
    output: int | None = None
    expected: object = None
    got: object = None
    aspect: str = ""  # set by Verdict.add, which knows what was being judged
    # values: how far rounding alone moves the worst value, in float32's units
    # (oracle.rounding_spread; None where it was not asked)
    spread: float | None = None

    def __str__(self) -> str:
        return f"{self.aspect}: {self.text}"

    @property
    def key(self) -> str:
        """'rules/symbolic': what defects.toml's `explains` patterns name."""
        return f"{self.aspect}/{self.kind}"


@dataclass
class Verdict:
    """One case judged: problems found per aspect, and the largest value deviation.

    Every aspect that applies is judged, so a failure names each one that
    failed (the rules and the oracle both, say), not only the first.
    """

    case: Case
    outcome: str
    problems: list[Problem] = field(default_factory=list)
    max_deviation: float = 0.0
    result: Result | None = None
    golden_checked: bool = False  # whether a recorded result was compared too
    # the listed Keras defects that explain its disagreements, in defects.toml's
    # order, each with the problems it explains (each problem goes to one entry)
    defects: dict[str, list[Problem]] = field(default_factory=dict)
    # listed defects a pre-release no longer shows: fixed upstream (the entry's range
    # gets its upper bound once a release carries the fix), not a problem there
    fixed: list[str] = field(default_factory=list)

    @property
    def defect(self) -> str | None:
        """The first listed defect shown, where one names the case's state."""
        return next(iter(self.defects), None)

    @property
    def defect_problems(self) -> list[Problem]:
        """Every problem a listed defect explains, entry by entry."""
        return [p for problems in self.defects.values() for p in problems]

    @property
    def agrees(self) -> bool:
        return not self.problems

    @property
    def state(self) -> str:
        """One of STATES: 'agree', 'refused' (as the rule predicts), 'defect' (differs
        as a listed defect says) or 'disagree': how a summary counts the case."""
        if not self.agrees:
            return "disagree"
        if self.defect:
            return "defect"
        return "refused" if self.outcome == "rejected" else "agree"

    def add(self, aspect: str, problems: list[Problem]) -> None:
        if aspect not in KINDS:
            raise ValueError(f"unknown aspect {aspect!r}")
        for p in problems:
            if p.kind not in KINDS[aspect]:
                raise ValueError(f"unknown kind {p.kind!r} of aspect {aspect!r}")
        self.problems += [replace(p, aspect=aspect) for p in problems]

    def failed_aspects(self) -> list[str]:
        failed = {p.aspect for p in self.problems}
        return [a for a in ASPECTS if a in failed]

    def lines(self) -> list[str]:
        """Each problem as people read it: 'aspect: sentence'."""
        return [str(p) for p in self.problems]

    def explain(self) -> str:
        """The failure message: the case, the aspects that failed, each problem."""
        head = f"{self.case.id}: {', '.join(self.failed_aspects())} disagree"
        return head + "".join(f"\n  {p}" for p in self.problems)

"""Verdicts: does a Keras result match the rules (signature) and the oracle (values)?

Shared by the pytest suite, the CLI and the golden-set checks, so that all of
them judge a result the same way. Every function returns a list of problems,
each a sentence naming the output; an empty list means agreement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from rnn_shapes.defects import listed
from rnn_shapes.result import Result
from rnn_shapes.spec.case import Case
from rnn_shapes.tolerance import max_deviation, tolerance
from rnn_shapes.spec.signature import (
    calls,
    expected_facts,
    expected_masks,
    expected_rejection,
    output_dtype,
    signature,
    symbolic_dtype,
    symbolic_signature,
)

if TYPE_CHECKING:
    from rnn_shapes.golden.sets import GoldenSet

# How to (re)record the installed environment's golden set; said wherever a set
# is missing or stale.
REGEN_HINT = "rnn-shapes record   (or: pytest --rnn-regen-golden)"


# The aspects a verdict judges, in the order a failure message lists them.
ASPECTS = ("refusal", "rules", "oracle", "defect", "golden")


@dataclass
class Verdict:
    """One case judged: problems found per aspect, and the largest value deviation.

    Every aspect that applies is judged, so a failure names each one that
    failed (the rules and the oracle both, say), not only the first.
    """

    case: Case
    outcome: str
    problems: list[str] = field(default_factory=list)
    max_deviation: float = 0.0
    result: Result | None = None
    golden_checked: bool = False  # whether a recorded result was compared too
    defect: str | None = None  # a listed Keras defect explains the disagreement
    defect_problems: list[str] = field(default_factory=list)  # what it explains

    @property
    def agrees(self) -> bool:
        return not self.problems

    def add(self, aspect: str, problems: list[str]) -> None:
        self.problems += [f"{aspect}: {p}" for p in problems]

    def failed_aspects(self) -> list[str]:
        return [a for a in ASPECTS if any(p.startswith(f"{a}: ") for p in self.problems)]

    def explain(self) -> str:
        """The failure message: the case, the aspects that failed, each problem."""
        head = f"{self.case.id}: {', '.join(self.failed_aspects())} disagree"
        return head + "".join(f"\n  {p}" for p in self.problems)


def rejection_problems(case: Case, result: Result, keras_major: int) -> list[str]:
    """A refusal by Keras is right only where the version rule predicts it."""
    expected = expected_rejection(case, keras_major)
    if result.outcome == "rejected":
        if expected is None:
            return [f"Keras {keras_major} refused a case it should build: {result.error}"]
        if expected not in (result.error or ""):
            return [f"Keras {keras_major} refused for another reason: {result.error}"]
        return []
    if expected is not None:
        return [f"Keras {keras_major} built a case it should refuse ({expected!r})"]
    return []


def signature_problems(case: Case, result: Result, backend: str = "tensorflow") -> list[str]:
    """Arity, shapes, dtypes and container against the rules."""
    sig = signature(case)
    if result.arity != sig.arity:
        return [f"arity: expected {sig.arity} {sig.names}, got {result.arity}"]
    problems = []
    per_call = sig.arity // calls(case)  # a stateful case: 3 calls, a dynamic-time one 2
    expected_container = ("tuple", "list") if per_call > 1 else ("tensor",)
    if result.container not in expected_container:
        problems.append(
            f"container: expected {' or '.join(expected_container)}, got {result.container}"
        )
    for name, want, got, dtype in zip(
        sig.names, sig.shapes, result.shapes, result.dtypes, strict=True
    ):
        if want != got:
            problems.append(f"output {name}: shape expected {want}, got {got}")
        want_dtype = output_dtype(case, backend)
        if dtype != want_dtype:
            problems.append(f"output {name}: dtype expected {want_dtype}, got {dtype}")
    problems += symbolic_problems(case, result, backend)
    return problems + mask_problems(case, result) + fact_problems(case, result)


def symbolic_problems(case: Case, result: Result, backend: str = "tensorflow") -> list[str]:
    """What the built model said its outputs would be, against the rules
    (spec.signature.symbolic_signature) and against what each call returned
    (a None in the symbolic shape matches any size). A set of schema < 4 did not
    record them: nothing to judge (the runner records them for every model it
    builds, tests/test_paths.py)."""
    if result.symbolic is None:
        return []
    want = symbolic_signature(case)
    said = result.symbolic
    if len(said) != want.arity:
        return [f"symbolic: expected {want.arity} outputs {want.names}, the model says {len(said)}"]
    problems = []
    dtype = symbolic_dtype(case)  # the policy's: on every backend
    eager_dtype = output_dtype(case, backend)
    for name, shape, (s_shape, s_dtype) in zip(want.names, want.shapes, said, strict=True):
        if tuple(s_shape) != shape or s_dtype != dtype:
            problems.append(
                f"symbolic {name}: expected {dtype}{list(shape)}, the model says "
                f"{s_dtype}{list(s_shape)}"
            )
    names = signature(case).names
    for i, (name, shape, got_dtype) in enumerate(
        zip(names, result.shapes, result.dtypes, strict=True)
    ):
        s_shape, s_dtype = said[i % len(said)]
        fits = len(s_shape) == len(shape) and all(
            s is None or s == n for s, n in zip(s_shape, shape, strict=True)
        )
        # the dtypes part where the rule says so (JAX without x64: float64 -> float32)
        parted = (s_dtype, got_dtype) == (dtype, eager_dtype)
        if not fits or (s_dtype != got_dtype and not parted):
            problems.append(
                f"symbolic against eager, output {name}: the model says {s_dtype}{list(s_shape)}, "
                f"the call returned {got_dtype}{list(shape)}"
            )
    return problems


def fact_problems(case: Case, result: Result) -> list[str]:
    """What a training run showed against the rule (spec.signature.expected_facts)."""
    want = expected_facts(case)
    if want == result.facts:
        return []
    if want is None or result.facts is None:
        return [f"facts: expected {want}, got {result.facts}"]
    return [
        f"{name}: expected {want[name]}, got {result.facts.get(name)}"
        for name in sorted(want)
        if result.facts.get(name) != want[name]
    ]


def mask_problems(case: Case, result: Result) -> list[str]:
    """The masks handed on with the outputs against the rule (spec.signature.expected_masks)."""
    want = expected_masks(case)
    if want == result.masks:
        return []
    if want is None or result.masks is None:
        return [f"output masks: expected {want}, got {result.masks}"]
    if isinstance(result.masks, str):
        return [f"output masks: Keras raised {result.masks}"]
    names = signature(case).names
    return [
        f"output {name}: mask expected {w}, got {g}"
        for name, w, g in zip(names, want, result.masks, strict=True)
        if w != g
    ]


def value_problems(
    case: Case,
    got: tuple[np.ndarray, ...],
    want: tuple[np.ndarray, ...],
    backend: str = "tensorflow",
) -> list[str]:
    """Values of `got` against `want` (the oracle), output by output."""
    names = signature(case).names_of(len(got))
    if len(got) != len(want):
        return [f"arity: {len(got)} outputs against {len(want)} expected"]
    atol, rtol = tolerance(case, backend)
    problems = []
    for name, g, w in zip(names, got, want, strict=True):
        if g.shape != w.shape:
            problems.append(f"output {name}: shape {g.shape} against {w.shape}")
            continue
        err = np.abs(g.astype(np.float64) - w)
        bad = err > atol + rtol * np.abs(w)
        if bad.any():
            i = np.unravel_index(int(np.argmax(err)), err.shape)
            problems.append(
                f"output {name}: {int(bad.sum())} of {err.size} values off; worst at "
                f"{tuple(int(k) for k in i)}: got {g[i]!r}, expected {w[i]!r} "
                f"(|diff| {err[i]:.3g} > {atol:.3g} + {rtol:.3g}*|expected|)"
            )
    return problems


def golden_problems(
    case: Case, expected: Result, got: Result, backend: str = "tensorflow"
) -> list[str]:
    """A live result against the recorded one: everything exact but values (tolerance)."""
    hint = f"; if the change is intended, regenerate: {REGEN_HINT}"
    said = []  # an older set did not record the symbolic outputs
    if expected.symbolic is not None and expected.symbolic != got.symbolic:
        said = [f"symbolic: recorded {expected.symbolic}, the model says {got.symbolic}{hint}"]
    if (expected.outcome, expected.error) != (got.outcome, got.error):
        outcome = (
            f"outcome: recorded {expected.outcome} ({expected.error}), "
            f"got {got.outcome} ({got.error}){hint}"
        )
        return [*said, outcome]
    if got.outcome == "rejected":  # refused as recorded, for the same reason
        return said
    problems = []
    if expected.container != got.container:
        problems.append(f"container: recorded {expected.container}, got {got.container}")
    if expected.masks != got.masks:
        problems.append(f"output masks: recorded {expected.masks}, got {got.masks}")
    if expected.facts != got.facts:
        problems.append(f"facts: recorded {expected.facts}, got {got.facts}")
    if expected.arity != got.arity:
        problems.append(f"arity: recorded {expected.arity}, got {got.arity}")
    else:
        names = signature(case).names_of(got.arity)
        for name, es, gs, ed, gd in zip(
            names, expected.shapes, got.shapes, expected.dtypes, got.dtypes, strict=True
        ):
            if (es, ed) != (gs, gd):
                problems.append(f"output {name}: recorded {ed}{list(es)}, got {gd}{list(gs)}")
        if not problems:
            want = tuple(o.astype(np.float64) for o in expected.outputs)
            problems += value_problems(case, got.outputs, want, backend)
    return said + [p + hint for p in problems]


def verify(
    case: Case,
    result: Result,
    oracle: tuple[np.ndarray, ...] | None,
    keras_major: int,
    recorded: Result | None = None,
    env: Mapping[str, str] | None = None,
) -> Verdict:
    """The whole judgement of one result: refusal rule, rules (signature), oracle
    values and, when given, the recorded golden result.

    With `env` (its keras and backend), a defect listed for the case in
    rnn_shapes/defects.toml turns a disagreement with the rules and the oracle
    into an expected difference, and an agreement into a problem: a listed
    defect that no longer shows must be noticed. The golden set stays exact.
    """
    verdict = Verdict(case, result.outcome, result=result)
    backend = (env or {}).get("backend", "tensorflow")
    verdict.add("refusal", rejection_problems(case, result, keras_major))
    if result.outcome == "ok" and expected_rejection(case, keras_major) is None:
        verdict.add("rules", signature_problems(case, result, backend))
        if oracle is not None:  # None: random values (training), the rules judge their effects
            verdict.add("oracle", value_problems(case, result.outputs, oracle, backend))
            if [o.shape for o in result.outputs] == [w.shape for w in oracle]:
                verdict.max_deviation = max_deviation(result.outputs, oracle)
    refused_by_rule = expected_rejection(case, keras_major) is not None and not verdict.problems
    defect = None if refused_by_rule else listed(case.id, env)  # no values, nothing to show
    if defect is not None:
        verdict.defect = defect.name
        verdict.defect_problems = [p for p in verdict.problems if defect.explained(p)]
        verdict.problems = [p for p in verdict.problems if not defect.explained(p)]
        if not verdict.defect_problems:
            verdict.add(
                "defect",
                [
                    f"listed defect {defect.name!r} no longer shows in Keras "
                    f"{env['keras']} ({env['backend']}): narrow or remove its entry in "
                    "rnn_shapes/defects.toml"
                ],
            )
    if recorded is not None:
        verdict.add("golden", golden_problems(case, recorded, result, backend))
        verdict.golden_checked = True
    return verdict


def judge(
    case: Case,
    result: Result,
    oracle: tuple[np.ndarray, ...] | None,
    keras_major: int,
    golden: GoldenSet | None = None,
    env: Mapping[str, str] | None = None,
) -> Verdict:
    """verify() against a golden set: a case the set lacks is a problem, never a
    skipped check."""
    recorded = golden.results.get(case.id) if golden is not None else None
    verdict = verify(case, result, oracle, keras_major, recorded, env)
    if golden is not None and recorded is None:
        verdict.add("golden", [f"not recorded in {golden.path}; {REGEN_HINT}"])
    return verdict

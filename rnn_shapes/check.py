"""The checks: does a Keras result match the rules (signature), the oracle
(values) and a recorded result?

Each function returns Problem records (rnn_shapes/verdict.py), an empty list
meaning agreement; the Judge (rnn_shapes/judge.py) runs them and says which
aspect each belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from rnn_shapes.cases.case import Case
from rnn_shapes.cases.signature import (
    calls,
    expected_facts,
    expected_masks,
    expected_rejection,
    output_dtype,
    signature,
    symbolic_dtype,
    symbolic_signature,
)
from rnn_shapes.differences import differences
from rnn_shapes.result import Result
from rnn_shapes.tolerance import LARGEST, off, spread_allowance, tolerance
from rnn_shapes.verdict import Problem

# How to (re)record the installed environment's golden set; said wherever a set
# is missing or stale.
REGEN_HINT = "rnn-shapes record   (or: pytest --rnn-regen-golden)"


def rejection_problems(
    case: Case, result: Result, keras_major: int, backend: str, keras_minor: int = 0
) -> list[Problem]:
    """A refusal by Keras is right only where the version rule predicts it."""
    expected = expected_rejection(case, keras_major, backend, keras_minor)
    if result.outcome == "rejected":
        if expected is None:
            text = f"Keras {keras_major} refused a case it should build: {result.error}"
            return [Problem("refused", text, got=result.error)]
        if expected not in (result.error or ""):
            text = f"Keras {keras_major} refused for another reason: {result.error}"
            return [Problem("refused-otherwise", text, expected=expected, got=result.error)]
        return []
    if expected is not None:
        text = f"Keras {keras_major} built a case it should refuse ({expected!r})"
        return [Problem("built", text, expected=expected)]
    return []


def signature_problems(
    case: Case, result: Result, backend: str = "tensorflow", mask: np.ndarray | None = None
) -> list[Problem]:
    """Arity, shapes, dtypes and container against the rules; `mask`, when given, is
    the mask the layer was given instead of the case's own (a user's model)."""
    sig = signature(case)
    if result.arity != sig.arity:
        text = f"arity: expected {sig.arity} {sig.names}, got {result.arity}"
        return [Problem("arity", text, expected=sig.arity, got=result.arity)]
    problems = []
    per_call = sig.arity // calls(case)  # a stateful case: 3 calls, a dynamic-time one 2
    expected_container = ("tuple", "list") if per_call > 1 else ("tensor",)
    if result.container not in expected_container:
        text = f"container: expected {' or '.join(expected_container)}, got {result.container}"
        problems.append(Problem("container", text, None, expected_container, result.container))
    want_dtype = output_dtype(case, backend)
    for i, (name, want, got, dtype) in enumerate(
        zip(sig.names, sig.shapes, result.shapes, result.dtypes, strict=True)
    ):
        if want != got:
            text = f"output {name}: shape expected {want}, got {got}"
            problems.append(Problem("shape", text, i, want, got))
        if dtype != want_dtype:
            text = f"output {name}: dtype expected {want_dtype}, got {dtype}"
            problems.append(Problem("dtype", text, i, want_dtype, dtype))
    problems += symbolic_problems(case, result, backend)
    masks = mask_problems(case, result, mask) + received_problems(case, result)
    return problems + masks + fact_problems(case, result)


def symbolic_problems(case: Case, result: Result, backend: str = "tensorflow") -> list[Problem]:
    """What the built model said its outputs would be, against the rules
    (cases.signature.symbolic_signature) and against what each call returned
    (a None in the symbolic shape matches any size). A set of schema < 4 did not
    record them: nothing to judge (the runner records them for every model it
    builds, tests/test_paths.py)."""
    if result.symbolic is None:
        return []
    want = symbolic_signature(case)
    said = result.symbolic
    if len(said) != want.arity:
        text = f"symbolic: expected {want.arity} outputs {want.names}, the model says {len(said)}"
        return [Problem("symbolic-arity", text, None, want.arity, len(said))]
    problems = []
    dtype = symbolic_dtype(case)  # the policy's: on every backend
    eager_dtype = output_dtype(case, backend)
    for i, (name, shape, (s_shape, s_dtype)) in enumerate(
        zip(want.names, want.shapes, said, strict=True)
    ):
        if tuple(s_shape) != shape or s_dtype != dtype:
            text = (
                f"symbolic {name}: expected {dtype}{list(shape)}, the model says "
                f"{s_dtype}{list(s_shape)}"
            )
            problems.append(Problem("symbolic", text, i, (shape, dtype), (s_shape, s_dtype)))
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
            text = (
                f"symbolic against eager, output {name}: the model says {s_dtype}{list(s_shape)}, "
                f"the call returned {got_dtype}{list(shape)}"
            )
            problems.append(
                Problem("symbolic-eager", text, i, (s_shape, s_dtype), (shape, got_dtype))
            )
    return problems


def fact_problems(case: Case, result: Result) -> list[Problem]:
    """What a training run showed against the rule (cases.signature.expected_facts)."""
    want = expected_facts(case)
    if want == result.facts:
        return []
    if want is None or result.facts is None:
        return [Problem("facts", f"facts: expected {want}, got {result.facts}", None, want, None)]
    return [
        Problem(
            "fact",
            f"{name}: expected {want[name]}, got {result.facts.get(name)}",
            expected={name: want[name]},
            got={name: result.facts.get(name)},
        )
        for name in sorted(want)
        if result.facts.get(name) != want[name]
    ]


def mask_problems(case: Case, result: Result, mask: np.ndarray | None = None) -> list[Problem]:
    """The masks handed on with the outputs against the rule (cases.signature.expected_masks)."""
    want = expected_masks(case, mask)
    if want == result.masks:
        return []
    if want is None or result.masks is None:
        text = f"output masks: expected {want}, got {result.masks}"
        return [Problem("masks", text, None, want, result.masks)]
    if isinstance(result.masks, str):
        return [Problem("masks-error", f"output masks: Keras raised {result.masks}", None, want)]
    names = signature(case).names
    return [
        Problem("mask", f"output {name}: mask expected {w}, got {g}", i, w, g)
        for i, (name, w, g) in enumerate(zip(names, want, result.masks, strict=True))
        if w != g
    ]


def received_problems(case: Case, result: Result) -> list[Problem]:
    """The masks attached to the returned tensors (what a next layer reads) against
    what the layer's compute_mask says: observed and derived must agree."""
    if result.received is None or isinstance(result.masks, str):
        return []  # not observed (predict), or compute_mask raised (masks-error says so)
    said = result.masks or (None,) * len(result.received)
    if tuple(said) == result.received:
        return []
    names = signature(case).names_of(len(result.received))
    return [
        Problem(
            "received", f"output {name}: compute_mask says {m}, the tensor carries {r}", i, m, r
        )
        for i, (name, m, r) in enumerate(zip(names, said, result.received, strict=False))
        if m != r
    ]


def value_problems(
    case: Case,
    got: tuple[np.ndarray, ...],
    want: tuple[np.ndarray, ...],
    backend: str = "tensorflow",
    spread: Callable[[], tuple[np.ndarray, ...] | None] | None = None,
) -> list[Problem]:
    """Values of `got` against `want` (the oracle), output by output. `spread`, when
    given, measures how far rounding alone moves each value (oracle.rounding_spread):
    asked only where a value is off, and what it allows is allowed beside the
    tolerance (tolerance.spread_allowance)."""
    names = signature(case).names_of(len(got))
    if len(got) != len(want):
        text = f"arity: {len(got)} outputs against {len(want)} expected"
        return [Problem("arity", text, None, len(want), len(got))]
    atol, rtol = tolerance(case, backend)
    dtype = output_dtype(case, backend)
    problems = []
    for k, (name, g, w) in enumerate(zip(names, got, want, strict=True)):
        if g.shape != w.shape:
            text = f"output {name}: shape {g.shape} against {w.shape}"
            problems.append(Problem("shape", text, k, w.shape, g.shape))
            continue
        held = g.astype(np.float64)
        err, bad = off(held, w, atol, rtol, LARGEST[dtype])
        allowed: np.ndarray | float = 0.0
        spread_at: np.ndarray | None = None
        if bad.any() and spread is not None and (spreads := spread()):
            allowed = spread_allowance(case, spreads[k], backend)
            spread_at = spreads[k]
            err, bad = off(held, w, atol, rtol, LARGEST[dtype], allowed)
        if bad.any():
            i = _worst(err, bad)
            text = (
                f"output {name}: {int(bad.sum())} of {err.size} values off; worst at "
                f"{i}: got {g[i]!r}, expected {w[i]!r} "
                f"(|diff| {err[i]:.3g} > {atol:.3g} + {rtol:.3g}*|expected|"
                + (
                    f" + {np.broadcast_to(allowed, err.shape)[i]:.3g} rounding spread)"
                    if np.any(allowed)
                    else ")"
                )
            )
            at = None if spread_at is None else float(spread_at[i])
            problems.append(Problem("values", text, k, float(w[i]), float(g[i]), spread=at))
    return problems


# The recorded result's packing, as the golden check words each aspect's difference
PACKING = {
    "container": "container",
    "masks": "output masks",
    "received": "attached masks",
    "facts": "facts",
}


def golden_problems(
    case: Case, expected: Result, got: Result, backend: str = "tensorflow"
) -> list[Problem]:
    """A live result against the recorded one (rnn_shapes/differences.py): everything
    exact but values (tolerance)."""
    hint = f"; if the change is intended, regenerate: {REGEN_HINT}"
    diffs = differences(expected, got)
    found = {d.aspect: d for d in diffs if d.aspect != "output"}
    said = []  # an older set did not record the symbolic outputs
    if "symbolic" in found and expected.symbolic is not None:
        text = f"symbolic: recorded {expected.symbolic}, the model says {got.symbolic}{hint}"
        said = [Problem("symbolic", text, None, expected.symbolic, got.symbolic)]
    if "outcome" in found or "error" in found:
        text = (
            f"outcome: recorded {expected.outcome} ({expected.error}), "
            f"got {got.outcome} ({got.error}){hint}"
        )
        recorded, returned = (expected.outcome, expected.error), (got.outcome, got.error)
        return [*said, Problem("outcome", text, None, recorded, returned)]
    if got.outcome == "rejected":  # refused as recorded, for the same reason
        return said
    problems = [
        Problem(kind, f"{label}: recorded {d.was}, got {d.now}", None, d.was, d.now)
        for kind, label in PACKING.items()
        if (d := found.get(kind)) is not None
    ]
    if "arity" in found:
        text = f"arity: recorded {expected.arity}, got {got.arity}"
        problems.append(Problem("arity", text, None, expected.arity, got.arity))
    else:
        names = signature(case).names_of(got.arity)
        for d in (d for d in diffs if d.aspect == "output"):
            (es, ed), (gs, gd), i = d.was, d.now, d.output or 0
            text = f"output {names[i]}: recorded {ed}{list(es)}, got {gd}{list(gs)}"
            problems.append(Problem("output", text, i, d.was, d.now))
        if not problems:
            want = tuple(o.astype(np.float64) for o in expected.outputs)
            problems += value_problems(case, got.outputs, want, backend)
    return said + [_with_hint(p, hint) for p in problems]


def _with_hint(problem: Problem, hint: str) -> Problem:
    return replace(problem, text=problem.text + hint)


def _worst(err: np.ndarray, bad: np.ndarray) -> tuple[int, ...]:
    """Where the largest difference among the values that are off is."""
    flat = int(np.argmax(np.where(bad, err, -1.0)))
    return tuple(int(j) for j in np.unravel_index(flat, err.shape))


def relation_problems(
    case: Case,
    name: str,
    left: tuple[np.ndarray, ...],
    right: tuple[np.ndarray, ...],
    error: str | None = None,
    backend: str = "tensorflow",
    spread: Callable[[], tuple[np.ndarray, ...] | None] | None = None,
) -> list[Problem]:
    """A relation's two sides (keras/relations.py) against each other: as many
    outputs, the same shapes, values within the case's tolerance (and what rounding
    alone moves its values by, the largest of them: the sides round differently).
    The problem's kind is the relation's name; an error on either side is one too."""
    if error is not None:
        return [Problem(name, f"{name}: Keras raised on one side: {error}", None, name, error)]
    if len(left) != len(right):
        text = f"{name}: {len(left)} outputs against {len(right)}"
        return [Problem(name, text, None, len(right), len(left))]
    atol, rtol = tolerance(case, backend)
    dtype = output_dtype(case, backend)
    for k, (g, w) in enumerate(zip(left, right, strict=True)):
        if g.shape != w.shape:
            return [Problem(name, f"{name}: output {k} shape {g.shape} against {w.shape}", k)]
        held, want = g.astype(np.float64), w.astype(np.float64)
        err, bad = off(held, want, atol, rtol, LARGEST[dtype])
        if bad.any() and spread is not None and (spreads := spread()):
            allowed = float(max(np.max(spread_allowance(case, s, backend)) for s in spreads))
            err, bad = off(held, want, atol, rtol, LARGEST[dtype], allowed)
        if bad.any():
            i = _worst(err, bad)
            text = (
                f"{name}: output {k}: {int(bad.sum())} of {err.size} values differ; worst at "
                f"{i}: {g[i]!r} against {w[i]!r} (|diff| {err[i]:.3g})"
            )
            return [Problem(name, text, k, float(w[i]), float(g[i]))]
    return []

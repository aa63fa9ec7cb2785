"""advise: what moving a model from one environment to another changes, without Keras,
from what the project knows: the load survey, the committed golden sets, the
rules, the oracle and the defects file.

The model's file is read as data (models/files.py). Whether it loads: every reason
the target refuses it (models/survey.py), in the order a loader meets them, and
what the target did with the committed records' files of its format and writer.

What each recurrent layer then returns differently, by aspect (refusal, container,
arity, shapes, dtypes, masks, values), from four sources, each said as the basis:

- its *like* cases, the committed cases of its configuration: the same layer,
  direction, flags and options (sizes and weights aside), with a mask when the
  model makes one or without, with initial states where the layer is given them,
  stateful where it is, through predict or a direct call, not saved (whether the
  file loads is the survey's); each present in both sets is compared: values beyond
  the oracle's tolerance;
- the cases of its *structure* (the like cases, and those that differ only in the
  axes that change values alone: activations, bias, dropout, reset_after,
  zero_output_for_mask): the structural aspects as compare words them (refusal,
  container, arity, shapes, dtypes) and the masks attached to what it returns;
- the rules and the oracle, on the layer's own case at the probe batch's sizes
  (models/nominal.py) under each environment: a refusal one release's rules say,
  and the values each computes (a listed defect's `predicts` where one applies),
  with the size of the change (hard_sigmoid's redefinition shows here);
- a listed defect of its configuration that applies in one environment and not
  the other, with the aspects its failure signatures name.

No evidence is said as such, never as "nothing changes". For a file that will not
load, the same is what rebuilding the model in code and loading its weights gives
(`load_weights` reads either release's files: the project's own models load them
all, models/rebuilt/), with the weights' layout under each release's rules.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rnn_shapes.analysis.compare import load, structural
from rnn_shapes.cases.axes import AXES
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.matrix import matrix
from rnn_shapes.cases.signature import expected_rejection
from rnn_shapes.check import value_problems
from rnn_shapes.defect_values import PREDICTIONS
from rnn_shapes.defects import Defect, concerning
from rnn_shapes.differences import drift
from rnn_shapes.environment import Environment, version_tuple
from rnn_shapes.golden.sets import GoldenSet
from rnn_shapes.models.config import Described, LayerConfig, describe, recurrent_layers
from rnn_shapes.models.files import ModelFile
from rnn_shapes.models.nominal import layer_case, mask_via
from rnn_shapes.models.records import every_record
from rnn_shapes.models.survey import Reason, load_reasons, survey_of
from rnn_shapes.oracle import run_oracle
from rnn_shapes.tolerance import max_deviation

# The aspects a prediction is made of, in the order they are said.
ASPECTS = ("loads", "refusal", "container", "arity", "shapes", "dtypes", "masks", "values")
# and what a table of them leaves out: a refusal's words, a run's facts
SIZES = {"units", "batch", "timesteps", "features", "weights", "sample"}
# Axes a like case may set whatever the layer's config says (the model may use them).
EITHER = {"predict", "dynamic_time", "call_batch", "mask_via"}
# Axes that change a layer's values and nothing else: a case of the same structure
# may set them otherwise.
VALUE_ONLY = {
    "activation",
    "recurrent_activation",
    "use_bias",
    "unit_forget_bias",
    "dropout",
    "recurrent_dropout",
    "reset_after",
    "zero_output_for_mask",
}
# compare's words for a structural change (analysis/compare.py), by aspect
KIND_ASPECTS = {
    "outcome": "refusal",
    "container": "container",
    "arity": "arity",
    "shapes": "shapes",
    "symbolic": "shapes",
    "dtypes": "dtypes",
    "output": "masks",
    "attached": "masks",
    "facts": "facts",
}
# The problems (verdict.KINDS) a listed defect's signature may explain, by aspect
PROBLEM_ASPECTS = {
    "refusal": ("refusal/refused", "refusal/refused-otherwise", "refusal/built"),
    "container": ("rules/container",),
    "arity": ("rules/arity", "oracle/arity"),
    "shapes": ("rules/shape", "oracle/shape"),
    "dtypes": ("rules/dtype",),
    "values": ("oracle/values",),
}
# Masks are not taken from a defect's signatures: an entry explains a mask problem of
# some of its cases (initial-state-drops-implicit-mask: a stacked layer's), not of each;
# the committed cases show which masks are attached (compare's "attached masks").
GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}
ORACLE = "the oracle under each release's rules"


@dataclass
class Change:
    """One thing a layer returns differently in the target, and what says so."""

    aspect: str
    text: str
    basis: str  # "like cases", "cases of its structure", "the rules", ORACLE, a defect
    cases: list[str] = field(default_factory=list)
    size: float | None = None  # values: the largest change predicted
    # False: said as possible, not predicted (a listed defect whose signatures name the
    # aspect for some of its cases, with nothing to say it shows on this one)
    certain: bool = True

    def line(self) -> str:
        n = len(self.cases)
        evidence = f"; {n} case{'s' * (n != 1)}, e.g. {', '.join(self.cases[:2])}" if n else ""
        return f"{self.text} ({self.basis}{evidence})"


@dataclass
class LayerAdvice:
    config: LayerConfig
    described: Described
    like: int = 0  # like cases committed in both sets
    shaped: int = 0  # cases of its structure committed in both (the like ones among them)
    changes: list[Change] = field(default_factory=list)
    weights: str = ""  # the weights' layout in both, for a rebuild
    judged: bool = False  # a case names the layer (the rules and the oracle ran)

    @property
    def aspects(self) -> set[str]:
        """The aspects predicted to change (not those said as possible)."""
        return {c.aspect for c in self.changes if c.certain}

    @property
    def possible(self) -> set[str]:
        """The aspects said as possible only."""
        return {c.aspect for c in self.changes if not c.certain} - self.aspects

    def largest(self) -> float | None:
        sizes = [c.size for c in self.changes if c.aspect == "values" and c.size is not None]
        return max(sizes, default=None)

    def evidence(self) -> str:
        if self.like:
            return f"{self.like} like case{'s' * (self.like != 1)} committed in both"
        if not self.judged:
            return "no case names this layer: nothing is predicted of it"
        return (
            f"no committed case is like it ({self.shaped} of its structure); "
            "from the rules and the oracle on its own case"
        )


@dataclass(frozen=True)
class Seen:
    """What the target did with a committed record's file of the same format and writer."""

    text: str
    loads: bool


@dataclass
class Advice:
    path: Path
    written_by: str | None
    source: str
    target: str
    layers: list[LayerAdvice]
    reasons: list[Reason] = field(default_factory=list)
    survey_note: str | None = None
    seen: list[Seen] = field(default_factory=list)  # recorded files of its format and writer

    @property
    def loads(self) -> bool:
        """The prediction: no reason to refuse it, and the recorded files of the same
        format and writer do not all fail in the target."""
        recorded_fail = bool(self.seen) and not any(s.loads for s in self.seen)
        return not (self.reasons or recorded_fail)

    @property
    def aspects(self) -> set[str]:
        """Every aspect predicted to change (loads, and the layers' after a rebuild)."""
        found = {a for item in self.layers for a in item.aspects}
        return found | ({"loads"} if not self.loads else set())

    @property
    def changes(self) -> bool:
        return bool(self.aspects)

    def headline(self) -> str:
        """The answer in one line: whether it loads, then what its layers do."""
        n = len(self.reasons)
        if self.loads:
            head, where = "loads", ""
        else:
            why = f": {n} reason{'s' * (n != 1)}" if n else " (as such files do not)"
            head, where = f"will not load{why}", "after a rebuild in code with its weights, "
        total = len(self.layers)
        counts = {a: sum(a in item.aspects for item in self.layers) for a in ASPECTS}
        said = [f"{k} of {total} layers change {a}" for a, k in counts.items() if k]
        sizes = [s for s in (item.largest() for item in self.layers) if s is not None]
        if said and sizes and counts["values"]:
            said[-1] += f", up to {max(sizes):.2g}"
        if not said:
            unknown = sum(1 for item in self.layers if not item.judged)
            rest = f" ({unknown} not judged)" if unknown else ""
            said = [f"no change known in its {total} recurrent layers{rest}"]
        maybe = sorted({a for item in self.layers for a in item.possible})
        if maybe:
            said.append(f"a listed defect may change {', '.join(maybe)} (see below)")
        return f"{head}; {where}{', '.join(said)}"


def advise(
    file: ModelFile, source: str, target: str, root: Path, matrix_name: str = "default"
) -> Advice:
    """What moving the model file (read as data) from `source` to `target` changes."""
    a, b = load(source, root, matrix_name), load(target, root, matrix_name)
    survey, note = survey_of(b.environment)
    advice = Advice(file.path, file.written_by, a.environment.name, b.environment.name, [])
    advice.survey_note = note
    advice.reasons = load_reasons(file.config, file.format, survey)
    layers = recurrent_layers(file.config)
    via = mask_via(file.config)
    cases = matrix(matrix_name)
    for layer in layers:
        item = LayerAdvice(layer, describe(layer))
        if item.described.axes.get("layer"):
            _from_cases(item, via, len(layers), cases, a, b)
            nominal = layer_case(layer, via)
            if nominal is not None:
                item.judged = True
                _from_rules(item, nominal, a.environment, b.environment)
                _from_defects(item, nominal, cases, a, b)
                item.weights = _weights_line(nominal, layer)
        advice.layers.append(item)
    advice.seen = _seen(root, file.format, file.written_by, b.environment.name)
    return advice


# ---------------------------------------------------------------- committed cases


def _from_cases(
    item: LayerAdvice,
    via: str | None,
    n_layers: int,
    cases: list[Case],
    a: GoldenSet,
    b: GoldenSet,
) -> None:
    """The structural changes of the cases of its structure (the like cases among
    them), and the values changes of the like cases."""

    def like(ignored: set[str]) -> list[Case]:
        return [
            c
            for c in cases
            if _like(c, item.described, item.config, via is not None, n_layers, ignored)
            and c.id in a.results
            and c.id in b.results
        ]

    alike, shaped = like(set()), like(VALUE_ONLY)
    item.like, item.shaped = len(alike), len(shaped)
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for case in shaped:
        for kind in _kinds(case, a, b, values=False):
            found["cases of its structure", kind].append(case.id)
    for case in alike:
        for kind in _kinds(case, a, b, values=True):
            if kind.startswith("values"):
                found["like cases", kind].append(case.id)
    for (basis, kind), ids in sorted(found.items(), key=lambda kv: kv[0][1]):
        item.changes.append(Change(aspect_of(kind), kind, basis, ids))


def aspect_of(kind: str) -> str:
    """The aspect of a change as compare words it ("container list -> tuple": container)."""
    if kind.startswith("values"):
        return "values"
    if kind.startswith("refusal message"):
        return "message"
    return KIND_ASPECTS[kind.split()[0]]


def _kinds(case: Case, a: GoldenSet, b: GoldenSet, values: bool) -> list[str]:
    ra, rb = a.results[case.id], b.results[case.id]
    kinds = structural(ra, rb)
    if ra.received != rb.received and None not in (ra.received, rb.received):
        kinds.append("attached masks changed")
    if values and not kinds and drift(ra, rb) is not None:
        want = tuple(o.astype("float64") for o in ra.outputs)
        if value_problems(case, rb.outputs, want, b.environment.backend):
            kinds.append("values change beyond the oracle's tolerance")
    return kinds


def _like(
    case: Case,
    d: Described,
    layer: LayerConfig,
    masked: bool,
    n_layers: int,
    ignored: set[str],
) -> bool:
    """Whether the committed case is of this layer's configuration (see the docstring),
    the `ignored` axes aside. Not a case saved and loaded: whether the file loads is
    the survey's to say, and a layer after loading is the layer."""
    if case.training or case.save is not None:
        return False
    free = {  # axes the model's use decides: the values that fit it
        "mask": lambda v: v is None or masked,
        "initial_state": lambda v: v is None or layer.states_given,
        "state_form": lambda v: v == "keyword" or layer.states_given,
        "stack": lambda v: not v or n_layers > 1,
    }
    for name, axis in AXES.items():
        if name in SIZES or name in EITHER or name in ignored:
            continue
        value = getattr(case, name)
        if name in free:
            if not free[name](value):
                return False
        elif not _same(case, name, value, d.axes.get(name, axis.default)):
            return False
    return True


def _same(case: Case, name: str, value: Any, want: Any) -> bool:
    if name == "reset_after":  # GRU's only; the Case's None is Keras' default
        return case.layer != "GRU" or (AXES[name].default if value is None else value) == want
    if name == "zero_output_for_mask" and (case.mask is None or case.bidirectional):
        return True  # no effect there
    if name in ("dropout", "recurrent_dropout"):
        return bool(value) == bool(want)  # at inference any rate computes the same
    return value == want


# ---------------------------------------------------------------- rules and oracle


def _from_rules(item: LayerAdvice, case: Case, a: Environment, b: Environment) -> None:
    """A refusal one release's rules say and the other's not; the values each computes
    on the layer's own case (the oracle under its rules, or a listed defect's
    prediction), and by how much they move."""
    said = [_refusal(case, env) for env in (a, b)]
    if said[0] != said[1]:
        text = f"refused: {said[1]}" if said[1] else f"built, where {a.name} refuses it"
        item.changes.append(Change("refusal", text, "the rules"))
    if any(said):
        return
    (va, basis_a), (vb, basis_b) = _values(case, a), _values(case, b)
    if va is None or vb is None or len(va) != len(vb):
        return
    if any(x.shape != y.shape for x, y in zip(va, vb, strict=True)):
        return
    moved = [p for p in value_problems(case, vb, va, b.backend) if p.kind == "values"]
    if moved:
        size = max_deviation(vb, va)
        basis = basis_b if basis_b != ORACLE else basis_a
        item.changes.append(
            Change("values", f"values change by up to {size:.2g}", basis, size=size)
        )


def _refusal(case: Case, env: Environment) -> str | None:
    major, minor = version_tuple(env.keras)
    return expected_rejection(case, major, env.backend, minor)


def _values(case: Case, env: Environment) -> tuple[tuple[np.ndarray, ...] | None, str]:
    """What the environment computes for the case: a listed defect's prediction where
    one applies and has one, else the oracle under its major's rules."""
    for defect in concerning(case, env):
        if defect.predicts and "values" in _defect_aspects(defect):
            outs = PREDICTIONS[defect.predicts](case, env.keras_major)
            return outs, f"listed defect {defect.name!r}"
    return run_oracle(case, keras_major=env.keras_major), ORACLE


# ---------------------------------------------------------------- listed defects


def _defect_aspects(defect: Defect) -> list[str]:
    return [
        aspect
        for aspect, keys in PROBLEM_ASPECTS.items()
        if any(fnmatch.fnmatchcase(k, s.problem) for k in keys for s in defect.explains)
    ]


def _from_defects(
    item: LayerAdvice, nominal: Case, cases: list[Case], a: GoldenSet, b: GoldenSet
) -> None:
    """Each listed defect of the layer's own configuration (its conditions on the
    nominal case) that one environment has and the other not, with the committed
    cases of its layer it concerns there: each aspect its signatures explain, as
    possible (an entry's signatures hold for some of its cases, not each: what it
    shows on this one is its `predicts`, sized by _from_rules, or the committed
    cases')."""
    da, db = concerning(nominal, a.environment), concerning(nominal, b.environment)
    sized = {c.basis for c in item.changes if c.aspect == "values"}
    for found, other, where, kind in ((db, da, b, "applies"), (da, db, a, "no longer applies")):
        for defect in found:
            if defect in other:
                continue
            shown = [
                c.id
                for c in cases
                if c.layer == nominal.layer
                and c.save is None
                and c.id in where.results
                and defect.applies(c, where.environment)
            ]
            basis = f"listed defect {defect.name!r} {kind}"
            if defect.hands_no_mask(nominal) and not defect.may_hide(nominal):
                text = (
                    "the mask attached to what it returns: gone"
                    if kind == "applies"
                    else ("the mask attached to what it returns: back")
                )
                item.changes.append(Change("masks", text, basis, list(dict.fromkeys(shown))))
            for aspect in _defect_aspects(defect):
                if aspect == "values" and f"listed defect {defect.name!r}" in sized:
                    continue
                text = f"{aspect} may change, as the defect says of some of its cases"
                shown = list(dict.fromkeys(shown))
                item.changes.append(Change(aspect, text, basis, shown, certain=False))


# ---------------------------------------------------------------- the weights path


def _weights_line(case: Case, layer: LayerConfig) -> str:
    """The layer's weights as both releases lay them out for its config (the same
    rules in Keras 2 and 3: a rebuild in code loads them)."""
    units = int(layer.config.get("units") or case.units)
    inner = layer.config.get("layer") if layer.class_name == "Bidirectional" else None
    if isinstance(inner, Mapping):
        units = int((inner.get("config") or {}).get("units") or units)
    gates = GATES[case.layer] * units
    two_biases = case.layer == "GRU" and case.reset_after is not False
    bias = f"(2, {gates})" if two_biases else f"({gates},)"
    per = f"kernel (features, {gates}), recurrent ({units}, {gates}), bias {bias}"
    return f"{per}{' per direction' if case.bidirectional else ''}: the same in both"


# ---------------------------------------------------------------- records


def _line(version: str | None) -> str | None:
    return None if not version else ".".join(str(version).split(".")[:2])


def _seen(root: Path, fmt: str, writer: str | None, target: str) -> list[Seen]:
    """What the target did with the committed model records' files of this format and
    writer's Keras line (the project's own models/): each one's outcome there."""
    if _line(writer) is None:
        return []
    return [
        Seen(
            f"{r.path.parent.name}/{r.model['file']} "
            f"({r.model['format']}, Keras {r.model['written_by']}): "
            + ("loads" if r.loads else f"does not load: {r.error}"),
            r.loads,
        )
        for r in every_record(root)
        if r.name == target
        and r.model.get("format") == fmt
        and _line(r.model.get("written_by")) == _line(writer)
    ]


# ---------------------------------------------------------------- output


def render(advice: Advice) -> str:
    by = f", written by Keras {advice.written_by}" if advice.written_by else ""
    lines = [
        f"advise: {advice.path}{by}",
        f"from {advice.source} to {advice.target}",
        f"answer: {advice.headline()}",
    ]
    if advice.reasons:
        lines += ["", f"why {advice.target} will not load it (in the order loading meets them):"]
        lines += [f"  {r.line()}" for r in advice.reasons]
    if advice.survey_note:
        lines.append(f"  ({advice.survey_note})")
    if not advice.loads:
        lines += ["", "rebuilt in code, its weights loaded (load_weights):"]
    for item in advice.layers:
        d = item.described
        lines += ["", f"{item.config.path} ({d.what}): {item.evidence()}"]
        if item.judged and not item.changes:
            lines.append("  no change known")
        lines += [f"  {c.aspect}: {c.line()}" for c in item.changes]
        if item.weights and not advice.loads:
            lines.append(f"  weights: {item.weights}")
        lines += [f"  note: {n.line()}" for n in d.notes]
    if advice.seen:
        n, loading = len(advice.seen), sum(s.loads for s in advice.seen)
        lines += [
            "",
            f"the committed records' files of its format and writer: {loading} of {n} "
            f"load in {advice.target}, e.g.",
        ]
        lines += [f"  {s.text[:200]}" for s in advice.seen[:3]]
    return "\n".join(lines) + "\n"


def to_dict(advice: Advice) -> dict[str, Any]:
    """The advice as JSON: the answer first, then the reasons and each layer's changes."""
    return {
        "answer": advice.headline(),
        "loads": advice.loads,
        "file": str(advice.path),
        "written_by": advice.written_by,
        "from": advice.source,
        "to": advice.target,
        "aspects": [a for a in ASPECTS if a in advice.aspects],
        "reasons": [vars(r) for r in advice.reasons],
        "survey_note": advice.survey_note,
        "layers": [
            {
                "layer": item.config.path,
                "what": item.described.what,
                "like_cases": item.like,
                "structure_cases": item.shaped,
                "evidence": item.evidence(),
                "weights": item.weights,
                "changes": [vars(c) for c in item.changes],
                "notes": [n.line() for n in item.described.notes],
            }
            for item in advice.layers
        ],
        "seen": [s.text for s in advice.seen],
    }

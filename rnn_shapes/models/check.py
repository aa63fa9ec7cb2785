"""check-model: a user's model file, its recurrent layers judged as every case is.

The model is loaded and run once on the probe batch (models/probe.py) with every
recurrent layer observed (keras/model.py). Each layer's configuration is read
onto the harness's axes (models/config.py), which names it as a case (sizes
from the input it was given, its mask by the nearest pattern, initial states as
inputs); the oracle computes that case on the input, mask, initial states and
weights the model gave the layer, and the one Judge judges the layer's outputs
against it and the rules, with the listed defects applied where they show.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from rnn_shapes.cases.case import Case
from rnn_shapes.cases.masks import nearest_pattern
from rnn_shapes.cases.states import N_STATES
from rnn_shapes.defects import Defect, explaining_error
from rnn_shapes.environment import Environment
from rnn_shapes.judge import Judge
from rnn_shapes.keras.model import (
    DoesNotLoad,
    Observed,
    Run,
    input_specs,
    layer_weights,
    load,
    recurrent_instances,
    run_observed,
)
from rnn_shapes.models.config import (
    Described,
    LayerConfig,
    Note,
    describe,
    mask_sources,
)
from rnn_shapes.models.files import ModelFile, nodes
from rnn_shapes.models.nominal import nominal_case, saved_cases
from rnn_shapes.models.probe import probe_batch
from rnn_shapes.oracle import Given, layer_outputs
from rnn_shapes.result import Result, held
from rnn_shapes.verdict import PASSING, SAID, Problem, Verdict


@dataclass
class LayerCheck:
    """One call of one recurrent layer, judged."""

    path: str
    what: str
    call: int
    input_shape: tuple[int, ...]
    output_shapes: tuple[tuple[int, ...], ...]
    state: str  # agree | disagree | defect | not judged (verdict.STATES)
    problems: list[Problem] = field(default_factory=list)
    defects: tuple[str, ...] = ()  # the listed defects that explain its differences
    defect_problems: list[Problem] = field(default_factory=list)
    max_deviation: float | None = None
    notes: tuple[Note, ...] = ()
    case_id: str | None = None
    why_not: str | None = None  # not judged: why

    @property
    def status(self) -> str:
        """The state as check-model says it (verdict.SAID)."""
        return SAID[self.state]

    @property
    def passes(self) -> bool:
        return self.state in PASSING

    @property
    def verdict_text(self) -> str:
        if self.state == "disagree":
            return "differs: " + ", ".join(sorted({f"{p.aspect}/{p.kind}" for p in self.problems}))
        if self.state == "defect":
            named = ", ".join(map(repr, self.defects))
            return f"known defect {named}: differs from the equations as it says"
        if self.state == "not judged":
            return f"not judged: {self.why_not}"
        return self.status


@dataclass
class ModelCheck:
    """A model file checked in this environment."""

    file: ModelFile
    environment: str
    loads: bool
    error: str | None = None
    # where it does not load: the listed defects that explain why (by its layers' cases)
    load_defects: tuple[Defect, ...] = ()
    layers: list[LayerCheck] = field(default_factory=list)
    run: Run | None = None
    seconds: float = 0.0

    @property
    def agrees(self) -> bool:
        """Every layer call passes; or the file does not load as a listed defect says."""
        if not self.loads:
            return bool(self.load_defects)
        return all(c.passes for c in self.layers)


def check_model(file: ModelFile, env: Environment) -> ModelCheck:
    """Load the model file (read as data: models.files.read_model_file), run it
    once, and judge every recurrent layer's every call."""
    start = time.perf_counter()
    report = ModelCheck(file, env.name, loads=False)
    try:
        model = load(file)
    except DoesNotLoad as exc:
        report.error = str(exc)
        report.load_defects = explaining_error(saved_cases(file), env, report.error)
        report.seconds = time.perf_counter() - start
        return report
    report.loads = True
    layers = recurrent_instances(model)
    report.run = run_observed(model, probe(model, file), {p: lay for p, (lay, _) in layers.items()})
    judge = Judge(env)
    for path_, (layer, wrappers) in layers.items():
        config = LayerConfig(path_, type(layer).__name__, layer.get_config(), wrappers)
        described = describe(config)
        weights_ = layer_weights(layer) if described.axes.get("layer") else ()
        for k, observed in enumerate(report.run.calls[path_]):
            report.layers.append(judge_call(judge, config, described, observed, weights_, k))
    report.seconds = time.perf_counter() - start
    return report


def probe(model: object, file: ModelFile) -> list[np.ndarray]:
    """The probe batch for this model: padded where the model makes a mask."""
    sources = mask_sources(file.config)
    vocab = _smallest(file.config, "Embedding", "input_dim") or 10
    mask_value = _smallest(file.config, "Masking", "mask_value") or 0.0
    return probe_batch(input_specs(model), bool(sources), int(vocab), float(mask_value))


def _smallest(config: object, cls: str, key: str) -> float | None:
    """The smallest `key` of the config's `cls` layers (a vocabulary, a mask value)."""
    found = [
        node["config"][key]
        for node in nodes(config)
        if node.get("class_name") == cls
        and isinstance(node.get("config"), dict)
        and isinstance(node["config"].get(key), (int, float))
    ]
    return min(found) if found else None


def judge_call(
    judge: Judge,
    config: LayerConfig,
    described: Described,
    observed: Observed,
    weights: tuple,
    k: int = 0,
) -> LayerCheck:
    """One observed call of one layer against the oracle and the rules."""
    check = LayerCheck(
        config.path,
        described.what,
        k,
        tuple(observed.inputs.shape),
        tuple(tuple(o.shape) for o in observed.outputs),
        "not judged",
        notes=described.notes,
    )
    try:
        case = call_case(described, observed)
    except ValueError as exc:
        check.why_not = str(exc)
        return check
    check.case_id = case.id
    oracle = None
    mask = _mask(observed)
    if described.judged:
        given = Given(weights, mask)
        oracle = layer_outputs(
            case, observed.inputs, given, _start(case, observed), judge.keras_major
        )
    verdict = judge.against(case, _result(case, observed), oracle, mask, nominal=True)
    _fill(check, verdict, described)
    return check


def _fill(check: LayerCheck, verdict: Verdict, described: Described) -> None:
    check.problems = list(verdict.problems)
    check.max_deviation = verdict.max_deviation
    check.defects = tuple(verdict.defects)
    check.defect_problems = list(verdict.defect_problems)
    if verdict.problems:
        check.state = "disagree"
    elif not described.judged:
        check.why_not = "values: " + "; ".join(
            f"{n.option}={n.value!r}" for n in described.notes if not n.harmless
        )
    else:
        check.state = verdict.state


def call_case(described: Described, observed: Observed) -> Case:
    """The case that names the layer's call (models.nominal): its input's shape, its
    mask by the nearest pattern, its initial states as inputs. ValueError: none can."""
    mask = _mask(observed)
    pattern = None if mask is None else nearest_pattern(mask)
    via = "call" if observed.input_mask is None else "layer"
    states = None
    if observed.initial_state is not None:
        states = {"initial_state": "input", "state_form": observed.state_form}
    shape = tuple(observed.inputs.shape)
    return nominal_case(described.axes, shape, pattern, via, states)


def _mask(observed: Observed) -> np.ndarray | None:
    """The mask the rules say the layer is given: the call's own, else the one its
    input carries (Keras' __call__ hands a layer that takes a mask its input's)."""
    return observed.mask if observed.mask is not None else observed.input_mask


def _start(case: Case, observed: Observed) -> tuple[list | None, list | None]:
    """The initial states the layer was given, split between the directions."""
    states = observed.initial_state
    if states is None:
        return (None, None)
    n = N_STATES[case.layer]
    return (states[:n], states[n:] or None)


def _result(case: Case, observed: Observed) -> Result:
    values, dtypes = held(observed.outputs)
    masked = case.mask is not None
    return Result(
        case.id,
        "ok",
        observed.container,
        values,
        dtypes,
        masks=observed.handed_on if masked else None,
        received=observed.received if masked else None,
    )

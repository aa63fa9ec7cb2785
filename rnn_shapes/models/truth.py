"""advise's predictions against what the upgrade then does, on the project's own models.

For each pair of environments the tox environments run (models/ holds files each
source wrote; fixtures/models/ both environments' records of them), every file
that loads in the source is advised on from source to target, and the prediction
is set beside the records:

- loads: whether the target's record loads;
- per recurrent layer, each aspect (refusal, container, arity, shapes, dtypes,
  masks, values): what the layer's calls returned in the target against the
  source, as the records hold them (values beyond the oracle's tolerance of the
  layer's own case). Where the file does not load in the target, the target's
  record of the model rebuilt in code with the file's weights (scripts/
  rebuild_models.py: models/rebuilt/<writer>-in-<target's Keras>/) stands for it,
  as advise's prediction does; without one, the layer's aspects are not checked.

Each (file, layer, aspect) counts once: predicted, happened, both, missed
(happened, not predicted), invented (predicted, did not happen).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnn_shapes.analysis.compare import counted_in
from rnn_shapes.cases.case import Case
from rnn_shapes.check import value_problems
from rnn_shapes.differences import differences
from rnn_shapes.environment import channel, release_order
from rnn_shapes.models.advise import ASPECTS, Advice, advise, aspect_of
from rnn_shapes.models.config import recurrent_layers
from rnn_shapes.models.files import ModelFile, model_files, read_model_file
from rnn_shapes.models.nominal import layer_case, mask_via
from rnn_shapes.models.records import MODEL_OUTPUT, Record, every_record, read_records
from rnn_shapes.result import Result
from rnn_shapes.tolerance import max_deviation

# (source, target, the folder of models/ the source wrote); the nightly is the newest
# pre-release environment that recorded the project's models
STABLE_PAIRS = (
    ("tf2.15-keras2.15-tensorflow", "tf2.21-keras3.15-tensorflow", "keras2.15"),
    ("tf2.21-keras3.15-tensorflow", "tf2.15-keras2.15-tensorflow", "keras3.15"),
    ("tf2.21-keras3.13-tensorflow", "tf2.21-keras3.15-tensorflow", "keras3.13"),
)
NIGHTLY_FROM = ("tf2.21-keras3.15-tensorflow", "keras3.15")
REBUILT = "rebuilt"


@dataclass(frozen=True)
class Outcome:
    pair: str
    file: str
    layer: str  # "" for the file's loading
    aspect: str
    predicted: bool
    happened: bool


@dataclass(frozen=True)
class Size:
    """A values change predicted and seen: the largest of each (the prediction is the
    layer's own case at the harness's weights, the records the file's: its order)."""

    pair: str
    file: str
    layer: str
    predicted: float
    happened: float


@dataclass
class Truth:
    outcomes: list[Outcome] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)  # layers no record can check
    sizes: list[Size] = field(default_factory=list)

    def counts(self) -> dict[tuple[str, str], Counter]:
        """Per (pair, aspect): predicted, happened, both, missed, invented."""
        table: dict[tuple[str, str], Counter] = {}
        for o in self.outcomes:
            c = table.setdefault((o.pair, o.aspect), Counter())
            c["predicted"] += o.predicted
            c["happened"] += o.happened
            c["both"] += o.predicted and o.happened
            c["missed"] += o.happened and not o.predicted
            c["invented"] += o.predicted and not o.happened
        return table

    def wrong(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.predicted != o.happened]


def pairs(root: Path) -> list[tuple[str, str, str]]:
    """The stable pairs, and Keras 3.15 to the newest pre-release that recorded models."""
    found = {r.name: r.environment for r in every_record(root)}
    nightly = [name for name, env in found.items() if channel(env) == "next"]
    newest = sorted(nightly, key=lambda n: release_order(found[n]))[-1:]
    source, writer = NIGHTLY_FROM
    return [*STABLE_PAIRS, *((source, n, writer) for n in newest)]


def truth(root: Path, models: Path) -> Truth:
    """Every prediction of advise on the project's models against the records."""
    found = Truth()
    for source, target, writer in pairs(root):
        pair = f"{_short(source)} -> {_short(target)}"
        for path in model_files(models / writer):
            file = read_model_file(path)
            records = {r.name: r for r in read_records(root, file)}
            if source not in records or target not in records or not records[source].loads:
                continue
            advice = advise(file, source, target, root)
            loads = records[target].loads
            found.outcomes.append(
                Outcome(pair, path.name, "", "loads", not advice.loads, not loads)
            )
            there = records[target] if loads else _rebuilt(root, models, writer, target, path)
            if there is None:
                found.unchecked += [f"{pair}: {path.name}: {i.config.path}" for i in advice.layers]
                continue
            found.outcomes += _layers(pair, file, advice, records[source], there)
            found.sizes += _sizes(pair, file, advice, records[source], there)
    return found


def _short(name: str) -> str:
    return name.removesuffix("-tensorflow")


def _rebuilt(root: Path, models: Path, writer: str, target: str, path: Path) -> Record | None:
    """The target's record of the model rebuilt there in code with this file's weights."""
    for folder in sorted((models / REBUILT).glob(f"{writer}-in-*")):
        rebuilt = folder / f"{path.stem}.keras"
        if rebuilt.is_file():
            records = {r.name: r for r in read_records(root, read_model_file(rebuilt))}
            if target in records and records[target].loads:
                return records[target]
    return None


def _layers(
    pair: str, file: ModelFile, advice: Advice, here: Record, there: Record
) -> list[Outcome]:
    via = mask_via(file.config)
    cases = {layer.path: layer_case(layer, via) for layer in recurrent_layers(file.config)}
    out = []
    for item in advice.layers:
        path = item.config.path
        happened = _happened(path, cases.get(path), here, there)
        out += [
            Outcome(pair, file.path.name, path, aspect, aspect in item.aspects, aspect in happened)
            for aspect in ASPECTS[1:]
        ]
    return out


def _calls(path: str, here: Record, there: Record) -> list[tuple[Result, Result | None]]:
    """Each recorded call of the layer at `path` ("<path>#<call>"), in both records."""
    keys = [k for k in here.outputs if k != MODEL_OUTPUT and k.rsplit("#", 1)[0] == path]
    return [(here.outputs[k], there.outputs.get(k)) for k in keys]


def _happened(path: str, case: Case | None, here: Record, there: Record) -> set[str]:
    """The aspects in which the layer's calls differ between the two records (values:
    beyond the oracle's tolerance of the layer's own case, as the judge bounds them)."""
    found: set[str] = set()
    backend = there.environment.get("backend", "tensorflow")
    for a, b in _calls(path, here, there):
        if b is None:
            found.add("refusal")
            continue
        diffs = differences(a, b)
        found |= {aspect_of(kind) for kind in counted_in(diffs)}
        if any(d.aspect == "received" for d in diffs):
            found.add("masks")
        want = tuple(x.astype(np.float64) for x in a.outputs)
        if case is not None and any(
            p.kind == "values" for p in value_problems(case, b.outputs, want, backend)
        ):
            found.add("values")  # an arity or shape change is said as such
    return found & set(ASPECTS)


def _sizes(pair: str, file: ModelFile, advice: Advice, here: Record, there: Record) -> list[Size]:
    found = []
    for item in advice.layers:
        predicted = item.largest()
        calls = [(a, b) for a, b in _calls(item.config.path, here, there) if b is not None]
        moved = [_largest(a.outputs, b.outputs) for a, b in calls]
        if predicted is not None and moved and max(moved) > 0:
            found.append(Size(pair, file.path.name, item.config.path, predicted, max(moved)))
    return found


def _largest(a: tuple, b: tuple) -> float:
    """The largest change of the outputs whose shapes line up."""
    shaped = [(x, y) for x, y in zip(a, b, strict=False) if x.shape == y.shape]
    return max_deviation(tuple(y for _, y in shaped), tuple(x for x, _ in shaped))


def markdown(found: Truth) -> str:
    """The tables docs/models.md shows: per pair and aspect, predicted / happened /
    missed / invented; each values change's size, predicted and seen."""
    lines = [
        "| pair | aspect | predicted | happened | both | missed | invented |",
        "|---|---|---|---|---|---|---|",
    ]
    for (pair, aspect), c in found.counts().items():
        lines.append(
            f"| {pair} | {aspect} | {c['predicted']} | {c['happened']} | {c['both']} "
            f"| {c['missed']} | {c['invented']} |"
        )
    lines += [
        "",
        "| pair | file | layer | values: largest change predicted | seen |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {z.pair} | {z.file} | {z.layer} | {z.predicted:.2g} | {z.happened:.2g} |"
        for z in found.sizes
    ]
    return "\n".join(lines) + "\n"

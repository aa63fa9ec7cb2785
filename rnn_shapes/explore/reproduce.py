"""A finding handed over: a standalone script (Keras and NumPy only, no rnn_shapes)
that builds the minimal model, sets its weights, runs its calls, and compares what
comes out with the expected values written into it (the oracle's, or the other
side of a relation, as Keras computed it); it prints both and exits 1 where they
differ, 0 where they agree. Beside it, the text of an upstream issue.

`reproduction(trial, judge)` reads what the script needs from live Keras (the
model's weights, its feeds); `script` and `issue_text` only write text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rnn_shapes.cases.axes import AXES
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.relations import RELATIONS
from rnn_shapes.cases.signature import output_dtype
from rnn_shapes.environment import Environment
from rnn_shapes.explore.trial import Trial
from rnn_shapes.judge import Judge
from rnn_shapes.keras.build import build_model, model_inputs
from rnn_shapes.keras.run import Call, call_plan
from rnn_shapes.report.code import model_code
from rnn_shapes.tolerance import tolerance


@dataclass
class Reproduction:
    """What the script holds: the model's case, its weights, its calls, the round trip
    before them, how it is called, and the values expected and got."""

    case: Case
    weights: list[np.ndarray]
    calls: list[Call]
    reload: str | None
    expected: tuple[np.ndarray, ...] | None  # None: random values (training), shapes only
    got: tuple[np.ndarray, ...]
    says: str  # where the expected values come from, in words
    atol: float
    rtol: float


def reproduction(trial: Trial, judge: Judge) -> Reproduction | None:
    """The reproduction of a trial's failure, read from live Keras; None where there
    is nothing to replay (the harness raised, Keras refused the case, or it raised
    setting up a relation's side: the issue text says what it raised)."""
    if trial.verdict is None or trial.verdict.result is None:
        return None
    related = [p for p in trial.verdict.problems if p.aspect == "relation"]
    if related and (trial.sides is None or trial.sides.error is not None):
        return None  # Keras raised setting a side up: the issue text carries its error
    if related and trial.sides is not None:
        side = trial.sides
        atol, rtol = tolerance(side.left_case, judge.backend)
        calls = [(i == 0, feed, i == len(side.feeds) - 1) for i, feed in enumerate(side.feeds)]
        says = f"the relation {side.name!r}: {RELATIONS[side.name].says} (Keras' other side)"
        return Reproduction(
            side.left_case,
            side.weights,
            calls,
            side.reload,
            side.right,
            side.left,
            says,
            atol,
            rtol,
        )
    result = trial.verdict.result
    if result.outcome != "ok":
        return None
    case = trial.case
    model = build_model(case)
    atol, rtol = tolerance(case, judge.backend)
    expected = None if case.training else judge.expected(case)
    says = "the NumPy oracle's values, from the layer's equations (rnn-shapes)"
    return Reproduction(
        case,
        [np.array(w) for w in model.get_weights()],
        call_plan(case, model_inputs(case)),
        case.save,
        expected,
        result.outputs,
        says,
        atol,
        rtol,
    )


def _literal(a: np.ndarray) -> str:
    return f"np.array({np.asarray(a).tolist()!r}, dtype={str(np.asarray(a).dtype)!r})"


def _feed(feed: Any) -> str:
    if isinstance(feed, list):
        return "[" + ", ".join(_literal(p) for p in feed) + "]"
    return _literal(feed)


def _call(case: Case, feed: str) -> str:
    if case.predict:
        return f"model.predict({feed}, batch_size={case.batch}, verbose=0)"
    if case.training:
        return f"model({feed}, training=True)"
    return f"model({feed})"


RELOAD = {
    "keras": [
        "import tempfile, os",
        "path = os.path.join(tempfile.mkdtemp(), 'model.keras')",
        "model.save(path)",
        "model = keras.models.load_model(path)",
    ],
    "h5": [
        "import tempfile, os",
        "path = os.path.join(tempfile.mkdtemp(), 'model.h5')",
        "model.save(path)",
        "model = keras.models.load_model(path)",
    ],
    "config": [
        "weights = model.get_weights()",
        "model = model.__class__.from_config(model.get_config())",
        "model.set_weights(weights)",
    ],
}

COMPARE = '''
def flat(value):
    """Every output as a NumPy array, in order (Keras 3's ops convert any backend's)."""
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in flat(v)]
    convert = getattr(getattr(keras, "ops", None), "convert_to_numpy", None)
    return [np.asarray(convert(value) if convert else value)]


def reset(model):
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            (getattr(layer, "reset_state", None) or layer.reset_states)()


def differ(got, expected, atol, rtol):
    if len(got) != len(expected):
        return f"{len(got)} outputs, expected {len(expected)}"
    for i, (g, w) in enumerate(zip(got, expected)):
        if g.shape != w.shape:
            return f"output {i}: shape {g.shape}, expected {w.shape}"
        if VALUES and not np.allclose(g.astype("float64"), w, atol=atol, rtol=rtol):
            worst = np.unravel_index(np.argmax(np.abs(g.astype("float64") - w)), w.shape)
            at = tuple(int(j) for j in worst)
            return f"output {i}: at {at} got {g[worst]!r}, expected {w[worst]!r}"
    return None
'''


def model_lines(case: Case) -> list[str]:
    """The model's code (the site's), without its notes on how rnn-shapes sets the
    weights and runs it: a reproduction sets and runs them itself, as literals."""
    return [
        line.split("  # its table")[0]
        for line in model_code(case).splitlines()
        if not line.startswith(("# weights:", "# run:"))
    ]


def script(rep: Reproduction, title: str) -> str:
    """The standalone script: Keras and NumPy only; exit 1 where Keras' values differ."""
    lines = [
        f'"""{title}',
        "",
        "Standalone: Keras and NumPy only. Exit 1: Keras' outputs differ "
        "from the expected ones; 0: they agree.",
        f"Expected: {rep.says}.",
        '"""',
        "",
        "import sys",
    ]
    lines += model_lines(rep.case)
    lines.append("model.set_weights([" + ", ".join(_literal(w) for w in rep.weights) + "])")
    if rep.reload is not None:
        lines += RELOAD[rep.reload]
    lines.append(COMPARE)
    lines.append("outputs = []")
    for i, (reset, feed, kept) in enumerate(rep.calls):
        if reset:
            lines.append("reset(model)")
        lines.append(f"feed_{i} = {_feed(feed)}")
        call = _call(rep.case, f"feed_{i}")
        lines.append(f"outputs += flat({call})" if kept else call)
    expected = rep.expected if rep.expected is not None else rep.got
    values = rep.expected is not None
    lines.append(
        f"VALUES = {values}" + ("" if values else "  # training: random values, shapes only")
    )
    lines.append("expected = [" + ", ".join(_literal(w) for w in expected) + "]")
    lines += [
        f"problem = differ(outputs, expected, atol={rep.atol!r}, rtol={rep.rtol!r})",
        "for i, (g, w) in enumerate(zip(outputs, expected)):",
        "    print(f'output {i}: got', np.array2string(g, precision=6), "
        "'expected', np.array2string(w, precision=6))",
        "print('keras', keras.__version__, '-', 'DIFFER: ' + problem if problem else 'agree')",
        "sys.exit(1 if problem else 0)",
    ]
    return "\n".join(lines) + "\n"


def in_words(case: Case) -> str:
    """The case as a person reads it: its layer and shapes, then each field off
    Keras' default."""
    off = [
        f"{name}={getattr(case, name)!r}"
        for name, axis in AXES.items()
        if name not in ("layer", "units", "batch", "timesteps", "features")
        and axis.of(case.layer)
        and getattr(case, name) != axis.default
    ]
    shape = f"units={case.units}, input (B, T, D)=({case.batch}, {case.timesteps}, {case.features})"
    return f"{case.layer}({shape})" + (", " + ", ".join(off) if off else "")


def _environment(env: Environment) -> str:
    return ", ".join(f"{k} {v}" for k, v in env.metadata().items())


def issue_text(
    trial: Trial, env: Environment, script_name: str, backend: str, title: str = ""
) -> str:
    """The upstream issue's text: environment, the case in words, expected, got."""
    case = trial.case
    # what it shows: the unexplained problems, or a listed defect's (a known one handed on)
    problems = [*trial.verdict.problems, *trial.verdict.defect_problems] if trial.verdict else []
    got = "\n".join(f"- {p}" for p in problems) or f"- {trial.error}"
    relation = RELATIONS[trial.relation].says if trial.relation else None
    expected = (
        f"{relation}."
        if relation and any(p.aspect == "relation" for p in problems)
        else (
            "the values of the layer's equations (a NumPy reimplementation), the outputs "
            f"Keras' documentation describes (dtype {output_dtype(case, backend)})"
        )
    )
    return "\n".join(
        [
            f"# {title or case.layer + ': ' + ', '.join(trial.signature)}",
            "",
            f"**Environment**: {_environment(env)}",
            "",
            f"**Case**: {in_words(case)}"
            + (f"; relation: {trial.relation}" if trial.relation else ""),
            "",
            f"**Expected**: {expected}",
            "",
            f"**Got**:\n{got}",
            "",
            f"**Reproduce**: `python {script_name}` (Keras and NumPy only; exit 1 while it shows)",
            "",
            "```python",
            model_code(case).rstrip(),
            "```",
            "",
        ]
    )

"""The model code the site shows for a case (report/code.py) builds the model
rnn_shapes/keras/build.py builds: the same layers with the same configuration, and the
same symbolic outputs. Needs Keras 3 (the code is in its spelling)."""

from __future__ import annotations

import pytest

from rnn_shapes.cases.matrix import matrix
from rnn_shapes.report.code import model_code

keras = pytest.importorskip("keras")
if int(keras.__version__.split(".")[0]) < 3:
    pytest.skip("the site's code is Keras 3's spelling", allow_module_level=True)

from rnn_shapes.keras.build import functional_model, symbolic_outputs  # noqa: E402


def _variety() -> list:
    """A case per kind of model: families, direction, state form, mask route, weights."""
    seen, out = set(), []
    for c in matrix("default"):
        kind = (
            c.families,
            c.bidirectional,
            c.merge_mode,
            c.layer,
            c.initial_state,
            c.state_form,
            c.mask_via if c.mask else None,
            c.weights == "distinct",
        )
        if kind not in seen:
            seen.add(kind)
            out.append(c)
    return out[::7][:40]


def _configs(model) -> list[dict]:
    """Each layer's configuration without the names Keras numbers per session."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("name", "seed")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return [strip(layer.get_config()) for layer in model.layers]


@pytest.mark.parametrize("case", _variety(), ids=lambda c: c.id)
def test_code_builds_the_model_build_py_builds(case):
    try:
        expected, _ = functional_model(case, initializers=True)
    except Exception as exc:  # Keras refuses it: the code is refused the same way
        with pytest.raises(type(exc)) as info:
            exec(model_code(case), {})
        # the same message too: a crash of the builder itself is no refusal by Keras
        assert str(info.value) == str(exc)
        return
    scope: dict = {}
    exec(model_code(case), scope)
    got = scope["model"]
    assert symbolic_outputs(got) == symbolic_outputs(expected)
    assert _configs(got) == _configs(expected)

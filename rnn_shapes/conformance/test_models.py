"""Your models: one test per model file and recurrent layer that
`[tool.rnn-shapes] models` names (collected only where it names some).

Each model is loaded and run once per process on the probe batch; each layer's
test judges what it returned there against the oracle and the rules, as
`rnn-shapes check-model` does. A model this environment cannot load fails each
of its layers' tests with Keras' message.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.rnn_shapes, pytest.mark.keras]


def test_model_layer(rnn_model_layer, rnn_session):
    """The layer's every call in the model agrees with the oracle and the rules (or
    differs exactly as a listed defect says)."""
    path, layer = rnn_model_layer
    check = rnn_session.model_check(path)
    if not check.loads:
        pytest.fail(f"{path}: does not load in {check.environment}: {check.error}", pytrace=False)
    calls = [c for c in check.layers if c.path == layer]
    if not calls:
        pytest.fail(f"{path}: its layer {layer!r} was not called in the model's run", pytrace=False)
    failed = [c for c in calls if not c.passes]
    if failed:
        pytest.fail(
            pytrace=False,
            reason="\n".join(
                f"{c.path} (call {c.call}, {c.what}): {c.verdict_text}"
                + "".join(f"\n  {p.text}" for p in c.problems)
                for c in failed
            ),
        )

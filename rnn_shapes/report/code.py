"""A case's Keras model as Python code a user can paste (Keras 3 spelling).

Written from the Case alone, as rnn_shapes/keras/build.py builds it: Input ->
[Masking] -> [stack] -> layer -> Model, the same constructor keywords
(cases/axes.py's keras_keywords, Constant weights as initializers, Keras 3's
dropout seed), Bidirectional with its merge mode, dtype and backward layer, and
the initial states in the call's form. Needs no Keras: the site shows it, and
tests/test_site_code.py builds it with Keras and checks it against build.py.
"""

from __future__ import annotations

from rnn_shapes.cases.axes import keras_keywords
from rnn_shapes.cases.case import Case, Constant
from rnn_shapes.cases.embedding import vocabulary
from rnn_shapes.cases.masks import MASK_VALUE
from rnn_shapes.cases.paths import backward_case, lower_cases
from rnn_shapes.cases.states import initial_states, state_units

DROPOUT_SEED = 1234  # rnn_shapes/keras/build.py's: Keras 3 takes it as `seed`


def _args(kwargs: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in kwargs.items())


def layer_code(case: Case, go_backwards: bool | None = None) -> str:
    """`keras.layers.LSTM(units=3, ...)`: the case's recurrent layer, one way."""
    kwargs = {k: repr(v) for k, v in keras_keywords(case).items()}
    if go_backwards is not None:
        kwargs["go_backwards"] = repr(go_backwards)
    if case.dropout or case.recurrent_dropout:
        kwargs["seed"] = str(DROPOUT_SEED)
    if isinstance(case.weights, Constant):
        w = case.weights
        for name, value in (("kernel", w.kernel), ("recurrent", w.recurrent), ("bias", w.bias)):
            kwargs[f"{name}_initializer"] = f"keras.initializers.Constant({value!r})"
    return f"keras.layers.{case.layer}({_args(kwargs)})"


def wrapped_code(case: Case) -> str:
    """The layer, inside Bidirectional where the case asks for it."""
    layer = layer_code(case)
    if not case.bidirectional:
        return layer
    kwargs = {"merge_mode": repr(case.merge_mode)}
    if case.dtype != "float32":
        kwargs["dtype"] = repr(case.dtype)
    if case.backward_layer is not None:
        kwargs["backward_layer"] = layer_code(backward_case(case), not case.go_backwards)
    return f"keras.layers.Bidirectional(\n    {layer},\n    {_args(kwargs)},\n)"


def _input(case: Case, shape: tuple[object, ...], dtype: str | None) -> str:
    typed = f", dtype={dtype!r}" if dtype else ""
    if case.keeps_states:  # a fixed batch size
        return f"keras.Input(batch_shape={(case.batch, *shape)!r}{typed})"
    return f"keras.Input(shape={shape!r}{typed})"


def _states(case: Case, lines: list[str], inputs: list[str]) -> str | None:
    """The initial states' lines; the name they go by in the call (None: zeros)."""
    states = initial_states(case)
    if states is None:
        return None
    if case.initial_state == "input":
        for i, units in enumerate(state_units(case)):
            lines.append(f"h0_{i} = {_input(case, (units,), None)}")
            inputs.append(f"h0_{i}")
    else:
        for i, s in enumerate(states):
            lines.append(f"h0_{i} = np.array({s.tolist()!r}, dtype='float32')")
    return "[" + ", ".join(f"h0_{i}" for i in range(len(states))) + "]"


def _run_line(case: Case) -> str:
    """How the harness runs the model (rnn_shapes/keras/run.py), as a comment."""
    if case.keeps_states:
        reset = "layer.reset_state()"
        if case.stateful_below:
            reset = "each stateful layer's reset_state()"
        second = "x_longer" if case.dynamic_time else "x[:, ::-1]"
        return f"# run: model(x), model({second}), then after {reset}, model(x)"
    if case.training:
        return "# run: model(x, training=True)"
    if case.predict:
        return f"# run: model.predict(x, batch_size={case.batch})"
    if case.save is not None:
        how = "get_config / from_config and set_weights" if case.save == "config" else case.save
        return f"# run: model(x), then the model after a {how} round trip"
    return "# run: model(x)"


def model_code(case: Case) -> str:
    """The case's functional model as a script: imports, layers, the model, how it runs."""
    steps = None if case.dynamic_time else case.timesteps
    dtype = "float64" if case.dtype == "float64" else None
    lines = ["import keras", "import numpy as np", ""]
    if case.mask_via == "embedding":
        lines.append(f"x_in = {_input(case, (steps,), 'int32')}  # token ids, 0: padding")
    else:
        lines.append(f"x_in = {_input(case, (steps, case.features), dtype)}")
    inputs, kwargs, seq = ["x_in"], "", "x_in"
    if case.mask is not None and case.mask_via == "embedding":
        lines.append(
            f"x = keras.layers.Embedding({vocabulary()}, {case.features}, mask_zero=True)(x_in)"
            "  # its table: rnn_shapes.cases.embedding.table"
        )
        seq = "x"
    elif case.mask is not None and case.mask_via == "layer":
        lines.append(f"x = keras.layers.Masking(mask_value={MASK_VALUE!r})(x_in)")
        seq = "x"
    elif case.mask is not None:
        lines.append(f"mask = {_input(case, (steps,), 'bool')}")
        inputs.append("mask")
        kwargs = ", mask=mask"
    for lower in lower_cases(case):
        lines.append(f"x = {wrapped_code(lower)}({seq}{kwargs})")
        seq, kwargs = "x", ""
    states = _states(case, lines, inputs)
    lines.append(f"layer = {wrapped_code(case)}")
    if states is None:
        call = f"layer({seq}{kwargs})"
    elif case.state_form == "positional":
        call = f"layer({seq}, {states}{kwargs})"
    elif case.state_form == "keyword":
        call = f"layer({seq}, initial_state={states}{kwargs})"
    else:
        call = f"layer(sequences={seq}, initial_state={states}{kwargs})"
    lines.append(f"outputs = {call}")
    model_in = inputs[0] if len(inputs) == 1 else "[" + ", ".join(inputs) + "]"
    lines.append(f"model = keras.Model({model_in}, outputs)")
    if case.weights == "distinct":
        lines.append(
            "# weights: distinct per gate, unit and direction, which rnn-shapes assigns "
            "(rnn_shapes.keras.build.assign_all)"
        )
    lines.append(_run_line(case))
    return "\n".join(lines) + "\n"

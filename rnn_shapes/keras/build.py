"""The case's real Keras model: its layers, its functional model, its weights.

Made from the case alone, so a fresh model and a cached one (`cache`) are the
same model; where Keras 2 and 3 differ in a keyword, the branch is where it is used.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnn_shapes.cases.case import Case, Constant
from rnn_shapes.cases.embedding import table, tokens_of, vocabulary
from rnn_shapes.cases.inputs import inputs
from rnn_shapes.cases.masks import MASK_VALUE, mask_of, masked_inputs
from rnn_shapes.cases.paths import backward_case, direction_case, layer_cases
from rnn_shapes.cases.states import initial_states
from rnn_shapes.cases.weights import GATES, direction_weights, has_recurrent_bias
from rnn_shapes.keras.backend import keras_major, keras_module


def layer_kwargs(case: Case, initializers: bool = True) -> dict[str, Any]:
    """Constructor arguments of the case's recurrent layer (Constant weights as initializers)."""
    kwargs: dict[str, Any] = {
        "units": case.units,
        "return_sequences": case.return_sequences,
        "return_state": case.return_state,
        "go_backwards": case.go_backwards,
    }
    if case.layer == "GRU":
        kwargs["reset_after"] = case.reset_after
    if case.zero_output_for_mask:  # an RNN keyword in Keras 2 and 3, given only when set
        kwargs["zero_output_for_mask"] = True
    if case.unroll:
        kwargs["unroll"] = True
    if case.stateful:
        kwargs["stateful"] = True
    kwargs.update(option_kwargs(case))
    if initializers and isinstance(case.weights, Constant):
        init = keras_module().initializers.Constant
        kwargs["kernel_initializer"] = init(case.weights.kernel)
        kwargs["recurrent_initializer"] = init(case.weights.recurrent)
        kwargs["bias_initializer"] = init(case.weights.bias)
    return kwargs


# The seed of a training case's dropout: given to the layer where it takes one
# (Keras 3), and set globally before each build and call (what Keras 2 draws from).
DROPOUT_SEED = 1234


def option_kwargs(case: Case) -> dict[str, Any]:
    """The constructor options that differ from Keras' defaults, as keywords."""
    kwargs: dict[str, Any] = {}
    if not case.use_bias:
        kwargs["use_bias"] = False
    if case.activation != "tanh":
        kwargs["activation"] = case.activation
    if case.recurrent_activation != "sigmoid":
        kwargs["recurrent_activation"] = case.recurrent_activation
    if not case.unit_forget_bias:
        kwargs["unit_forget_bias"] = False
    if case.dropout:
        kwargs["dropout"] = case.dropout
    if case.recurrent_dropout:
        kwargs["recurrent_dropout"] = case.recurrent_dropout
    if (case.dropout or case.recurrent_dropout) and keras_major() >= 3:
        kwargs["seed"] = DROPOUT_SEED
    if case.dtype != "float32":  # a dtype or a mixed policy by name, in Keras 2 and 3
        kwargs["dtype"] = case.dtype
    return kwargs


def make_layer(case: Case, initializers: bool = True) -> Any:
    """The case's recurrent layer, inside Bidirectional when the case asks for it
    (the wrapper with the layer's dtype policy too), with its explicit backward
    layer when it has one (walking the other way)."""
    keras = keras_module()
    layer = getattr(keras.layers, case.layer)(**layer_kwargs(case, initializers))
    if case.bidirectional:
        kwargs: dict[str, Any] = {"dtype": case.dtype} if case.dtype != "float32" else {}
        if case.backward_layer is not None:
            back = backward_case(case)
            back_kwargs = layer_kwargs(back, initializers) | {"go_backwards": not case.go_backwards}
            kwargs["backward_layer"] = getattr(keras.layers, back.layer)(**back_kwargs)
        layer = keras.layers.Bidirectional(layer, merge_mode=case.merge_mode, **kwargs)
    return layer


def input_dtype(case: Case) -> str:
    """A float64 layer gets float64 inputs (exact); the rest float32 (a mixed
    policy casts them to its compute dtype, as a model's float32 data would be)."""
    return "float64" if case.dtype == "float64" else "float32"


def functional_model(case: Case, initializers: bool) -> tuple[Any, list[Any]]:
    """(model, its recurrent layers): Input(T, D) -> [Masking] -> [stack] -> layer -> Model.

    A mask given in the call is a second, boolean model input, given to the
    first recurrent layer (the layers hand it on); initial states given as
    inputs come after it, as constants they are fixed in the graph. A
    dynamic-time input declares its time axis None.
    """
    keras = keras_module()
    # stateful: a fixed batch size, declared as Keras 2 and 3 both read it
    batch = (case.batch,) if case.keeps_states else (None,)
    steps = None if case.dynamic_time else case.timesteps
    if case.mask_via == "embedding":  # token ids in (cases/embedding.py)
        inp = keras.Input(batch_shape=(*batch, steps), dtype="int32")
    else:
        inp = keras.Input(batch_shape=(*batch, steps, case.features), dtype=input_dtype(case))
    model_in, seq, kwargs = [inp], inp, {}
    if case.mask is not None and case.mask_via == "embedding":
        embed = keras.layers.Embedding(
            vocabulary(), case.features, mask_zero=True, dtype=input_dtype(case)
        )
        seq = embed(inp)
        embed.set_weights([table(case.features).astype(input_dtype(case))])
    elif case.mask is not None and case.mask_via == "layer":
        seq = keras.layers.Masking(mask_value=MASK_VALUE)(inp)
    elif case.mask is not None:
        mask_in = keras.Input(batch_shape=(*batch, steps), dtype="bool")
        model_in.append(mask_in)
        kwargs["mask"] = mask_in
    layers = []
    for lower, _ in layer_cases(case)[:-1]:
        layers.append(make_layer(lower, initializers))
        seq, kwargs = layers[-1](seq, **kwargs), {}
    layers.append(make_layer(case, initializers))
    out = _call_with_states(case, layers[-1], seq, kwargs, model_in)
    return keras.Model(model_in if len(model_in) > 1 else inp, out), layers


def symbolic_outputs(model: Any) -> tuple[tuple[tuple[int | None, ...], str], ...]:
    """What the built model says its outputs are before it runs: each output
    KerasTensor's (shape, None where unknown; dtype)."""
    return tuple(
        (
            tuple(None if n is None else int(n) for n in tensor.shape),
            str(getattr(tensor.dtype, "name", tensor.dtype)),  # Keras 2: a tf.DType
        )
        for tensor in model.outputs
    )


def _call_with_states(case: Case, layer: Any, seq: Any, kwargs: dict, model_in: list) -> Any:
    """The layer's call in the case's form: no states, or states positional, by
    keyword, or with the input named too (Keras 3 `sequences=`, Keras 2 `inputs=`)."""
    states = initial_states(case)
    if states is None:
        return layer(seq, **kwargs)
    if case.initial_state == "input":  # a stateful model's inputs declare its batch size
        keras = keras_module()
        batch = case.batch if case.keeps_states else None
        states = [keras.Input(batch_shape=(batch, s.shape[1])) for s in states]
        model_in.extend(states)
    if case.state_form == "positional":
        return layer(seq, states, **kwargs)
    if case.state_form == "keyword":
        return layer(seq, initial_state=states, **kwargs)
    name = "sequences" if keras_major() >= 3 else "inputs"
    return layer(**{name: seq}, initial_state=states, **kwargs)


def model_inputs(case: Case, x: np.ndarray | None = None) -> Any:
    """What the case's model is called with: the input (its masked steps marked for
    a Masking layer), then the mask and the initial states where they are inputs."""
    x = inputs(case) if x is None else np.asarray(x, dtype=np.float32)
    x = x.astype(input_dtype(case))
    if case.mask_via in ("layer", "embedding"):
        x = masked_inputs(case, x)  # x itself when the case has no mask
    if case.mask_via == "embedding" and case.mask is not None:
        x = tokens_of(case, x)  # the tokens whose rows these are (0 where masked)
    feed = [x]
    if case.mask_via == "call" and (mask := mask_of(case)) is not None:
        feed.append(mask)
    if case.initial_state == "input" and (states := initial_states(case)) is not None:
        feed += states
    return feed if len(feed) > 1 else feed[0]


def build_model(case: Case) -> Any:
    """A fresh model for the case: Constant weights as initializers, distinct assigned."""
    if case.training:
        keras_module().utils.set_random_seed(DROPOUT_SEED)
    model, layers = functional_model(case, initializers=True)
    if case.weights == "distinct":
        assign_all(case, layers)
    return model


def assign_all(case: Case, layers: list[Any]) -> None:
    """Assign the case's weights to each recurrent layer of its model (`layers`,
    input first), each direction its own."""
    for (layer_case, depth), layer in zip(layer_cases(case), layers, strict=True):
        for direction, rnn in enumerate(rnn_layers(layer)):
            assign_weights(direction_case(layer_case, direction), direction, rnn, depth)


def rnn_layers(layer: Any) -> list[Any]:
    """The recurrent layers inside `layer`: itself, or forward then backward copy."""
    if hasattr(layer, "forward_layer"):
        return [layer.forward_layer, layer.backward_layer]
    return [layer]


def packed_weights(case: Case, direction: int, depth: int = 0) -> dict[str, np.ndarray]:
    """The case's weights in Keras' packed layout: gates side by side in columns."""
    w = direction_weights(case, direction, depth)
    gates = [w[g] for g in GATES[case.layer]]
    bias = np.concatenate([g.bias for g in gates])
    if has_recurrent_bias(case):
        bias = np.stack([bias, np.concatenate([g.recurrent_bias for g in gates])])
    packed = {
        "kernel": np.concatenate([g.kernel for g in gates], axis=1),
        "recurrent_kernel": np.concatenate([g.recurrent for g in gates], axis=1),
        "bias": bias,
    }
    if not case.use_bias:  # the layer has no bias variable
        del packed["bias"]
    return packed


def assign_weights(case: Case, direction: int, rnn: Any, depth: int = 0) -> None:
    """Assign the case's weights, in each variable's own dtype (float32 under a
    mixed policy, float64 in a float64 layer; the values are exact in both)."""
    for name, value in packed_weights(case, direction, depth).items():
        variable = getattr(rnn.cell, name)
        dtype = getattr(variable.dtype, "name", variable.dtype)  # Keras 2: a tf.DType
        variable.assign(value.astype(dtype))

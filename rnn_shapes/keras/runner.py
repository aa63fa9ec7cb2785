"""The Keras side: build a real functional model for a case and run it.

Thin on purpose. Everything that differs between Keras 2 (tf.keras, tf-keras)
and Keras 3 (any backend) is in `keras_module`, `to_numpy` and `environment`.
"""

from __future__ import annotations

import gc
import logging
import os
import platform
import sys
import tempfile
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np

from rnn_shapes.errors import RnnShapesError
from rnn_shapes.keras.environment import installed, legacy_keras, major
from rnn_shapes.result import Result, container_name, error_text, held_dtype
from rnn_shapes.spec.case import Case, Constant
from rnn_shapes.spec.inputs import inputs, second_inputs
from rnn_shapes.spec.masks import MASK_VALUE, mask_of, mask_text, masked_inputs
from rnn_shapes.spec.paths import backward_case, direction_case, layer_cases, longer
from rnn_shapes.spec.states import initial_states
from rnn_shapes.spec.weights import GATES, direction_weights, has_recurrent_bias
from rnn_shapes.tolerance import PREDICT_ULPS, ulp_distance

PATHS = ("call", "predict")
_threads: int | None = None  # TensorFlow op threads, set by configure_worker


@contextmanager
def _native_stderr_held() -> Iterator[None]:
    """Hold what native code writes to fd 2 (TensorFlow's start-up banner); show it on failure."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


@cache
def keras_module() -> ModuleType:
    """The Keras this environment uses: tf-keras when TF_USE_LEGACY_KERAS=1, else keras."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _native_stderr_held():
        try:
            if legacy_keras():
                import tf_keras as keras
            else:
                import keras
        except ImportError as exc:  # e.g. the package installed without a backend extra
            raise RnnShapesError(
                f"cannot import Keras ({exc}); install one with its backend: "
                "pip install 'rnn-shapes[tensorflow]' (or [jax], [torch])"
            ) from None
        if major(keras.__version__) < 3 or keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            if _threads is not None:
                tf.config.threading.set_intra_op_parallelism_threads(_threads)
                tf.config.threading.set_inter_op_parallelism_threads(_threads)
            tf.constant(0.0) + 1.0  # start the runtime while its banner is held
            # Every op call is wrapped to trim tracebacks on error; that costs ~30%
            # of an eager RNN call and changes no result, only how errors print.
            tf.debugging.disable_traceback_filtering()
        config = getattr(keras, "config", None)
        if hasattr(config, "disable_traceback_filtering"):
            config.disable_traceback_filtering()
    return keras


def configure_worker(threads: int | None = 1) -> bool:
    """Set up a process that will run many cases; False if Keras was loaded already.

    - `threads` TensorFlow op threads (None: TensorFlow's default): several
      workers on few cores otherwise fight. Only possible before TensorFlow
      starts; a process that loaded it already keeps its setting;
    - a lazier garbage collector: building and calling Keras models allocates
      many short-lived cyclic objects, and full collections over a large heap
      cost ~15% of the run. What exists now is frozen out of its sight, and
      young collections happen every 100,000 allocations instead of 700.
    """
    global _threads
    fresh = not keras_module.cache_info().currsize
    if fresh:
        _threads = threads
    gc.freeze()
    gc.set_threshold(100_000, 20, 100)
    return fresh


def keras_major() -> int:
    return major(keras_module().__version__)


def backend_name() -> str:
    keras = keras_module()
    return keras.backend.backend() if keras_major() >= 3 else "tensorflow"


def environment() -> dict[str, str]:
    """Versions that make up the environment a golden set belongs to."""
    keras = keras_module()
    return {
        # read, not imported: a JAX or torch run need not load TensorFlow
        "tensorflow": installed()["tensorflow"],
        "keras": keras.__version__,
        "backend": backend_name(),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": f"{sys.platform}-{platform.machine()}",
    }


def to_numpy(tensor: Any) -> np.ndarray:
    keras = keras_module()
    if keras_major() >= 3:
        return np.asarray(keras.ops.convert_to_numpy(tensor))
    return np.asarray(tensor)


def to_tensor(value: np.ndarray) -> Any:
    """A backend tensor of `value`: `keras.ops` in Keras 3, TensorFlow in Keras 2."""
    if keras_major() >= 3:
        return keras_module().ops.convert_to_tensor(value)
    import tensorflow as tf

    return tf.convert_to_tensor(value)


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


def _functional(case: Case, initializers: bool) -> tuple[Any, list[Any]]:
    """(model, its recurrent layers): Input(T, D) -> [Masking] -> [stack] -> layer -> Model.

    A mask given in the call is a second, boolean model input, given to the
    first recurrent layer (the layers hand it on); initial states given as
    inputs come after it, as constants they are fixed in the graph. A
    dynamic-time input declares its time axis None.
    """
    keras = keras_module()
    # stateful: a fixed batch size, declared as Keras 2 and 3 both read it
    batch = (case.batch,) if case.stateful else (None,)
    steps = None if case.dynamic_time else case.timesteps
    inp = keras.Input(batch_shape=(*batch, steps, case.features), dtype=input_dtype(case))
    model_in, seq, kwargs = [inp], inp, {}
    if case.mask is not None and case.mask_via == "layer":
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
    if case.initial_state == "input":
        keras = keras_module()
        states = [keras.Input(shape=(s.shape[1],)) for s in states]
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
    if case.mask_via == "layer":
        x = masked_inputs(case, x)  # x itself when the case has no mask
    feed = [x]
    if case.mask is not None and case.mask_via == "call":
        feed.append(mask_of(case))
    if case.initial_state == "input":
        feed += initial_states(case)
    return feed if len(feed) > 1 else feed[0]


def build_model(case: Case) -> Any:
    """A fresh model for the case: Constant weights as initializers, distinct assigned."""
    if case.training:
        keras_module().utils.set_random_seed(DROPOUT_SEED)
    model, layers = _functional(case, initializers=True)
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


# Models built for one layer configuration serve every case that differs only
# in weights, batch size or input values. Building costs as much as a short call.
# A model is built with Constant initializers (the case's own, or the tutorials'
# for a distinct case) and remembers the weights Keras' initializers gave it: a
# Constant case runs on exactly those (restored if a distinct case was assigned
# since), a distinct case gets its weights assigned.
@dataclass
class _Shared:
    model: Any
    layers: list[Any]  # its recurrent layers, input first
    constant: Constant  # the initializers it was built with
    initialized: list[np.ndarray]  # the weights those initializers produced
    assigned: bool = False  # distinct weights were assigned since


_MODELS: OrderedDict[Case, _Shared] = OrderedDict()
# Keras refuses a configuration, whatever the weights or batch: asked once each.
_REFUSALS: dict[Case, str] = {}
_KEPT_MODELS = 4
_CLEAR_EVERY = 250  # builds between keras.backend.clear_session() calls
_builds = 0


def _model_key(case: Case) -> Case:
    """Cases that differ only in weights, batch size, input values or mask pattern
    (data, not structure) share a model."""
    mask = None if case.mask is None else "none"
    # constant initial states are (B, U) arrays fixed in the graph, and a stateful
    # model has a fixed batch size: the batch stays
    batch = case.batch if case.initial_state == "constant" or case.stateful else 1
    return replace(
        case, batch=batch, weights="distinct", sample=None, mask=mask, predict=False, save=None
    )


def _shared_model(case: Case) -> _Shared:
    """The model of the case's configuration, built once and kept a while (built
    again for a Constant case of other values than it was built with)."""
    global _builds
    key = _model_key(case)
    constant = case.weights if isinstance(case.weights, Constant) else Constant()
    entry = _MODELS.get(key)
    if entry is not None and (entry.constant == constant or case.weights == "distinct"):
        _MODELS.move_to_end(key)
        return entry
    _builds += 1
    if _builds % _CLEAR_EVERY == 0:  # forget global graph state and name counters
        _MODELS.clear()
        keras_module().backend.clear_session()
    model, layers = _functional(replace(case, weights=constant), initializers=True)
    _MODELS[key] = _Shared(model, layers, constant, model.get_weights())
    while len(_MODELS) > _KEPT_MODELS:
        _MODELS.popitem(last=False)
    return _MODELS[key]


def _prepared_model(case: Case, reuse: bool) -> Any:
    """A training case's model is always fresh: its dropout seed must not have
    been drawn from by an earlier case."""
    if not reuse or case.training:
        return build_model(case)
    shared = _shared_model(case)
    if case.weights == "distinct":
        assign_all(case, shared.layers)
        shared.assigned = True
    elif shared.assigned:  # back to what Keras' Constant initializers produced
        shared.model.set_weights(shared.initialized)
        shared.assigned = False
    return shared.model


def run_keras(
    case: Case, x: np.ndarray | None = None, path: str = "call", reuse: bool = True
) -> Result:
    """Run the case's functional model on `x` (default: the case's input).

    reuse=True takes the model of the case's configuration from a small cache
    and assigns the case's weights; reuse=False builds a fresh model with the
    weights as Keras initializers (Constant) or assigned (distinct).
    """
    if path not in PATHS:
        raise ValueError(f"unknown path {path!r}; expected one of {PATHS}")
    if case.predict:
        path = "predict"
    x = model_inputs(case, x)
    model, refused = _model_or_refusal(case, reuse)
    if refused is not None:
        return refused
    symbolic = symbolic_outputs(model)
    if case.call_batch is not None:
        return _other_batch(case, model, x, path, symbolic)
    facts: dict[str, bool] = {}
    stage = ""  # what failed, said first in the error: a save or load
    try:
        if case.training:
            return _training(case, model, x, symbolic)
        if case.save is not None:  # the original's outputs, then the loaded model's
            _, original = _calls(case, model, x, path)
            stage = f"{case.save} save/load: "
            model, stage = reloaded(model, case.save), ""
        container, outs = _calls(case, model, x, path)
        if case.save is not None:
            facts["identical_to_original"] = _same(original, outs)
        if case.predict:
            facts |= _as_call(case, model, x, container, outs)
    except Exception as exc:  # a call Keras fails is a recorded outcome, not a crash
        return Result(case.id, "rejected", None, error=error_text(exc, stage), symbolic=symbolic)
    masks = _call_masks(case, model.layers[-1], len(outs))
    return _ok(case, container, outs, masks, facts=facts or None, symbolic=symbolic)


def reloaded(model: Any, how: str) -> Any:
    """A copy of `model` through a `.keras` or `.h5` file, or rebuilt from its
    config with its weights set ("config")."""
    keras = keras_module()
    if how == "config":
        copy = model.__class__.from_config(model.get_config())
        copy.set_weights(model.get_weights())
        return copy
    # the formats are chosen on purpose: Keras' "legacy format" and "not compiled"
    # warnings (absl's logger in Keras 3, TensorFlow's in Keras 2) would print for
    # every such case
    loggers = [logging.getLogger(name) for name in ("absl", "tensorflow")]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory(prefix="rnn-shapes-") as folder:
            file = os.path.join(folder, f"model.{how}")
            model.save(file)
            return keras.models.load_model(file)
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)


def _same(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
    """Bit for bit: the same arity, shapes, dtypes and values (NaN equal to NaN)."""
    return len(a) == len(b) and all(
        x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
        for x, y in zip(a, b, strict=False)
    )


def _as_call(
    case: Case, model: Any, x: Any, container: str, outs: tuple[np.ndarray, ...]
) -> dict[str, bool]:
    """A predict case against the same model's direct call on the same input:
    the same container, and values within PREDICT_ULPS of each output's dtype."""
    direct_container, direct = _calls(case, model, x, "call")
    close = len(outs) == len(direct) and all(
        a.shape == b.shape and ulp_distance(a, b, str(a.dtype)) <= PREDICT_ULPS
        for a, b in zip(outs, direct, strict=False)
    )
    return {"container_as_call": container == direct_container, "values_as_call": close}


def _ok(case: Case, container: str, outs: tuple[np.ndarray, ...], masks: Any, **kw: Any) -> Result:
    """A Result of these outputs: their dtypes as Keras gave them, their values
    as NumPy holds them (bfloat16 as float32, exactly)."""
    dtypes = tuple(str(o.dtype) for o in outs)
    held = tuple(o.astype(held_dtype(d)) for o, d in zip(outs, dtypes, strict=True))
    return Result(case.id, "ok", container, held, dtypes, masks=masks, **kw)


def _training(case: Case, model: Any, x: Any, symbolic: Any) -> Result:
    """A training call (dropout active) on a fresh seeded model; a second fresh
    model with the same seed, and the first at inference, say what it showed."""
    container, outs = _called(model, x, "call", case.batch, training=True)
    _, again = _called(build_model(case), x, "call", case.batch, training=True)
    _, inference = _called(model, x, "call", case.batch)
    facts = {
        "differs_from_inference": any(
            not np.array_equal(a, b) for a, b in zip(outs, inference, strict=True)
        ),
        "repeatable": all(np.array_equal(a, b) for a, b in zip(outs, again, strict=True)),
    }
    masks = output_masks(case, model.layers[-1], len(outs))
    return _ok(case, container, outs, masks, facts=facts, symbolic=symbolic)


def _calls(case: Case, model: Any, x: Any, path: str) -> tuple[str, tuple[np.ndarray, ...]]:
    """(container, outputs) of the case's call, of a dynamic-time case's two (x,
    then the longer input), or of a stateful case's three: x, x reversed in
    time, and x again after a reset."""
    if case.dynamic_time:
        container, first = _called(model, x, path, case.batch)
        _, second = _called(model, model_inputs(longer(case)), path, case.batch)
        return container, first + second
    if not case.stateful:
        return _called(model, x, path, case.batch)
    layer = model.layers[-1]
    x2 = model_inputs(case, second_inputs(case))
    reset_states(layer)
    container, first = _called(model, x, path, case.batch)
    _, second = _called(model, x2, path, case.batch)
    reset_states(layer)
    _, third = _called(model, x, path, case.batch)
    return container, first + second + third


def _model_or_refusal(case: Case, reuse: bool) -> tuple[Any, Result | None]:
    """(the case's model with its weights, None), or (None, the refusal) when Keras
    refuses the configuration (asked once per configuration)."""
    key = _model_key(case)
    if reuse and key in _REFUSALS:
        return None, Result(case.id, "rejected", None, error=_REFUSALS[key])
    try:
        return _prepared_model(case, reuse), None
    except Exception as exc:  # Keras refuses the configuration, or fails building it:
        _REFUSALS[key] = error_text(exc)  # a recorded outcome, never a crash
    return None, Result(case.id, "rejected", None, error=_REFUSALS[key])


# ---------------------------------------------------------------- rows of one batch


def row_key(case: Case) -> tuple | None:
    """Cases with one key differ only in their input data (mask pattern, sample,
    initial states given as inputs) and run as rows of one batch; None: alone.

    Keras computes each row of a batch on its own, with two exceptions kept
    apart: a stateful layer carries states per row of its fixed batch, and
    constant initial states are fixed in the graph at the case's batch.
    """
    if case.stateful or case.initial_state == "constant" or case.training or case.predict:
        return None
    if case.dynamic_time or case.save is not None:  # two calls, or a model of its own
        return None
    return (_model_key(case), case.weights)


def row_groups(universe: Iterable[Case]) -> dict[str, tuple[Case, ...]]:
    """case id -> the cases of `universe` it runs with, for groups of two or more.

    The universe is the case's whole matrix, not the cases selected, so a case
    runs in the same batch (and gives the same bits) however it was selected.
    """
    groups: dict[tuple, list[Case]] = {}
    for case in universe:
        key = row_key(case)
        if key is not None:
            groups.setdefault(key, []).append(case)
    return {c.id: tuple(g) for g in groups.values() if len(g) > 1 for c in g}


def run_rows(cases: Sequence[Case]) -> list[Result]:
    """Cases of one row group in one direct call: their inputs stacked along the
    batch, each case's rows of every output split back out, in order."""
    first = cases[0]
    if any(row_key(c) != row_key(first) or row_key(c) is None for c in cases):
        raise ValueError(f"cases of different models cannot share a batch: {first.id}, ...")
    model, refused = _model_or_refusal(first, reuse=True)
    if refused is not None:
        return [replace(refused, case_id=c.id) for c in cases]
    symbolic = symbolic_outputs(model)
    feeds = [model_inputs(c) for c in cases]
    if isinstance(feeds[0], list):
        stacked: Any = [np.concatenate(parts) for parts in zip(*feeds, strict=True)]
    else:
        stacked = np.concatenate(feeds)
    try:
        container, outs = _called(model, stacked, "call", sum(c.batch for c in cases))
    except Exception as exc:  # a call Keras fails is a recorded outcome, not a crash
        return [
            Result(c.id, "rejected", None, error=error_text(exc), symbolic=symbolic) for c in cases
        ]
    bounds = np.cumsum([0] + [c.batch for c in cases])
    results = []
    for case, lo, hi in zip(cases, bounds[:-1], bounds[1:], strict=True):
        mine = tuple(np.ascontiguousarray(o[lo:hi]) for o in outs)
        masks = output_masks(case, model.layers[-1], len(mine))
        results.append(_ok(case, container, mine, masks, symbolic=symbolic))
    return results


def run_many(
    cases: Sequence[Case], groups: Mapping[str, tuple[Case, ...]], path: str = "call"
) -> list[Result]:
    """Results of `cases` in order; on the direct-call path a case of `groups`
    runs with its whole group (row_groups), once for all its members here."""
    done: dict[str, Result] = {}
    out = []
    for case in cases:
        if case.id not in done:
            if path == "call" and case.id in groups:
                done.update((r.case_id, r) for r in run_rows(groups[case.id]))
            else:
                done[case.id] = run_keras(case, path=path)
        out.append(done[case.id])
    return out


def output_masks(
    case: Case,
    layer: Any,
    arity: int,
    mask: np.ndarray | None = None,
    calls: int | None = None,
) -> tuple[str | None, ...] | str | None:
    """The mask the layer hands on with each of its `arity` outputs, for a masked case.

    Asked of `layer.compute_mask` with the case's mask, and paired with the
    outputs in order, as Keras' own `Layer.__call__` attaches them (a list too
    short leaves the rest unmasked). A stateful case repeats them for each of
    its `calls` (default 3). `mask` overrides the case's own mask. An error is
    returned as its text: it is a recorded outcome, not a crash.
    """
    if case.mask is None:
        return None
    try:
        raw = layer.compute_mask(None, to_tensor(mask_of(case) if mask is None else mask))
    except Exception as exc:  # whatever Keras raises is the finding
        return f"{type(exc).__name__}: {exc}"
    flat = list(_flatten(raw))
    per_call = arity // (calls or (3 if case.stateful else 1))
    masks = [None if m is None else mask_text(to_numpy(m)) for m in flat[:per_call]]
    masks += [None] * (per_call - len(masks))
    return tuple(masks * (arity // per_call))


def _call_masks(case: Case, layer: Any, arity: int) -> tuple[str | None, ...] | str | None:
    """output_masks of every call: a dynamic-time case's second call carries the
    mask of its own length."""
    if not case.dynamic_time or case.mask is None:
        return output_masks(case, layer, arity)
    parts = [output_masks(c, layer, arity // 2, calls=1) for c in (case, longer(case))]
    if any(isinstance(p, str) for p in parts):
        return next(p for p in parts if isinstance(p, str))
    return parts[0] + parts[1]  # type: ignore[operator]


def _flatten(value: Any) -> Iterator[Any]:
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _flatten(item)
    else:
        yield value


def _other_batch(case: Case, model: Any, x: Any, path: str, symbolic: Any) -> Result:
    """A stateful model called with its own batch, then with `call_batch` rows (the
    case's rows again, cycled): the second call's outputs, or its error as a
    refusal (whatever Keras raises)."""
    rows = [i % case.batch for i in range(case.call_batch or 0)]
    x2 = [part[rows] for part in x] if isinstance(x, list) else x[rows]
    try:
        reset_states(model.layers[-1])
        _called(model, x, path, case.batch)
        container, outs = _called(model, x2, path, len(rows))
    except Exception as exc:  # what each version raises is the finding
        return Result(case.id, "rejected", None, error=error_text(exc), symbolic=symbolic)
    mask = None if case.mask is None else mask_of(case)[rows]
    masks = output_masks(case, model.layers[-1], len(outs), mask, calls=1)
    return _ok(case, container, outs, masks, symbolic=symbolic)


def _called(
    model: Any, x: Any, path: str, batch: int, training: bool = False
) -> tuple[str, tuple[np.ndarray, ...]]:
    """(container, outputs as NumPy) of one call of the model, direct or through predict."""
    if path == "predict":
        raw = model.predict(x, batch_size=batch, verbose=0)
    elif training:
        raw = model(x, training=True)
    else:
        raw = model(x)
    container = container_name(raw)
    return container, tuple(to_numpy(t) for t in (raw if container != "tensor" else (raw,)))


def reset_states(layer: Any) -> None:
    """Zero a stateful layer's states: `reset_state()` in Keras 3, `reset_states()` in 2."""
    reset = getattr(layer, "reset_state", None) or layer.reset_states
    reset()

"""The run paths: a case's model called directly, through predict, in training,
after a save and load, statefully, or at another batch; its results and masks.

A call Keras fails is a recorded outcome (a rejected Result), never a crash.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from typing import Any

import numpy as np

from rnn_shapes.cases.case import Case, CaseRefused
from rnn_shapes.cases.inputs import second_inputs
from rnn_shapes.cases.masks import mask_of, mask_text
from rnn_shapes.cases.paths import longer
from rnn_shapes.keras.backend import (
    attached_mask,
    backend_name,
    keras_module,
    to_numpy,
    to_tensor,
)
from rnn_shapes.keras.build import build_model, model_inputs, symbolic_outputs
from rnn_shapes.keras.cache import ModelCache, default_cache
from rnn_shapes.result import Result, container_name, error_text, held
from rnn_shapes.tolerance import values_as_call

PATHS = ("call", "predict")


def prepared_model(case: Case, reuse: bool, cache: ModelCache | None = None) -> Any:
    """A training case's model is always fresh: its dropout seed must not have
    been drawn from by an earlier case. So is a saved case's run through predict:
    its loaded copy traces predict afresh, at the case's batch, and a cached model
    traced at another batch earlier has a relaxed trace (Keras 3's TensorFlow
    trainer retraces with `reduce_retracing=True`), which can round otherwise in the
    last bit: `identical_to_original` would then compare two traces, not the save
    (an explored case of 2026-12-07)."""
    if not reuse or case.training or (case.predict and case.save is not None):
        return build_model(case)
    return (default_cache() if cache is None else cache).model(case)


def model_or_refusal(
    case: Case, reuse: bool, cache: ModelCache | None = None
) -> tuple[Any, Result | None]:
    """(the case's model with its weights, None), or (None, the refusal) when Keras
    refuses the configuration (asked once per configuration)."""
    cache = default_cache() if cache is None else cache
    known = cache.refusal(case) if reuse else None
    if known is not None:
        return None, Result(case.id, "rejected", None, error=known)
    try:
        return prepared_model(case, reuse, cache), None
    except Exception as exc:  # Keras refuses the configuration, or fails building it:
        error = error_text(exc)  # a recorded outcome, never a crash
        cache.remember_refusal(case, error)
    return None, Result(case.id, "rejected", None, error=error)


def run_keras(
    case: Case,
    x: np.ndarray | None = None,
    path: str = "call",
    reuse: bool = True,
    cache: ModelCache | None = None,
) -> Result:
    """Run the case's functional model on `x` (default: the case's input).

    reuse=True takes the model of the case's configuration from a small cache
    (`cache`, default: the process's) and assigns the case's weights;
    reuse=False builds a fresh model with the weights as Keras initializers
    (Constant) or assigned (distinct).
    """
    if path not in PATHS:
        raise ValueError(f"unknown path {path!r}; expected one of {PATHS}")
    if case.predict:
        path = "predict"
    x = model_inputs(case, x)
    model, refused = model_or_refusal(case, reuse, cache)
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
            _, original, _ = _calls(case, model, x, path)
            stage = f"{case.save} save/load: "
            model, stage = reloaded(model, case.save), ""
        container, outs, received = _calls(case, model, x, path)
        if case.save is not None:
            facts["identical_to_original"] = _same(original, outs)
        if case.predict:
            facts |= _as_call(case, model, x, container, outs)
    except Exception as exc:  # a call Keras fails is a recorded outcome, not a crash
        return _refused(case, exc, stage, symbolic)
    masks = _call_masks(case, model.layers[-1], len(outs))
    return ok_result(
        case, container, outs, masks, facts=facts or None, symbolic=symbolic, received=received
    )


def _refused(case: Case, exc: Exception, stage: str, symbolic: Any) -> Result:
    """What Keras raised, as the case's outcome; a case the harness could not make
    (CaseRefused: a derived case its own rules refuse) is the harness's error, raised."""
    if isinstance(exc, CaseRefused):
        raise exc
    return Result(case.id, "rejected", None, error=error_text(exc, stage), symbolic=symbolic)


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


def _equal(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
    """The same values, NaN equal to NaN: an exploding recurrence overflows to NaN
    alike in two runs of one computation (0.0 equal to -0.0, as arithmetic says)."""
    return all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b, strict=True))


def _as_call(
    case: Case, model: Any, x: Any, container: str, outs: tuple[np.ndarray, ...]
) -> dict[str, bool]:
    """A predict case against the same model's direct call on the same input:
    the same container, and values as the call's (tolerance.values_as_call)."""
    direct_container, direct, _ = _calls(case, model, x, "call")
    close = len(outs) == len(direct) and all(
        values_as_call(case, a, b, backend_name()) for a, b in zip(outs, direct, strict=False)
    )
    return {"container_as_call": container == direct_container, "values_as_call": close}


def ok_result(
    case: Case,
    container: str,
    outs: tuple[np.ndarray, ...],
    masks: Any,
    received: Received = None,
    **kw: Any,
) -> Result:
    """A Result of these outputs: their dtypes as Keras gave them, their values
    as NumPy holds them (bfloat16 as float32, exactly); the masks attached to
    them kept for a masked case only (as `masks` are)."""
    values, dtypes = held(outs)
    kept = None
    if received is not None and mask_of(case) is not None:
        kept = tuple(None if m is None else mask_text(m) for m in received)
    return Result(case.id, "ok", container, values, dtypes, masks=masks, received=kept, **kw)


def _training(case: Case, model: Any, x: Any, symbolic: Any) -> Result:
    """A training call (dropout active) on a fresh seeded model; a second fresh
    model with the same seed, and the first at inference, say what it showed. A
    saved case's calls are the loaded models', and its inference call is held
    against the original's (identical_to_original)."""
    original: tuple[np.ndarray, ...] | None = None
    if case.save is not None:
        _, original, _ = _calls(case, model, x, "call")
        model = reloaded(model, case.save)
    container, outs, received = _calls(case, model, x, "call", training=True)
    fresh = build_model(case)
    fresh = fresh if case.save is None else reloaded(fresh, case.save)
    _, again, _ = _calls(case, fresh, x, "call", training=True)
    _, inference, _ = _calls(case, model, x, "call")
    facts = {
        "differs_from_inference": not _equal(outs, inference),
        "repeatable": _equal(outs, again),
    }
    if original is not None:
        facts["identical_to_original"] = _same(original, inference)
    masks = _call_masks(case, model.layers[-1], len(outs))
    return ok_result(
        case, container, outs, masks, facts=facts, symbolic=symbolic, received=received
    )


Call = tuple[bool, Any, bool]  # (reset the states first, the feed, its outputs kept)


def other_rows(case: Case) -> list[int]:
    """The rows of a call with another batch size: the case's rows again, cycled."""
    return [i % case.batch for i in range(case.call_batch or 0)]


def call_plan(case: Case, x: Any) -> list[Call]:
    """The calls of the case's model, in order (what `_calls` runs and a reproduction
    replays): x; a dynamic-time case's longer input after it; a model with a
    stateful layer's three (x, x reversed in time or the longer input, from the
    states the first left, and x again after a reset); a call with another batch
    size after one with the case's own (only the second's outputs kept)."""
    if case.call_batch is not None:
        rows = other_rows(case)
        x2 = [part[rows] for part in x] if isinstance(x, list) else x[rows]
        return [(True, x, False), (False, x2, True)]
    if not case.keeps_states:
        later = [(False, model_inputs(longer(case)), True)] if case.dynamic_time else []
        return [(False, x, True), *later]
    x2 = (
        model_inputs(longer(case)) if case.dynamic_time else model_inputs(case, second_inputs(case))
    )
    return [(True, x, True), (False, x2, True), (True, x, True)]


def _calls(
    case: Case, model: Any, x: Any, path: str, training: bool = False
) -> tuple[str, tuple[np.ndarray, ...], Received]:
    """(container, outputs, attached masks) of the case's calls (`call_plan`), `training`
    in each."""
    calls = []
    for reset, feed, kept in call_plan(case, x):
        if reset:
            reset_model(model)
        call = observed(model, feed, path, case.batch, training)
        if kept:
            calls.append(call)
    outs = tuple(o for _, call_outs, _ in calls for o in call_outs)
    received = [r for _, _, r in calls]
    joined = None if None in received else tuple(m for r in received for m in r or ())
    return calls[0][0], outs, joined


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
    short leaves the rest unmasked). A model with a stateful layer repeats them
    for each of its `calls` (default 3, or 1 for any other case). `mask` overrides
    the case's own mask. An error is returned as its text: it is a recorded
    outcome, not a crash.
    """
    own = mask_of(case)  # None for an unmasked case
    if own is None:
        return None
    try:
        raw = layer.compute_mask(None, to_tensor(own if mask is None else mask))
    except Exception as exc:  # whatever Keras raises is the finding
        return f"{type(exc).__name__}: {exc}"
    flat = list(_flatten(raw))
    per_call = arity // (calls or (3 if case.keeps_states else 1))
    masks = [None if m is None else mask_text(to_numpy(m)) for m in flat[:per_call]]
    masks += [None] * (per_call - len(masks))
    return tuple(masks * (arity // per_call))


def _call_masks(case: Case, layer: Any, arity: int) -> tuple[str | None, ...] | str | None:
    """output_masks of every call: a dynamic-time case's second call carries the
    mask of its own length."""
    if not case.dynamic_time or case.mask is None:
        return output_masks(case, layer, arity)
    each = (case, longer(case), case) if case.keeps_states else (case, longer(case))
    parts = [output_masks(c, layer, arity // len(each), calls=1) for c in each]
    if any(isinstance(p, str) for p in parts):
        return next(p for p in parts if isinstance(p, str))
    return tuple(m for part in parts for m in part)  # type: ignore[union-attr]


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
    (_, first, _), (_, x2, _) = call_plan(case, x)
    rows = other_rows(case)
    try:
        reset_model(model)
        called(model, first, path, case.batch)
        container, outs, received = observed(model, x2, path, len(rows))
    except Exception as exc:  # what each version raises is the finding
        return Result(case.id, "rejected", None, error=error_text(exc), symbolic=symbolic)
    own = mask_of(case)
    mask = None if own is None else own[rows]
    masks = output_masks(case, model.layers[-1], len(outs), mask, calls=1)
    return ok_result(case, container, outs, masks, symbolic=symbolic, received=received)


def called(
    model: Any, x: Any, path: str, batch: int, training: bool = False
) -> tuple[str, tuple[np.ndarray, ...]]:
    """(container, outputs as NumPy) of one call of the model, direct or through predict."""
    container, outs, _ = observed(model, x, path, batch, training)
    return container, outs


Received = tuple[np.ndarray | None, ...] | None  # per output, the mask attached to it


def observed(
    model: Any, x: Any, path: str, batch: int, training: bool = False
) -> tuple[str, tuple[np.ndarray, ...], Received]:
    """`called`, and the masks attached to the tensors a direct call returned (None
    per output without one; None in all for predict, whose outputs are NumPy)."""
    if path == "predict":
        raw = model.predict(x, batch_size=batch, verbose=0)
    elif training:
        raw = model(x, training=True)
    else:
        raw = model(x)
    container = container_name(raw)
    tensors = raw if container != "tensor" else (raw,)
    outs = tuple(to_numpy(t) for t in tensors)
    if path == "predict":
        return container, outs, None
    masks = (attached_mask(t) for t in tensors)
    return container, outs, tuple(None if m is None else to_numpy(m) for m in masks)


def reset_model(model: Any) -> None:
    """Zero the states of every stateful layer of the model (a stateful stack's too)."""
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            reset_states(layer)


def reset_states(layer: Any) -> None:
    """Zero a stateful layer's states: `reset_state()` in Keras 3, `reset_states()` in 2."""
    reset = getattr(layer, "reset_state", None) or layer.reset_states
    reset()

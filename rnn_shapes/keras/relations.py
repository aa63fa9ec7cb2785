"""The two sides of a relation (cases/relations.py), run on live Keras.

`sides(case, name)` runs the relation's left case as a reproduction replays it
(its feeds in order, after a reset; after a round trip where the relation is
one) and the other side arranged in the left side's order, both as NumPy. What
Keras raises on either side is the side's error, recorded, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rnn_shapes.cases.case import Case, CaseRefused
from rnn_shapes.cases.inputs import inputs
from rnn_shapes.cases.masks import mask_of
from rnn_shapes.cases.paths import backward_case
from rnn_shapes.cases.relations import RELATIONS, chunks, flipped, shorter, unmasked
from rnn_shapes.keras.build import assign_weights, build_model, model_inputs
from rnn_shapes.keras.run import called, reloaded, reset_model
from rnn_shapes.result import error_text

Arrays = tuple[np.ndarray, ...]


@dataclass
class Sides:
    """A relation's two sides: `left` from `left_case`'s model (weights `weights`,
    through `reload` if set, called on each of `feeds` after a reset: the last
    call's outputs), `right` what the relation says they are."""

    name: str
    left_case: Case
    feeds: list[Any] = field(default_factory=list)
    reload: str | None = None
    weights: list[np.ndarray] = field(default_factory=list)
    left: Arrays = ()
    right: Arrays = ()
    error: str | None = None  # what Keras raised on either side


def _outs(model: Any, feed: Any, batch: int) -> Arrays:
    return called(model, feed, "call", batch)[1]


def _left(sides: Sides, model: Any) -> Sides:
    """Run the left side as a reproduction would: reset, round trip, each feed."""
    sides.weights = [np.array(w) for w in model.get_weights()]
    if sides.reload is not None:
        model = reloaded(model, sides.reload)
    reset_model(model)
    for feed in sides.feeds:
        sides.left = _outs(model, feed, sides.left_case.batch)
    return sides


def _reversed(case: Case, feed: Any) -> Any:
    """The feed with its sequences reversed in time: the input, and the mask where the
    call is given one (model_inputs' order: input, mask, initial states); the initial
    states as they are."""
    parts = feed if isinstance(feed, list) else [feed]
    sequences = 2 if case.mask is not None and case.mask_via == "call" else 1
    out = [np.ascontiguousarray(p[:, ::-1]) if i < sequences else p for i, p in enumerate(parts)]
    return out if isinstance(feed, list) else out[0]


def _mask_all_true(name: str, case: Case, left: Case) -> Sides:
    x = inputs(case)
    feed = model_inputs(left, x)
    feed[1] = np.ones_like(feed[1])
    sides = _left(Sides(name, left, [feed]), build_model(left))
    plain = unmasked(case)
    sides.right = _outs(build_model(plain), model_inputs(plain, x), case.batch)
    return sides


def _padded_final_state(name: str, case: Case, left: Case) -> Sides:
    x = inputs(case)
    sides = _left(Sides(name, left, [model_inputs(left, x)]), build_model(left))
    lengths = [int(n) for n in mask_of(left).sum(axis=1)]  # type: ignore[union-attr]
    models = {n: build_model(shorter(case, n)) for n in sorted(set(lengths))}
    rows = [_outs(models[n], x[b : b + 1, :n], 1) for b, n in enumerate(lengths)]
    sides.right = tuple(np.concatenate(parts, axis=0) for parts in zip(*rows, strict=True))
    return sides


def _stateful_chunks(name: str, case: Case, left: Case) -> Sides:
    x = inputs(case)
    first, second = chunks(left)
    feeds = [model_inputs(left, x[:, first]), model_inputs(left, x[:, second])]
    model = build_model(left)
    sides = _left(Sides(name, left, feeds), model)
    reset_model(model)
    whole = _outs(model, model_inputs(left, x), case.batch)
    last = second.stop - second.start
    sequences = 1 if case.return_sequences else 0  # the first output is the sequence
    sides.right = tuple(w[:, -last:] if i < sequences else w for i, w in enumerate(whole))
    return sides


def _go_backwards(name: str, case: Case, left: Case) -> Sides:
    feed = model_inputs(left)
    sides = _left(Sides(name, left, [feed]), build_model(left))
    sides.right = _outs(build_model(flipped(case)), _reversed(left, feed), case.batch)
    return sides


def _direction_model(left: Case, direction: int) -> Any:
    """One direction of a Bidirectional case as a layer of its own, with that
    direction's weights (the backward one walking the other way). Bidirectional
    sets each copy's zero_output_for_mask to return_sequences (its docstring;
    Keras 2 and 3 `force_zero_output_for_mask`), so the copies apart have it too."""
    zeros = left.return_sequences
    if direction == 0:
        one = replace(
            left,
            bidirectional=False,
            merge_mode="concat",
            backward_layer=None,
            backward_units=None,
            zero_output_for_mask=zeros,
        )
        return build_model(one)
    back = backward_case(left)
    one = replace(
        back,
        bidirectional=False,
        merge_mode="concat",
        go_backwards=not left.go_backwards,
        zero_output_for_mask=zeros,
    )
    model = build_model(one)
    assign_weights(back, 1, model.layers[-1])
    return model


def _bidirectional_apart(name: str, case: Case, left: Case) -> Sides:
    feed = model_inputs(left)
    sides = _left(Sides(name, left, [feed]), build_model(left))
    forward, backward = (_outs(_direction_model(left, d), feed, case.batch) for d in (0, 1))
    back_out = backward[0][:, ::-1] if case.return_sequences else backward[0]
    sides.right = (forward[0], back_out, *forward[1:], *backward[1:])
    return sides


def _round_trip(how: str) -> Callable[[str, Case, Case], Sides]:
    def run(name: str, case: Case, left: Case) -> Sides:
        feed = model_inputs(left)
        model = build_model(left)
        sides = _left(Sides(name, left, [feed], reload=how), model)
        sides.right = _outs(model, feed, case.batch)
        return sides

    return run


# each relation's runner: (its name, the case, its left case) -> both sides
RUNS: dict[str, Callable[[str, Case, Case], Sides]] = {
    "mask-all-true": _mask_all_true,
    "padded-final-state": _padded_final_state,
    "stateful-chunks": _stateful_chunks,
    "go-backwards": _go_backwards,
    "bidirectional-apart": _bidirectional_apart,
    "save-load": _round_trip("keras"),
    "from-config": _round_trip("config"),
}


def sides(case: Case, name: str) -> Sides:
    """Both sides of relation `name` for `case` (which it must hold for)."""
    if not RELATIONS[name].holds_for(case):
        raise ValueError(f"case {case.id}: relation {name!r} does not hold for it")
    left = RELATIONS[name].left(case)  # a variant the Case refuses is the harness's error
    try:
        return RUNS[name](name, case, left)
    except Exception as exc:  # what Keras raises is the finding, recorded
        if isinstance(exc, CaseRefused):
            raise
        return Sides(name, left, error=error_text(exc))

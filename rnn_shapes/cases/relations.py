"""Relations between two runs of Keras that need no oracle: what must come out equal
whatever the right values are, so they catch what a wrong oracle and a wrong Keras
would agree on (explore checks them on live Keras, the `relation` aspect).

Each relation is a row: its name (the problem's kind), the sentence it asserts,
and which cases it holds for, read from the case's fields. The two sides are
cases too: `left` is the case whose model runs the side a reproduction script
replays (keras/relations.py runs both and arranges the other side's outputs in
its order). A relation holds for a case only where the Keras API states it
(Keras' RNN docstrings: a masked step is skipped and its state carried; a
stateful layer's last state is the next call's first; go_backwards walks the
input reversed and returns its outputs in walking order; Bidirectional runs
one copy each way and reverses the backward copy's sequence back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from rnn_shapes.cases.case import Case


@dataclass(frozen=True)
class Relation:
    name: str
    says: str  # what must hold, as a user reads it
    holds_for: Callable[[Case], bool]
    left: Callable[[Case], Case]  # the side a reproduction replays


def _plain(case: Case) -> bool:
    """One direct call whose values are not random: no dropout drawn, no other batch."""
    return not case.training and case.call_batch is None


def _one_call(case: Case) -> bool:
    return _plain(case) and not case.keeps_states


def _mask_given(case: Case) -> bool:
    """A mask in the call can be any (B, T) array (an Embedding's comes from its tokens)."""
    return case.mask_via != "embedding"


def as_is(case: Case) -> Case:
    """The case's model called once, directly: no predict, no round trip, one length."""
    return replace(case, predict=False, save=None, dynamic_time=False)


def masked_left(case: Case) -> Case:
    """The case with its mask given in the call (the pattern is replaced by the feed)."""
    return replace(as_is(case), mask="row", mask_via="call")


def unmasked(case: Case) -> Case:
    return replace(as_is(case), mask=None, mask_via="layer")


def padded_left(case: Case) -> Case:
    """Rows right-padded in the call; the last output and the final states returned.
    Without zero_output_for_mask: under it the last output of a padded row is 0
    whatever return_sequences says (keras-team/keras#17596; the oracle's rule)."""
    return replace(
        as_is(case),
        mask="right",
        mask_via="call",
        return_sequences=False,
        return_state=True,
        zero_output_for_mask=False,
    )


def shorter(case: Case, length: int) -> Case:
    """The padded case's layer without a mask on `length` steps: one row's unpadded
    steps (a model per length, not one of any length: Keras 2 cannot unroll an
    undefined time axis; the input is the padded case's own, cut)."""
    return replace(padded_left(case), mask=None, mask_via="layer", timesteps=length, sample=None)


def chunked_left(case: Case) -> Case:
    """A stateful layer at any length: called on one chunk, then on the next."""
    return replace(case, predict=False, save=None, dynamic_time=True)


def flipped(case: Case) -> Case:
    """The layer walking the other way (fed the input reversed in time)."""
    return replace(as_is(case), go_backwards=not case.go_backwards)


def apart_left(case: Case) -> Case:
    """Bidirectional returning both directions unmerged."""
    return replace(as_is(case), merge_mode=None)


RELATIONS: dict[str, Relation] = {
    r.name: r
    for r in (
        Relation(
            "mask-all-true",
            "a mask with every step real gives what no mask gives",
            lambda c: _one_call(c) and _mask_given(c),
            masked_left,
        ),
        Relation(
            "padded-final-state",
            "a right-padded row's last output and final states are the unpadded shorter row's",
            lambda c: (
                _one_call(c)
                and _mask_given(c)
                and c.initial_state is None
                and c.batch >= 2
                and c.timesteps >= 2
            ),
            padded_left,
        ),
        Relation(
            "stateful-chunks",
            "a stateful layer over two chunks ends where one call over the whole sequence ends",
            lambda c: (
                _plain(c)
                and c.stateful
                and not c.stack
                and not c.bidirectional
                and c.mask is None
                and c.initial_state is None
                and c.timesteps >= 2
            ),
            chunked_left,
        ),
        Relation(
            "go-backwards",
            "go_backwards gives, in walking order, what the layer walking forward gives "
            "on the input reversed in time",
            lambda c: _one_call(c) and not c.bidirectional and not c.stack,
            as_is,
        ),
        Relation(
            "bidirectional-apart",
            "Bidirectional(merge_mode=None) gives what its two directions give run apart",
            lambda c: _one_call(c) and c.bidirectional and not c.stack and c.initial_state is None,
            apart_left,
        ),
        Relation(
            "save-load",
            "the model saved to a .keras file and loaded gives what the original gives",
            lambda c: _one_call(c) and c.save is None,
            as_is,
        ),
        Relation(
            "from-config",
            "the model rebuilt from its config with its weights set gives what it gives",
            lambda c: _one_call(c) and c.save is None,
            as_is,
        ),
    )
}


def relations_for(case: Case) -> tuple[str, ...]:
    """The relations that hold for `case`, in the table's order."""
    return tuple(name for name, r in RELATIONS.items() if r.holds_for(case))


def chunks(case: Case) -> tuple[slice, slice]:
    """The two time slices of a stateful case's input, in the order they are fed: the
    layer walking backwards meets the later half first, so it is fed first."""
    half = case.timesteps // 2
    early, late = slice(0, half), slice(half, case.timesteps)
    return (late, early) if case.go_backwards else (early, late)

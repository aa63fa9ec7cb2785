"""Where the families meet: one covering design over every family's axes at once.

The masks-and-states design (cases/design.py's SLICE) and the options-and-precision
design (OPTIONS_SLICE) each cross their own axes, and the model paths are slices
of their own (cases/path_blocks.py), so no case put a mixed policy on a stateful
layer, dropout beside a mask, float64 beside initial states, a stateful layer
with an explicit backward layer, or an option on a time axis of any length. Real
models combine them, and the code paths of two features cross there. This design
holds every pair of values of any two of those axes in at least one case, with
every value in every one of the 24 layer-directions, under the Case's rules
(cases/constraints.py reads them) and the exclusion of Bidirectional walking
backwards, which Keras 3 refuses at construction.

An explicit backward layer here has the case's own units (so every merge mode
can take it); the path slice has the narrower and wider ones.
"""

from __future__ import annotations

from rnn_shapes.cases.axes import LAYERS, SAVES, Lower
from rnn_shapes.cases.constraints import Labels
from rnn_shapes.cases.design import (
    BI_FORWARD,
    NEW_AXES,
    OPTION_AXES,
    RUNS_UNI_AND_CONCAT,
    SLICE_SHAPES,
    WEIGHTS,
    core_design,
)
from rnn_shapes.cases.path_blocks import STACKS


def _stacks(*stacks: tuple[Lower, ...]) -> Labels:
    return {"flat": {}, **{"-".join(lower.tag for lower in s): {"stack": s} for s in stacks}}


def family_axes(stacks: Labels) -> dict[str, Labels]:
    """Every family's axes, each at every value: masks and states, options and
    precision (its weights axis aside: the weights are the designs'), the model
    paths with these stacks."""
    paths: dict[str, Labels] = {
        "time": {"fixed": {}, "dynT": {"dynamic_time": True}},
        "backward": {"-": {}, **{f"bwd{layer}": {"backward_layer": layer} for layer in LAYERS}},
        "stack": stacks,
        "save": {"-": {}, **{how: {"save": how} for how in SAVES}},
    }
    options = {name: labels for name, labels in OPTION_AXES.items() if name != "weights"}
    return {**NEW_AXES, **options, **paths}


# default: pairwise at the masked shape, distinct weights; one lower layer and two
# (a Bidirectional among them) below the case's own; predict and training runs
# in every layer alone and in Bidirectional with concat (RUNS_UNI_AND_CONCAT says why).
FAMILIES_SLICE = core_design(
    SLICE_SHAPES[:1],
    (BI_FORWARD, RUNS_UNI_AND_CONCAT),
    **family_axes(_stacks(STACKS[0], STACKS[3])),
)
# full: at the masked shape, a single step and a single sample, both weight
# schemes, every stack, every run in every direction.
FAMILIES_CROSS = core_design(
    (*SLICE_SHAPES, (1, 4, 5, 3)), (BI_FORWARD,), weights=WEIGHTS, **family_axes(_stacks(*STACKS))
)

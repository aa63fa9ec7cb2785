"""Hypothesis strategies over Keras RNN configurations: every valid Case, shapes and
constants included, drawn valid by construction.

    from hypothesis import given
    from rnn_shapes.strategies import cases

    @given(cases(layer="LSTM", mask="right"))
    def test_my_property(case): ...

Each field is drawn in turn from the values the axes' table allows (cases/axes.py),
kept to those the Case's rules (cases/rules.py) accept beside the fields drawn
before it: a field at its default is always accepted, so no draw is thrown
away. Keras' default comes first in every choice, so hypothesis' shrinker moves
a case towards fewer axes off their defaults, then smaller B/T/D/U and simpler
weights. Keyword arguments hold axes at a value.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from rnn_shapes.cases.axes import AXES, COUNTS, LAYERS, SAMPLES, Constant, Lower
from rnn_shapes.cases.case import Case
from rnn_shapes.cases.relations import relations_for

MAX_SIZE = 8  # B, T, D and U drawn from 1 up to this
# An axis is drawn off its default one time in OFF_DEFAULT (a case sets a few of them,
# as a user's layer does); the draw shrinks to "at the default"
OFF_DEFAULT = 8
RATES = (0.0, 0.1, 0.3, 0.5)
TENTHS = st.integers(-10, 10).map(lambda n: n / 10)  # a Constant's entries; shrink to 0
# Drawn before the rest: the sample fixes the shape, the stack whether a layer keeps states
FIRST = ("sample", "layer", *COUNTS, "stack")
ORDER = FIRST + tuple(name for name in AXES if name not in FIRST)


def _choices(name: str) -> list[Any]:
    """An axis' values, Keras' default first (None first where the axis is optional)."""
    axis = AXES[name]
    if axis.values is not None:
        values = [v for v in axis.values if v != axis.default]
        return [axis.default, *values]
    if axis.kind == "bool":
        return [axis.default, not axis.default]
    if axis.kind == "rate":
        return list(RATES)
    return []  # counts and the structured axes are drawn apart


def _accepted(fields: dict[str, Any], name: str, value: Any) -> bool:
    """Whether the Case accepts `value` for `name` beside the fields drawn so far
    (the rest at their defaults)."""
    try:
        Case(**{**fields, name: value})
    except ValueError:
        return False
    return True


_lowers = st.builds(
    Lower,
    st.sampled_from(LAYERS),
    st.integers(1, MAX_SIZE),
    st.booleans(),
    st.booleans(),
)
_constants = st.builds(Constant, TENTHS, TENTHS, TENTHS)


def _off(draw: Any) -> bool:
    return bool(draw(st.integers(0, OFF_DEFAULT - 1)) == OFF_DEFAULT - 1)


def _value(draw: Any, fields: dict[str, Any], name: str, max_size: int) -> Any:
    """One field's value, from those the Case accepts beside `fields`: a count from
    1 up, any other axis at Keras' default unless drawn off it."""
    if name in COUNTS:
        return draw(st.integers(1, max_size))
    if not _off(draw):
        return AXES[name].default
    if name == "weights":
        return draw(_constants)
    if name == "stack":
        return tuple(draw(st.lists(_lowers, min_size=1, max_size=2)))
    if name in ("call_batch", "backward_units"):
        probe = fields["batch"] % max_size + 1  # a value other than the batch size
        if not _accepted(fields, name, probe):
            return AXES[name].default
        return draw(st.integers(1, max_size).filter(lambda n: _accepted(fields, name, n)))
    choices = [v for v in _choices(name)[1:] if _accepted(fields, name, v)]
    return draw(st.sampled_from(choices)) if choices else AXES[name].default


def _count(draw: Any, fields: dict[str, Any], name: str, max_size: int) -> int:
    """A count the Case accepts beside `fields` (the counts not drawn yet at their
    largest, which every rule allows): a held mask's padding needs T and B of 2."""
    undrawn = {c: max_size for c in COUNTS if c not in fields and c != name}
    sizes = [n for n in range(1, max_size + 1) if _accepted({**undrawn, **fields}, name, n)]
    return int(draw(st.sampled_from(sizes)))


def _samples(held: dict[str, Any]) -> list[str]:
    """The tutorials' samples the held fields allow beside their shape."""
    out = []
    for name, shape in sorted(SAMPLES.items()):
        fields = {"layer": LAYERS[0], "units": 1} | held
        fields |= dict(zip(("batch", "timesteps", "features"), shape, strict=True))
        if _accepted(fields, "sample", name):
            out.append(name)
    return out


@st.composite
def _cases(draw: Any, held: dict[str, Any], max_size: int) -> Case:
    fields: dict[str, Any] = dict(held)
    if "sample" not in held and (samples := _samples(fields)) and _off(draw):
        fields["sample"] = draw(st.sampled_from(samples))
    if fields.get("sample") is not None:  # the tutorials' input fixes the shape
        shape = SAMPLES[fields["sample"]]
        fields.update(zip(("batch", "timesteps", "features"), shape, strict=True))
    for name in ORDER:
        if name in fields or name == "sample":  # the sample is drawn above, or not at all
            continue
        if name == "layer":
            fields[name] = draw(st.sampled_from(LAYERS))
        elif name in COUNTS:
            fields[name] = _count(draw, fields, name, max_size)
        elif AXES[name].of(fields["layer"]):
            fields[name] = _value(draw, fields, name, max_size)
    return Case(**fields)


def cases(max_size: int = MAX_SIZE, **held: Any) -> st.SearchStrategy[Case]:
    """Valid cases over every axis; `held` fixes fields (`layer="GRU"`, `mask="right"`).
    Held values the Case refuses beside every other field at its default (and the
    shapes at their largest) raise ValueError here, not at each draw."""
    unknown = sorted(set(held) - set(AXES))
    if unknown:
        raise ValueError(f"no such axis: {', '.join(unknown)} (the axes: {', '.join(AXES)})")
    largest = {c: max_size for c in COUNTS} | {"layer": LAYERS[0]}
    Case(**(largest | held))  # refuses an impossible combination now
    return _cases(dict(held), max_size)


@st.composite
def examples(draw: Any, max_size: int = MAX_SIZE, **held: Any) -> tuple[Case, str | None]:
    """(case, relation): a case, and one relation that holds for it (None where none
    does), drawn among the relations of cases/relations.py."""
    case = draw(cases(max_size, **held))
    names = relations_for(case)
    return case, (draw(st.sampled_from(names)) if names else None)


def drawn(n: int, seed: int = 0, **held: Any) -> list[tuple[Case, str | None]]:
    """`n` examples drawn with `seed`, outside a test (the benchmark's sample)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as seeded

    out: list[tuple[Case, str | None]] = []

    @seeded(seed)
    @settings(max_examples=n, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(examples(**held))
    def collect(example: tuple[Case, str | None]) -> None:
        out.append(example)

    collect()
    return out[:n]

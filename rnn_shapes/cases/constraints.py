"""The Case's rules (cases/rules.py) as covertable conditions over a design's axes.

A design axis is labels, each setting some Case fields (cases/design.py); a rule
reads fields, so it is read label by label, over the defaults of the fields a
label leaves out, and becomes a condition on the labels where it holds. What a
design's axes cannot break (a field no axis sets, a rule one axis always keeps)
gives no condition. Also the conditions' three-valued reading, for `uncovered`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rnn_shapes.cases.axes import AXES
from rnn_shapes.cases.rules import RULES, AllOf, AnyOf, Condition, Not, Only

Labels = Mapping[str, Mapping[str, object]]  # an axis: label -> the Case fields it sets
Axes = Mapping[str, Labels]


def eq(axis: str, value: str) -> dict:
    return {"operator": "eq", "left": axis, "value": value}


def among(axis: str, values: Sequence[str]) -> dict:
    return {"operator": "in", "left": axis, "values": list(values)}


def negate(condition: dict) -> dict:
    return {"operator": "not", "condition": condition}


def implies(when: dict, then: dict) -> dict:
    return {"operator": "or", "conditions": [negate(when), then]}


def case_rules(axes: Axes) -> list[dict]:
    """The Case's rules as conditions over these axes, in the order the Case checks them."""
    return [c for rule in RULES for c in _rule(axes, rule)]


def _rule(axes: Axes, rule: Only) -> list[dict]:
    """One rule. An axis with a "-" label beside a real label at the field's default
    (design.MASK_VIA) is "-" exactly where the rule says the field cannot be set;
    otherwise the rows that set the field must meet the rule."""
    axis = _owner(axes, rule.field)
    if axis is None:  # never set here: the rule cannot fire
        return []
    labels = axes[axis]
    if {_owner(axes, f) for f in rule.when.fields} <= {axis, None}:  # label by label
        broken = [label for label, f in labels.items() if rule.broken(_over_defaults(f))]
        return [negate(_at(axis, broken))] if broken else []
    at_default = [label for label, f in labels.items() if not rule.fires(_over_defaults(f))]
    if rule.values is None and "-" in labels and len(at_default) > 1:
        cannot = _condition(axes, Not(rule.when))
        if isinstance(cannot, bool):
            return [eq(axis, "-") if cannot else negate(eq(axis, "-"))]
        return [implies(cannot, eq(axis, "-")), implies(eq(axis, "-"), cannot)]
    fires = _labels(axis, [label for label in labels if label not in at_default], labels)
    when = _condition(axes, rule.when)
    if fires is False or when is True:
        return []
    if when is False:  # the field cannot be set in these rows
        assert not isinstance(fires, bool), f"{rule.field}: no row can meet {rule.why!r}"
        return [negate(fires)]
    return [when if fires is True else implies(fires, when)]


def _condition(axes: Axes, condition: Condition) -> dict | bool:
    """A Case condition over these axes (True or False where it is the same in
    every row): read label by label where it reads one axis."""
    read = {axis for f in condition.fields if (axis := _owner(axes, f)) is not None}
    if len(read) <= 1:
        axis = next(iter(read), "")
        labels = axes.get(axis, {"": {}})
        held = [label for label, f in labels.items() if condition.holds(_over_defaults(f))]
        return _labels(axis, held, labels) if axis else bool(held)
    if isinstance(condition, Not):
        inner = _condition(axes, condition.condition)
        return (not inner) if isinstance(inner, bool) else negate(inner)
    assert isinstance(condition, AnyOf)
    every = isinstance(condition, AllOf)
    parts = [_condition(axes, c) for c in condition.conditions]
    if (not every) in parts:  # one part decides it
        return not every
    conditions = [p for p in parts if not isinstance(p, bool)]
    if len(conditions) == 1:
        return conditions[0]
    return {"operator": "and" if every else "or", "conditions": conditions}


def _owner(axes: Axes, field: str) -> str | None:
    """The axis whose labels set `field`; None where every row leaves it at its default."""
    return next((name for name, ls in axes.items() if any(field in f for f in ls.values())), None)


def _over_defaults(fields: Mapping[str, object]) -> dict[str, object]:
    return {**{name: axis.default for name, axis in AXES.items()}, **fields}


def _at(axis: str, labels: Sequence[str]) -> dict:
    return eq(axis, labels[0]) if len(labels) == 1 else among(axis, labels)


def _labels(axis: str, labels: Sequence[str], of: Labels) -> dict | bool:
    """`axis` at one of `labels`: True when that is all of them, False when none."""
    return bool(labels) if len(labels) == len(of) or not labels else _at(axis, labels)


def holds(condition: dict, row: Mapping[str, str]) -> bool | None:
    """Three-valued: None while an axis the condition reads is not set."""
    op = condition["operator"]
    if op in ("or", "and", "not"):
        parts = [holds(c, row) for c in condition.get("conditions", [condition.get("condition")])]
        if op == "not":
            return None if parts[0] is None else not parts[0]
        decides = op == "or"  # a True part decides an or, a False one an and
        return decides if decides in parts else (None if None in parts else not decides)
    value = row.get(condition["left"])
    if value is None:
        return None
    if op == "in":
        return value in condition["values"]
    return (value == condition["value"]) == (op == "eq")  # eq / ne


def reads(condition: dict) -> set[str]:
    """The axes a condition reads: it can only change when one of them is set."""
    if "left" in condition:
        return {condition["left"]}
    parts = condition.get("conditions", [condition.get("condition")])
    return set().union(*(reads(c) for c in parts))

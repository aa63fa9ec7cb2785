"""The sets a report reads, in release order: their column names, the reference set
every other is measured against, and the upgrade path through the Keras releases."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rnn_shapes.environment import channel, minor, version_tuple
from rnn_shapes.golden.layout import set_paths
from rnn_shapes.golden.sets import GoldenSet, read_set


def load_sets(root: Path, matrix_name: str = "default") -> list[GoldenSet]:
    """Every committed set of `matrix_name`, in release order (environment.py)."""
    sets = [read_set(p) for p in set_paths(root, matrix_name)]
    return sorted(sets, key=lambda s: s.environment.release_order())


def labels(sets: list[GoldenSet]) -> list[str]:
    """Short column names: the Keras minor, with the backend or TensorFlow where that
    minor has several environments ('3.0', '3.0 jax', '3.15 tf2.16'); the full name
    where that still leaves two alike (3.15 on JAX with and without TensorFlow)."""
    minors = Counter(minor(s.metadata["keras"]) for s in sets)
    out = []
    for s in sets:
        m = s.metadata
        label = minor(m["keras"])
        if channel(m) == "next":  # a pre-release: 'next 3.16 jax'
            out.append(f"next {label} {m['backend']}")
            continue
        if minors[label] > 1:
            tf = "" if m["tensorflow"] == "none" else f"tf{minor(m['tensorflow'])}"
            label += f" {m['backend'] if m['backend'] != 'tensorflow' else tf}"
        out.append(label)
    clashes = Counter(out)
    return [
        s.environment.name if clashes[label] > 1 else label
        for s, label in zip(sets, out, strict=True)
    ]


def stable(sets: list[GoldenSet]) -> list[GoldenSet]:
    """The sets of releases (channel 'stable'), in the order given."""
    return [s for s in sets if channel(s.metadata) == "stable"] or sets


def reference(sets: list[GoldenSet]) -> GoldenSet:
    """The set others are measured against: the newest Keras 3 release on TensorFlow."""
    released = stable(sets)
    keras3_tf = [
        s for s in released if s.keras_major >= 3 and s.metadata["backend"] == "tensorflow"
    ]
    return (keras3_tf or released)[-1]


def newest_release_like(pre: GoldenSet, sets: list[GoldenSet]) -> GoldenSet | None:
    """The newest release of the same Keras major on the same backend: what a
    pre-release is measured against (its next release changes that)."""
    alike = [
        s
        for s in sets
        if channel(s.metadata) == "stable"
        and s.keras_major == pre.keras_major
        and s.metadata["backend"] == pre.metadata["backend"]
    ]
    return alike[-1] if alike else None


def upgrade_path(sets: list[GoldenSet]) -> list[GoldenSet]:
    """The Keras releases in order on TensorFlow: Keras 2 as TF <= 2.15 ships it, then
    each Keras 3 minor with the newest TensorFlow recorded for it."""
    sets = stable(sets)
    keras2 = [
        s
        for s in sets
        if s.keras_major == 2
        and s.metadata["tensorflow"] != "none"
        and version_tuple(s.metadata["tensorflow"]) <= (2, 15)
    ]
    keras3: dict[str, GoldenSet] = {}
    for s in sets:  # release order: the last of a minor has the newest TensorFlow
        if s.keras_major >= 3 and s.metadata["backend"] == "tensorflow":
            keras3[minor(s.metadata["keras"])] = s
    return keras2 + list(keras3.values())

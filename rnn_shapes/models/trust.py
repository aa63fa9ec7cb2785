"""What a model file would run if it were loaded, read from its config alone, and
whether the user trusts it to.

A saved model can carry code: a Lambda layer's function (marshalled bytecode in
Keras 2's .h5 and Keras 3's `__lambda__`; CVE-2024-3660), a custom object whose
`module` Keras imports to find it (Keras 3 up to 3.8 imports any module a config
names: CVE-2025-1550, narrowed by keras#21429), a function named by module, a
TFSMLayer (it loads and runs an external SavedModel; keras#22034). Which Keras is
installed must not decide whether that code runs (Keras 2 has no safe mode for
.h5; before 3.11 a config could turn Keras 3's off: CVE-2025-9906), so
check-model, record-model and pytest's
models refuse such a file before anything loads it, in every environment, unless
the user says they trust its source: `--trust`, or `trust` under
`[tool.rnn-shapes]` (`true`, or the packages whose custom objects they vouch
for). Nothing here imports what a file names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnn_shapes.errors import RnnShapesError
from rnn_shapes.models.files import owned_nodes
from rnn_shapes.project import nearest

# Modules a config may name without carrying code: Keras' own (every release's
# spelling) and Python's builtins, where Keras 3 looks up its own functions by name
KERAS_MODULES = ("keras", "tf_keras", "tensorflow.keras")
BUILTINS = "builtins"
CODE_CLASSES = {
    "Lambda": "a Lambda layer (its function is code)",
    "__lambda__": "a lambda",
    "TFSMLayer": "a TFSMLayer (it loads and runs an external SavedModel)",
}
HOW = (
    "nothing was loaded; if you trust where the file comes from, pass --trust "
    "(or set `trust = true`, or the packages you vouch for, under [tool.rnn-shapes])"
)


@dataclass(frozen=True)
class Trust:
    """What the user vouches for: everything, or the custom objects of these packages."""

    everything: bool = False
    packages: frozenset[str] = frozenset()

    def covers(self, package: str | None) -> bool:
        """Whether code of `package` (None: code no package owns, a lambda) may run."""
        return self.everything or (package is not None and package in self.packages)


def configured_trust(start: Path) -> Trust:
    """`[tool.rnn-shapes] trust` of the nearest pyproject.toml that has it."""
    found = nearest(start, "trust")
    if found is None:
        return Trust()
    pyproject, value = found
    if value is True or value is False:
        return Trust(everything=value)
    if isinstance(value, list) and all(isinstance(p, str) and p for p in value):
        return Trust(packages=frozenset(value))
    raise RnnShapesError(
        f"{pyproject}: [tool.rnn-shapes] trust must be true, false or a list of packages"
    )


def code_in(config: Any) -> list[tuple[str, str, str | None]]:
    """(layer, what it carries, the package it belongs to or None) for every piece of
    code loading the config would run or import, in the config's order."""
    found: list[tuple[str, str, str | None]] = []
    for node, layer in owned_nodes(config, "the model"):
        cls, module, registered = (
            node.get("class_name"),
            node.get("module"),
            node.get("registered_name"),
        )
        if cls in CODE_CLASSES:
            found.append((layer, CODE_CLASSES[cls], None))
        elif isinstance(module, str) and not _keras(module) and module != BUILTINS:
            what = f"{registered or cls} from module {module!r}"
            found.append((layer, what, module.split(".")[0]))
        elif isinstance(registered, str) and ">" in registered and not _keras(registered):
            found.append((layer, f"the custom object {registered!r}", registered.split(">")[0]))
    return found


def refusal(path: Path, config: Any, trust: Trust) -> str | None:
    """The one line refusing the file (naming it and the layer), or None to load it."""
    untrusted = [(layer, what) for layer, what, pkg in code_in(config) if not trust.covers(pkg)]
    if not untrusted:
        return None
    layer, what = untrusted[0]
    more = f" (and {len(untrusted) - 1} more)" if len(untrusted) > 1 else ""
    return f"{path}: layer {layer!r} carries {what}{more}: {HOW}"


def _keras(name: str) -> bool:
    return any(name == k or name.startswith((f"{k}.", f"{k}>")) for k in KERAS_MODULES)

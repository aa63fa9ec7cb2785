"""Whether this run names the suite: decided from data (our options, the tests
collected, the paths given), never from how a path is spelled."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import rnn_shapes
from rnn_shapes.plugin.names import CASE_ARGS, SESSION_FIXTURE

# The installed package's folder: the packaged suite and everything it ships.
PACKAGE = Path(rnn_shapes.__file__).resolve().parent


def suite_named(config: pytest.Config, active: bool) -> bool:
    """Whether the run asks for the suite: an option of ours is given, its tests were
    collected (`active`), or a path given lies in the package (`--pyargs rnn_shapes`,
    `path/to/rnn_shapes/conformance`). Another project's run reads no set, says nothing."""
    return options_given(config) or active or names_package(config)


def options_given(config: pytest.Config) -> bool:
    """An `--rnn-*` option other than its default: the user means the suite."""
    return bool(
        config.getoption("rnn_regen_golden")
        or config.getoption("rnn_require_golden")
        or config.getoption("rnn_golden_root")
        or config.getoption("rnn_matrix") != "default"
    )


def names_package(config: pytest.Config) -> bool:
    """A collection argument lies in the installed package (its paths resolved, so a
    folder or checkout that merely has `rnn_shapes` in its name does not count)."""
    return any(path.is_relative_to(PACKAGE) for path in given_paths(config))


def given_paths(config: pytest.Config) -> list[Path]:
    """The resolved paths of pytest's collection arguments: with --pyargs a dotted
    module name where one is found, as pytest itself reads it, else a path from the
    folder pytest was started in (`::test` parts dropped)."""
    start = config.invocation_params.dir
    pyargs = bool(config.getoption("pyargs", False))
    paths: list[Path] = []
    for arg in config.args:
        stem = str(arg).split("::", 1)[0]
        found = module_paths(stem) if pyargs else []
        paths += found or [(start / stem).resolve()]
    return paths


def module_paths(name: str) -> list[Path]:
    """Where dotted module `name` would lie, without importing it or its parents: its
    top-level package's folders joined with the rest of the name ([]: none found)."""
    top, *rest = name.split(".")
    try:
        spec = importlib.util.find_spec(top)
    except (AttributeError, ImportError, ValueError):
        return []
    if spec is None:
        return []
    if spec.submodule_search_locations:
        return [Path(f, *rest).resolve() for f in spec.submodule_search_locations]
    if spec.origin and not rest:
        return [Path(spec.origin).resolve()]
    return []


def is_conformance(item: pytest.Item) -> bool:
    """A test of the suite: marked rnn_shapes, or asking for the plugin's fixtures."""
    names = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("rnn_shapes") is not None or bool(
        names & {*CASE_ARGS, SESSION_FIXTURE}
    )

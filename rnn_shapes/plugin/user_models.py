"""A user's own models: the files `[tool.rnn-shapes] models` names, one test
parameter per model and recurrent layer, each model checked once per process."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from rnn_shapes.environment import Environment
from rnn_shapes.errors import RnnShapesError

NO_MODELS = "[tool.rnn-shapes] models names no model file in this project: no model test ran"


class UserModels:
    """The models of the project pytest runs in (its rootdir's pyproject.toml)."""

    def __init__(self, rootpath: Path) -> None:
        self.rootpath = rootpath
        self._files: dict[Path, Any] = {}
        self._checks: dict[Path, Any] = {}

    @cached_property
    def paths(self) -> list[Path]:
        """`[tool.rnn-shapes] models` of the project pytest runs in ([]: none)."""
        from rnn_shapes.models.project import configured_models

        try:
            return configured_models(self.rootpath)
        except RnnShapesError as exc:
            raise pytest.UsageError(f"rnn-shapes: {exc}") from None

    def params(self) -> list[Any]:
        """One parameter per model and recurrent layer, read from the files (no Keras)."""
        from rnn_shapes.models.config import recurrent_layers

        if not self.paths:  # the file named on its own: say why nothing runs
            why = NO_MODELS
            return [pytest.param(None, marks=pytest.mark.skip(reason=why), id="no-models")]
        params = []
        for path in self.paths:
            try:
                layers = recurrent_layers(self.file(path).config)
            except RnnShapesError as exc:
                raise pytest.UsageError(f"rnn-shapes: {exc}") from None
            rel = path.relative_to(self.rootpath) if path.is_relative_to(self.rootpath) else path
            params += [
                pytest.param((path, layer.path), id=f"{rel}::{layer.path}") for layer in layers
            ]
        return params

    def file(self, path: Path) -> Any:
        """The model file read as data, once per process (its params and its check);
        one that carries code `[tool.rnn-shapes] trust` does not cover is refused
        (models/trust.py), as check-model refuses it."""
        from rnn_shapes.models.files import read_model_file
        from rnn_shapes.models.trust import configured_trust, refusal

        if path not in self._files:
            file = read_model_file(path)
            refused = refusal(path, file.config, configured_trust(self.rootpath))
            if refused:
                raise RnnShapesError(refused)
            self._files[path] = file
        return self._files[path]

    def check(self, path: Path, env: Environment) -> Any:
        """check-model of one file in this process, once: its layers' tests share it."""
        from rnn_shapes.models.check import check_model

        if path not in self._checks:
            self._checks[path] = check_model(self.file(path), env)
        return self._checks[path]

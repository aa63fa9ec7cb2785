"""Tuning a pytest process that will build thousands of Keras models."""

from __future__ import annotations

import os


def tune_process() -> None:
    """One op thread per xdist worker (several on few cores otherwise fight), and a
    lazier garbage collector (keras.backend.configure_worker); a serial run keeps
    TensorFlow's default threads."""
    from rnn_shapes.keras.backend import configure_worker

    configure_worker(1 if os.environ.get("PYTEST_XDIST_WORKER") else None)

"""Progress on stderr: a redrawn bar on a terminal, a periodic status line in a log.

A CI log gets one line every `every` seconds (RNN_SHAPES_STATUS_SECONDS, default
15) and one at the end, so a long run shows it is alive without flooding the log.
"""

from __future__ import annotations

import math
import os
import sys
import time
from typing import TextIO

from rnn_shapes.errors import RnnShapesError


class Progress:
    """Counts done items; a bar on a terminal, else a line every `every` seconds."""

    def __init__(
        self, total: int, label: str, stream: TextIO | None = None, every: float | None = None
    ) -> None:
        self.total, self.label, self.done = total, label, 0
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.every = every if every is not None else _seconds_from_env()
        self.start = time.monotonic()
        self._last = self.start

    def _status(self, now: float) -> str:
        elapsed = now - self.start
        rate = self.done / max(elapsed, 1e-9)
        return f"{self.done}/{self.total} cases, {elapsed:.0f} s, {rate:.1f}/s"

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.tty and (now - self._last > 0.1 or self.done >= self.total):
            self._last = now
            width = 30
            filled = width * self.done // max(self.total, 1)
            bar = f"[{'#' * filled}{'.' * (width - filled)}]"
            self.stream.write(f"\r{self.label} {bar} {self._status(now)}")
            self.stream.flush()
        elif not self.tty and now - self._last >= self.every:
            self._last = now
            self.stream.write(f"{self.label}: {self._status(now)}\n")
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
        else:
            self.stream.write(f"{self.label}: done, {self._status(time.monotonic())}\n")
        self.stream.flush()


ENV_VAR = "RNN_SHAPES_STATUS_SECONDS"


def _seconds_from_env() -> float:
    """The period of a log's status line; a value that is no period is an error naming
    the variable (a typo must not silently mean 15 s)."""
    text = os.environ.get(ENV_VAR, "15")
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise RnnShapesError(f"{ENV_VAR}={text!r}: not a number of seconds (0 or more)")
    return seconds

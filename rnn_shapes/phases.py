"""Where a command is, for whoever watches it from outside.

A test that interrupts or kills a command must know what the command was doing when
the signal landed; a guessed delay does not know it (a loaded machine moves every
phase later). So the commands name their phases: with RNN_SHAPES_PHASES set to a
file, each phase appends a line "PID PHASE" to it; with RNN_SHAPES_PAUSE_AT set to a
phase's name, the process stops itself (SIGSTOP) there, after its line, and a signal
sent to its main thread while it is stopped takes effect at that point once it is
continued (SIGCONT); one sent to the process may be taken by another of its threads,
and then lands a moment later. Neither is set in normal use, and a phase then costs
one environment lookup. Standard library only: `__main__` names a phase before the package imports.
"""

from __future__ import annotations

import os
import signal

PHASES_VAR = "RNN_SHAPES_PHASES"
PAUSE_VAR = "RNN_SHAPES_PAUSE_AT"

# Every phase a command names, in the order a run meets them. Tests wait for these
# names; a name used in code but not listed here is an error (tests/test_suite_rules.py).
PHASES = (
    "importing",  # __main__, before the package's modules load
    "parsed",  # the command line read, before the command's own work
    "workers started",  # the pool's worker processes exist (check/record -j N)
    "running cases",  # the first results are in
    "stopping workers",  # an interrupt or error ends the pool early
    "values written",  # record: the set's value files are in the store, the JSON not yet
    "set written",  # record: the set's JSON is in place, the store not yet pruned
)


def reached(phase: str) -> None:
    """Say that this process reached `phase`, and stop here if told to."""
    path = os.environ.get(PHASES_VAR)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()} {phase}\n")
    if os.environ.get(PAUSE_VAR) == phase:
        os.kill(os.getpid(), signal.SIGSTOP)

"""How a command takes Ctrl-C: once, never in the middle of starting its workers, and
not at all where the process was started to ignore it.

Standard library only; the command line (cli.main) and the worker pool (keras/pool.py)
both set SIGINT's handling here, so the decision whether they may is made once.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


def may_handle() -> bool:
    """Whether this code may set SIGINT's handler: only the main thread can, and a
    process started to ignore SIGINT (nohup, `cmd &` in a script) keeps ignoring it, as
    does one whose handler was set outside Python (getsignal: None)."""
    return threading.current_thread() is threading.main_thread() and signal.getsignal(
        signal.SIGINT
    ) not in (signal.SIG_IGN, None)


def _interrupt_once(signum: int, frame: object) -> None:
    """Ctrl-C: KeyboardInterrupt once; a SIGINT after it (a second Ctrl-C, or one the
    kernel hands over late) is ignored while the command stops its workers, which is
    bounded, so the exit stays the one line and 130 rather than a death by signal."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


@contextlib.contextmanager
def interrupted_once() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt once inside, and is ignored after that.

    The caller's handler comes back on the way out, except after an interrupt: SIGINT
    then stays ignored, as a process that runs a command is on its way out (a program
    that goes on after 130 sets its handler again)."""
    if not may_handle():
        yield
        return
    previous = signal.signal(signal.SIGINT, _interrupt_once)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGINT) is _interrupt_once:  # not interrupted
            signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """A Ctrl-C while workers are spawned takes effect once they are all spawned.

    Blocking SIGINT in this thread is not enough: the kernel hands a process's signal
    to any thread that does not block it (a BLAS thread, say), and Python then raises
    KeyboardInterrupt in the main thread all the same, possibly between a worker's
    start and the writing of what it needs to run (the worker then dies with a
    traceback of its own). So the handler only notes the signal here, and the
    interrupt is raised after the region. The block stays too: workers inherit this
    thread's mask, so a Ctrl-C while Python starts in them raises nothing there.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    handler = signal.getsignal(signal.SIGINT)
    noting = may_handle()  # else the block alone, for the workers
    noted: list[int] = []
    if noting:
        signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)  # a pending SIGINT lands now, noted
        if noting:
            signal.signal(signal.SIGINT, handler)
    if noted:  # now, as the handler would have had it
        if callable(handler):
            handler(signal.SIGINT, None)  # Python's own or the command line's: raises
        else:
            signal.raise_signal(signal.SIGINT)  # SIG_DFL: the default action

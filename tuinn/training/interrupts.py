"""Ctrl-C, SIGTERM and SIGHUP during a headless run: stop cleanly, never mid-write.

``tuinn train`` is stopped in three common ways besides finishing: Ctrl-C at the
terminal (SIGINT), a job scheduler or ``kill`` (SIGTERM), a closed SSH session (SIGHUP).
All three must do the same thing: save the last finished epoch, print one line with the
resume command, and exit with the shell's convention for that signal (128 + its number:
130, 143, 129).

:class:`SignalGuard` turns each of them into :class:`Interrupted` (a ``KeyboardInterrupt``,
so code that already cleans up after Ctrl-C cleans up after all three). Inside
:meth:`SignalGuard.critical` — appending a metrics line, writing a checkpoint — a signal
is held back and raised when the block ends, so no file is left half-written by it; and
once the run is saving on its way out (:meth:`SignalGuard.shutting_down`), further
signals are only counted: a second Ctrl-C waits for the save instead of breaking it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

#: The signals a run stops on, by name (SIGHUP does not exist on Windows).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived; ``exit_code`` is the shell's 128 + signal number."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + int(self.signum)

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


def exit_code(exc: KeyboardInterrupt) -> int:
    """130 for a plain Ctrl-C, 128 + N for :class:`Interrupted` by signal N."""
    return exc.exit_code if isinstance(exc, Interrupted) else 128 + int(signal.SIGINT)


class SignalGuard:
    """While entered (in the main thread): SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted`.

    Outside the main thread (where Python cannot install handlers) it does nothing.
    """

    def __init__(self) -> None:
        self._old: dict[int, Any] = {}
        self._depth = 0
        self._pending: int | None = None
        self._stopping = False
        self.received: list[int] = []

    def __enter__(self) -> SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for sig in STOP_SIGNALS:
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        if self._stopping:
            return  # already saving on the way out: let it finish
        if self._depth:
            self._pending = self._pending or signum
            return
        self._stopping = True  # the run now stops and saves: a second signal (torchrun passes a Ctrl-C on) must not cut that short
        raise Interrupted(signum)

    @contextmanager
    def critical(self) -> Iterator[None]:
        """A block no stop signal may cut short; one that arrived meanwhile is raised after it."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        if self._depth == 0 and self._pending is not None and not self._stopping:
            signum, self._pending = self._pending, None
            self._stopping = True
            raise Interrupted(signum)

    @contextmanager
    def shutting_down(self) -> Iterator[None]:
        """The final save after a stop: further signals are recorded and ignored."""
        self._stopping = True
        try:
            yield
        finally:
            self._pending = None


def ignore_stop_signals() -> None:
    """From now on SIGINT, SIGTERM and SIGHUP do nothing (main thread only): for a process that is already
    stopping outside a :class:`SignalGuard` (a distributed run whose peer went away), so that the stop
    signal torchrun sends next cannot kill it between its save and its last line."""
    if threading.current_thread() is threading.main_thread():
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)

"""Running a Textual app from a command: a crash of the app is a failed command.

Why this module exists: when a Textual app dies of an unhandled exception, Textual
prints the traceback once the terminal is restored, sets ``app.return_code`` to 1
(``App._handle_exception``) and returns normally from ``App.run()`` — so a command that
just calls ``run()`` exits 0 after a crash, and a script or CI job never notices.
Every command that opens a screen goes through :func:`run_app`, which turns a non-zero
``return_code`` into :class:`AppCrashed` (exit status 1, one line under the traceback).
That line names the command the user typed (``tuinn lab neuron``) when the app knows it
(its ``command`` attribute), so that it can be quoted in a report and run again; else the
app's title.
"""

from __future__ import annotations

from typing import TypeVar

from textual.app import App

from tuinn.errors import TuinnError

ReturnType = TypeVar("ReturnType")


class AppCrashed(TuinnError):
    """The app stopped on an unhandled exception; its traceback has been printed above."""

    exit_code = 1

    def __init__(self, name: str, return_code: int) -> None:
        self.return_code = return_code
        super().__init__(f"{name} stopped on an unexpected error (traceback above; a bug in tuinn, please report it)")


def command_of(app: App[object]) -> str:
    """What a crash line calls ``app``: the command that opened it (``command``), else its title, else its class."""
    command = getattr(app, "command", None)
    return command if isinstance(command, str) and command else app.title or type(app).__name__


def run_app(app: App[ReturnType]) -> ReturnType | None:
    """``app.run()``, and its result; raise :class:`AppCrashed` when it ended with a non-zero return code."""
    result = app.run()
    if app.return_code:
        raise AppCrashed(command_of(app), app.return_code)
    return result

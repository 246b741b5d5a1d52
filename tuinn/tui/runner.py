"""Running a Textual app from a command: a crash of the app is a failed command.

Why this module exists: when a Textual app dies of an unhandled exception, Textual
prints the traceback once the terminal is restored, sets ``app.return_code`` to 1
(``App._handle_exception``) and returns normally from ``App.run()`` — so a command that
just calls ``run()`` exits 0 after a crash, and a script or CI job never notices.
Every command that opens a screen goes through :func:`run_app`, which turns a non-zero
``return_code`` into :class:`AppCrashed` (exit status 1, one line under the traceback).
"""

from __future__ import annotations

from typing import TypeVar

from textual.app import App

from tuinn.errors import TuinnError

ReturnType = TypeVar("ReturnType")


class AppCrashed(TuinnError):
    """The app stopped on an unhandled exception; its traceback has been printed above."""

    exit_code = 1

    def __init__(self, title: str, return_code: int) -> None:
        self.return_code = return_code
        super().__init__(f"{title} stopped on an unexpected error (traceback above; a bug in tuinn, please report it)")


def run_app(app: App[ReturnType]) -> ReturnType | None:
    """``app.run()``, and its result; raise :class:`AppCrashed` when it ended with a non-zero return code."""
    result = app.run()
    if app.return_code:
        raise AppCrashed(app.title or type(app).__name__, app.return_code)
    return result

"""Errors a user can cause and fix.

Every error a user can provoke with a bad file, flag or dataset is a ``TuinnError``.
The CLI prints ``str(error)`` on one line and exits with status 2, so the message must
name the thing that is wrong (a config key, a file, a column) and the problem with it.
Anything else that escapes is a bug in tuinn and is allowed to show a traceback.
"""

from __future__ import annotations


class TuinnError(Exception):
    """Base class: a problem the user can fix; shown as one line, exit code 2."""


class ConfigError(TuinnError):
    """An experiment file or override is invalid.

    ``key`` is the dotted path of the offending value (``model.layers[2].units``) so
    that the message can point at it; ``source`` is the file it came from, if any.
    """

    def __init__(self, key: str, problem: str, source: str | None = None) -> None:
        self.key = key
        self.problem = problem
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{key}: {problem}" if key else f"{where}{problem}")


class DataError(TuinnError):
    """A dataset could not be built, found, read or validated."""


class CheckpointError(TuinnError):
    """A checkpoint or run folder is missing, corrupt or incompatible."""


def attach_source(error: ConfigError, source: str | None) -> ConfigError:
    """The same error naming the experiment file, for errors found after parsing
    (when the model meets the data) that were raised without it."""
    if error.source is not None or source is None:
        return error
    return ConfigError(error.key, error.problem, source)


class DivergedError(TuinnError):
    """Training produced a non-finite loss; the CLI exits with status 3."""

    exit_code = 3

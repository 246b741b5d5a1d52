"""Turning user strings into path components that stay where they are put.

An experiment's ``name`` (or any other user string) becomes part of a folder name
(``runs/NAME-…``, the playground's ctrl+s default). Whatever it holds — ``/``, ``\\``,
``..``, control characters, a leading dot, a drive letter — :func:`slug` gives one
path component made of letters, digits, ``-``, ``_`` and ``.`` that cannot climb out
of its parent folder or hide itself. :func:`confine` keeps a whole path a user typed
inside the one folder a served session (``tuinn serve``) may use.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from tuinn.errors import TuinnError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_LEN = 64


def slug(text: str, fallback: str = "run") -> str:
    """One safe path component for ``text`` (``fallback`` when nothing is left)."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    s = _UNSAFE.sub("-", ascii_text)
    s = re.sub(r"\.{2,}", ".", s)  # no '..' anywhere
    s = re.sub(r"-{2,}", "-", s).strip("-._")  # no leading dot or dash, no trailing dot
    return s[:MAX_LEN].rstrip("-._") or fallback


# ------------------------------------------------------------------ served root
# `tuinn serve` gives every browser tab its own tuinn process; the folder those sessions
# may read and write is passed to them in this environment variable. A path a student
# types in ctrl+s / ctrl+o is checked against it by :func:`confine` before any file is
# touched, so a classroom server cannot be used to read or overwrite the teacher's files.
ROOT_ENV = "TUINN_ROOT"


def confine(path: Path | str, root: Path | str) -> Path:
    """``path`` made absolute and resolved, if it lies inside ``root``; else :class:`TuinnError`.

    Why resolve first: ``root/../x`` and a symlink inside ``root`` that points out of it
    both name a file outside, and only the resolved path says so. A relative ``path`` is
    taken relative to ``root`` (a served session's working folder), not to the current
    folder of whoever calls this. ``root`` itself is resolved too (``/tmp`` may be a link).
    """
    base = Path(root).expanduser().resolve()
    target = Path(path).expanduser()
    if not target.is_absolute():
        target = base / target
    resolved = target.resolve()  # strict=False: a folder to be created need not exist yet
    if resolved != base and not resolved.is_relative_to(base):
        raise TuinnError(f"{path}: outside the folder this server shares ({base}); served sessions load and save only inside it")
    return resolved


def served_root() -> Path | None:
    """The folder served sessions are confined to (``$TUINN_ROOT``), or None when not served."""
    value = os.environ.get(ROOT_ENV, "").strip()
    return Path(value) if value else None


def confine_to_served_root(path: Path) -> Path:
    """``path`` checked by :func:`confine` when this process is a served session; else unchanged."""
    root = served_root()
    return path if root is None else confine(path, root)

"""Turning user strings into path components that stay where they are put.

An experiment's ``name`` (or any other user string) becomes part of a folder name
(``runs/NAME-…``, the playground's ctrl+s default). Whatever it holds — ``/``, ``\\``,
``..``, control characters, a leading dot, a drive letter — :func:`slug` gives one
path component made of letters, digits, ``-``, ``_`` and ``.`` that cannot climb out
of its parent folder or hide itself.
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_LEN = 64


def slug(text: str, fallback: str = "run") -> str:
    """One safe path component for ``text`` (``fallback`` when nothing is left)."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    s = _UNSAFE.sub("-", ascii_text)
    s = re.sub(r"\.{2,}", ".", s)  # no '..' anywhere
    s = re.sub(r"-{2,}", "-", s).strip("-._")  # no leading dot or dash, no trailing dot
    return s[:MAX_LEN].rstrip("-._") or fallback

"""Data: synthetic sources, inline samples, features, splits.

Importing this package stays cheap (NumPy only); ``source_names`` is what the config
validator offers as ``data.source``.
"""

from __future__ import annotations


def source_names() -> tuple[str, ...]:
    """Every value ``data.source`` accepts."""
    from tuinn.data.registry import cards
    from tuinn.data.synthetic import SOURCES

    return (*SOURCES, "inline", "csv", *cards())

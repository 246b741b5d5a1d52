"""Equations with their numbers in them, laid out as text: matrices side by side.

The lecture writes a step twice, first in symbols (z = W·a + b) and then with the
numbers put in. A matrix or a column vector takes several lines, so writing the second
form needs blocks of text joined left to right, each centred on the equation's middle
line — as on a slide. A :data:`Block` is a list of lines of equal width; ``hjoin`` puts
blocks and operators side by side. Plain text, so it pipes, diffs and prints.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Block = list[str]

#: Rows and columns of a matrix shown in full; bigger ones show their corners around ⋮ / ….
MAX_SHOWN = 64

_OPERATORS = ("+", "−", "-", "·", "⊙", "/", "*")


_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def sup(n: int | str) -> str:
    """Superscript digits: 2 → ²."""
    return str(n).translate(_SUP)


def fmt_number(v: float, digits: int) -> str:
    """A number to ``digits`` significant digits (``tuinn step --digits``)."""
    return f"{v:.{digits}g}"


def _kept(n: int, limit: int) -> list[int]:
    """Indices shown out of n: all of them, or the first limit−2, a gap (−1) and the last."""
    return list(range(n)) if n <= limit else [*range(limit - 2), -1, n - 1]


def matrix(a: np.ndarray | float, digits: int, limit: int = MAX_SHOWN) -> Block:
    """A scalar as its number, a 1-D array as a column vector, a 2-D array as bracketed rows."""
    arr = np.asarray(a, dtype=float)
    if arr.ndim == 0 or arr.size == 1:
        return [fmt_number(float(arr.reshape(-1)[0]) + 0.0, digits)]
    if arr.ndim == 1:
        arr = arr[:, None]
    rows, cols = _kept(arr.shape[0], limit), _kept(arr.shape[1], limit)
    shown = (arr[np.ix_([max(r, 0) for r in rows], [max(c, 0) for c in cols])] + 0.0).tolist()  # + 0.0: no "-0"; floats format faster
    spec = f".{digits}g"
    cells = [[("⋮" if r < 0 else "…" if c < 0 else format(v, spec)) for c, v in zip(cols, vals, strict=True)]
             for r, vals in zip(rows, shown, strict=True)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cols))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in cells]
    if len(lines) == 1:
        return [f"[{lines[0]}]"]
    left = ["⎡", *["⎢"] * (len(lines) - 2), "⎣"]
    right = ["⎤", *["⎥"] * (len(lines) - 2), "⎦"]
    return [f"{left[i]}{line}{right[i]}" for i, line in enumerate(lines)]


def row(v: np.ndarray, digits: int, limit: int = MAX_SHOWN) -> Block:
    """A vector written as a row (a transposed column: aᵀ)."""
    return matrix(np.asarray(v, dtype=float).reshape(1, -1), digits, limit)


def hjoin(*parts: Block | str) -> Block:
    """Blocks and operators (plain strings) side by side, centred on a common middle line."""
    blocks: list[Block] = []
    for i, p in enumerate(parts):
        if isinstance(p, str):
            blocks.append([p])
        elif len(p) == 1 and p[0].startswith("-") and i and isinstance(parts[i - 1], str) and parts[i - 1].rstrip()[-1:] in _OPERATORS:
            blocks.append([f"({p[0]})"])  # 2 · (-0.5), not 2 · -0.5
        else:
            blocks.append(p)
    height = max(len(b) for b in blocks)
    middle = height // 2 if height % 2 else height // 2 - 1
    out = [""] * height
    for b in blocks:
        width = max(len(line) for line in b)
        top = middle - ((len(b) - 1) // 2)
        for i in range(height):
            j = i - top
            out[i] += (b[j] if 0 <= j < len(b) else "").ljust(width)
    return [line.rstrip() for line in out]


def joined(parts: Sequence[Block | str], sep: str) -> list[Block | str]:
    """``parts`` with the operator ``sep`` between each pair (for hjoin)."""
    out: list[Block | str] = []
    for i, p in enumerate(parts):
        if i:
            out.append(sep)
        out.append(p)
    return out


def indent(block: Block, n: int) -> Block:
    pad = " " * n
    return [pad + line if line else line for line in block]

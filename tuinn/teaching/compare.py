"""Term-by-term comparison of two traces of the same step (NumPy engine vs torch autograd).

For every term of every layer: the largest absolute difference, and the relative
difference max|a − b| / max|b| (relative to the term's largest magnitude, so that entries
that are zero in exact arithmetic do not turn rounding noise into a huge ratio).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tuinn.engine.trace import StepTrace

FORWARD = ("W", "b", "z", "z_norm", "a")
BACKWARD = ("dL_da", "da_dz", "dL_dznorm", "delta", "dL_dW", "dL_db", "dL_dinput")


@dataclass
class Difference:
    term: str
    layer: int | None
    abs: float
    rel: float


def _diff(term: str, layer: int | None, a: np.ndarray | float | None, b: np.ndarray | float | None) -> Difference | None:
    if a is None or b is None:
        return None
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return Difference(term, layer, float("inf"), float("inf"))
    d = float(np.max(np.abs(a - b))) if a.size else 0.0
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    return Difference(term, layer, d, d / scale if scale > 0 else (0.0 if d == 0 else float("inf")))


def compare(a: StepTrace, b: StepTrace) -> list[Difference]:
    """Differences of every term present in both traces, in the order of the step."""
    rows: list[Difference | None] = [_diff("inputs", None, a.inputs, b.inputs)]
    for ta, tb in zip(a.layers, b.layers, strict=True):
        rows += [_diff(name, ta.layer, getattr(ta, name), getattr(tb, name)) for name in FORWARD]
    rows.append(_diff("loss", None, a.loss, b.loss))
    for ta, tb in zip(reversed(a.layers), reversed(b.layers), strict=True):
        rows += [_diff(name, ta.layer, getattr(ta, name), getattr(tb, name)) for name in BACKWARD]
        rows += [_diff(f"dL_d{k}", ta.layer, ta.extra_grads.get(k), tb.extra_grads.get(k)) for k in ta.extra_grads]
    for ta, tb in zip(a.layers, b.layers, strict=True):
        rows += [_diff(f"{k}_new", ta.layer, ta.after.get(k), tb.after.get(k)) for k in ta.after]
    return [r for r in rows if r is not None]

"""The playground's input features, computed from a point (x1, x2) of the plane.

TensorFlow Playground offers seven inputs; choosing x1² and x2² lets a single neuron
separate the circle, which is the lesson. 1-D sources (``sine``) have only x1, so
only the features that do not mention x2 apply to them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

FEATURE_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda p: p[:, 0],
    "x2": lambda p: p[:, 1],
    "x1^2": lambda p: p[:, 0] ** 2,
    "x2^2": lambda p: p[:, 1] ** 2,
    "x1*x2": lambda p: p[:, 0] * p[:, 1],
    "sin(x1)": lambda p: np.sin(p[:, 0]),
    "sin(x2)": lambda p: np.sin(p[:, 1]),
}


def needs_second_input(name: str) -> bool:
    """True when the feature reads x2 (so a 1-D source cannot provide it)."""
    return "x2" in name


def expand(points: np.ndarray, names: list[str]) -> np.ndarray:
    """Columns ``names`` computed from raw points (n, 1 or 2); result (n, len(names))."""
    return np.stack([FEATURE_FUNCTIONS[name](points) for name in names], axis=1)

"""Initial weights: the schemes of the spec, drawn from a seeded generator.

``fan_in`` is the number of inputs of the layer and ``fan_out`` the number of rows of W
(units, or units·pieces for maxout). The defaults follow the common libraries:
- xavier: Glorot uniform, U(±√(6/(fan_in+fan_out))) (Keras' default, torch's
  ``xavier_uniform_``); good for sigmoid/tanh.
- he: He normal, N(0, √(2/fan_in)) (torch's ``kaiming_normal_``); good for ReLU.
- normal: N(0, scale), scale 0.1 unless given ("small random numbers").
- uniform: U(±scale), scale 0.5 unless given (TensorFlow Playground's weights).
- zeros: every weight 0 — a lesson in symmetry: the neurons of a layer never differ.
"""

from __future__ import annotations

import math

import numpy as np

INITS = ("xavier", "he", "normal", "uniform", "zeros")
DEFAULT_SCALE = {"normal": 0.1, "uniform": 0.5}


def init_weights(
    scheme: str, fan_out: int, fan_in: int, rng: np.random.Generator, dtype: np.dtype, scale: float | None = None
) -> np.ndarray:
    """A (fan_out, fan_in) weight matrix drawn with ``scheme``; always drawn in float64
    and then cast, so float32 and float64 runs start from the same numbers."""
    shape = (fan_out, fan_in)
    if scheme == "xavier":
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-limit, limit, size=shape)
    elif scheme == "he":
        w = rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape)
    elif scheme == "normal":
        w = rng.normal(0.0, DEFAULT_SCALE["normal"] if scale is None else scale, size=shape)
    elif scheme == "uniform":
        limit = DEFAULT_SCALE["uniform"] if scale is None else scale
        w = rng.uniform(-limit, limit, size=shape)
    elif scheme == "zeros":
        w = np.zeros(shape)
    else:
        raise ValueError(f"unknown init {scheme!r}")
    return w.astype(dtype, copy=False)

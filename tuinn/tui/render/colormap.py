"""Colours for values: TensorFlow Playground's diverging scale and class colours.

Signed values (weights, a binary output mapped to −1…1) use the Playground's scale,
orange ``#f59322`` (negative) → grey ``#e8eaeb`` (zero) → blue ``#0877bd`` (positive),
in ``SHADES`` steps, so its users read our pictures the way they read its. Classes get
fixed categorical colours (class 0 orange and class 1 blue, as in the Playground), and
a confidence is shown as the colour's intensity (blended towards the grey). Data
colours are independent of the Textual theme.
"""

from __future__ import annotations

import numpy as np

NEGATIVE = (0xF5, 0x93, 0x22)
ZERO = (0xE8, 0xEA, 0xEB)
POSITIVE = (0x08, 0x77, 0xBD)
#: Odd, so that 0 has a shade of its own.
SHADES = 31

CLASS_COLORS = [
    NEGATIVE,
    POSITIVE,
    (0x2C, 0xA0, 0x2C),  # green
    (0x94, 0x67, 0xBD),  # purple
    (0xD6, 0x27, 0x28),  # red
    (0x17, 0xBE, 0xCF),  # teal
    (0xBC, 0xBD, 0x22),  # olive
    (0xE3, 0x77, 0xC2),  # pink
    (0x8C, 0x56, 0x4B),  # brown
    (0x7F, 0x7F, 0x7F),  # grey
]


def hex_color(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def blend(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    """(1 − t)·a + t·b, per channel."""
    return tuple(round((1 - t) * x + t * y) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def diverging_palette(shades: int = SHADES) -> list[str]:
    """``shades`` hex colours from NEGATIVE through ZERO to POSITIVE."""
    half = shades // 2
    out = [hex_color(blend(NEGATIVE, ZERO, i / half)) for i in range(half)]
    out.append(hex_color(ZERO))
    out += [hex_color(blend(ZERO, POSITIVE, (i + 1) / half)) for i in range(half)]
    return out


def diverging_index(values: np.ndarray, vmax: float, shades: int = SHADES) -> np.ndarray:
    """Palette indices of signed values: −vmax → 0, 0 → the middle, +vmax → shades − 1."""
    vmax = float(vmax) if vmax and np.isfinite(vmax) and vmax > 0 else 1.0
    t = np.clip(np.nan_to_num(values, nan=0.0) / vmax, -1.0, 1.0)
    return np.rint((t + 1.0) * 0.5 * (shades - 1)).astype(np.int16)


def class_palette(n_classes: int, levels: int = 8) -> list[str]:
    """For each class, ``levels`` intensities from faint (near grey) to full colour.

    Index ``c * levels + k``: class c at intensity (k + 1) / levels.
    """
    out = []
    for c in range(n_classes):
        base = CLASS_COLORS[c % len(CLASS_COLORS)]
        out += [hex_color(blend(ZERO, base, (k + 1) / levels)) for k in range(levels)]
    return out


def class_index(probs: np.ndarray, levels: int = 8, discretize: bool = False) -> np.ndarray:
    """Palette indices (of ``class_palette``) for class probabilities (..., C): the argmax class,
    its confidence as intensity (chance level → faintest, certainty → full)."""
    c = probs.shape[-1]
    winner = probs.argmax(axis=-1)
    if discretize:
        return (winner * levels + levels - 1).astype(np.int16)
    conf = probs.max(axis=-1)
    t = np.clip((conf - 1.0 / c) / (1.0 - 1.0 / c), 0.0, 1.0)
    k = np.minimum((t * levels).astype(np.int16), levels - 1)
    return (winner * levels + k).astype(np.int16)

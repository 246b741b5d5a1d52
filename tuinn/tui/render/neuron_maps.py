"""TensorFlow Playground's neuron pictures: each neuron's output over the input plane, small.

The session computes every neuron's output on a coarse grid of the plane once per
snapshot (``Snapshot.neuron_maps``); this module turns those values into palette
indices of a small half-block picture (two pixels per cell) and sizes the pictures to
the space a network diagram has. Pure NumPy, no widgets, so it is tested without an app.

Colours are the Playground's diverging scale (orange negative, grey zero, blue
positive), so a neuron's picture reads like the decision boundary and the links:

- an input (layer 0) is scaled by its own largest |value| on the plane, since the
  features have different units (x1 up to 6, x1² up to 36, sin(x1) up to 1);
- ``tanh`` is drawn on its range −1 … 1 and ``softmax`` on 0 … 1 (grey → blue: how much
  of this class); ``sigmoid``, a probability, around 0.5 (orange below, blue above), as
  the decision-boundary panel draws a binary output;
- unbounded activations (relu, linear, elu, maxout, …) on the largest |value| of their
  whole layer, so that the neurons of a layer can be compared.

A near-silent neuron thus looks grey, as it is; nothing is stretched to fill the scale.
"""

from __future__ import annotations

import numpy as np

from tuinn.data.features import FEATURE_FUNCTIONS
from tuinn.tui.render.colormap import SHADES, diverging_index

#: Largest picture height in cells (two pixels each); the width is twice the height,
#: so that a picture is about square on a terminal (cells are ~2:1).
MAX_HEIGHT = 5
#: Fewest cells between two columns of pictures, for the links.
MIN_GAP = 4
#: Width of the smallest picture (and of the plain marker it replaces).
MIN_WIDTH = 3
#: A largest |value| at or under this is rounding, not a range: such a map stays grey (an input held at
#: its training mean in a slice through many inputs is 0 standardised, or 1e-17 after rounding).
TINY = 1e-9


def picture_width(height: int) -> int:
    """Cells across a picture ``height`` cells tall: about square, never under :data:`MIN_WIDTH`."""
    return max(MIN_WIDTH, 2 * height)


def box_size(width: int, rows: int, n_visible: int, n_columns: int, label: int) -> tuple[int, int]:
    """(w, h) in cells of the pictures for a diagram of ``width`` × ``rows`` cells (titles excluded).

    ``n_visible``: the most neurons one column shows; ``n_columns``: inputs + layers;
    ``label``: the cells the input names take on the left. The largest h ≤ :data:`MAX_HEIGHT`
    whose column of pictures fits with a free row between them and whose columns fit
    with as many cells for the links between them as a picture is wide (at least
    :data:`MIN_GAP`: links squeezed between large pictures cannot be told apart);
    (MIN_WIDTH, 1), pictures one cell tall stacked as the plain markers are, when
    nothing larger fits.
    """
    x0 = label + 1 if label else 0
    for h in range(MAX_HEIGHT, 1, -1):
        w = picture_width(h)
        fits_rows = n_visible * (h + 1) <= rows
        fits_columns = x0 + n_columns * w + (n_columns - 1) * max(MIN_GAP, w) <= width
        if fits_rows and fits_columns:
            return w, h
    return MIN_WIDTH, 1


def _weights(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower index, upper index, weight of the upper) to interpolate ``n_in`` grid points at ``n_out`` pixel centres."""
    pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0.0, n_in - 1.0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n_in - 1)
    return lo, hi, pos - lo


def resample(values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A (…, rows, cols) grid of values at pixel centres, at ``shape`` = (pixel rows, pixel cols).

    Both the grid's points and the pixels are centres of equal cells of the plane, so a
    pixel's value is interpolated (bilinearly) between the grid points around its centre:
    nearest-point sampling would shift a picture by half a grid cell. A 1-row grid (1-D
    data) fills every pixel row. Leading axes (a layer's neurons) are resampled together.
    """
    rows2, cols = shape
    R, C = values.shape[-2:]
    r0, r1, rt = _weights(rows2, R)
    c0, c1, ct = _weights(cols, C)
    by_rows = values[..., r0, :] * (1 - rt)[:, None] + values[..., r1, :] * rt[:, None]
    return by_rows[..., c0] * (1 - ct) + by_rows[..., c1] * ct


def signed(maps: np.ndarray, activation: str, is_input: bool) -> np.ndarray:
    """A layer's maps (units, rows, cols) as values in −1 … 1 for the diverging scale (rules above)."""
    maps = np.asarray(maps, dtype=float)
    maps = np.where(np.isfinite(maps), maps, 0.0)
    if is_input:
        scale = np.abs(maps).reshape(len(maps), -1).max(axis=1, initial=0.0)
        return maps / np.where(scale > TINY, scale, 1.0)[:, None, None]
    if activation == "sigmoid":
        return 2.0 * maps - 1.0
    if activation in ("tanh", "softmax"):
        return maps
    scale = float(np.abs(maps).max(initial=0.0))
    return maps / (scale if scale > TINY else 1.0)


def layer_pictures(maps: np.ndarray, activation: str, is_input: bool, shape: tuple[int, int]) -> np.ndarray:
    """Palette indices (units, pixel rows, pixel cols) of :func:`~tuinn.tui.render.colormap.diverging_palette`
    for each neuron of a layer, drawn at ``shape`` pixels."""
    return diverging_index(resample(signed(maps, activation, is_input), shape), 1.0, SHADES)


def feature_picture(name: str, shape: tuple[int, int], extent: tuple[float, float, float, float]) -> np.ndarray:
    """Palette indices (pixel rows, pixel cols) of input feature ``name`` (``x1``, ``x1^2``, ``sin(x2)``, …)
    over ``extent`` = (x min, x max, y min, y max), evaluated at the pixel centres (row 0 at the top),
    scaled by its own largest |value| as the diagram scales an input."""
    rows2, cols = shape
    x0, x1, y0, y1 = extent
    xs = x0 + (np.arange(cols) + 0.5) * (x1 - x0) / cols
    ys = y1 - (np.arange(rows2) + 0.5) * (y1 - y0) / rows2
    gx, gy = np.meshgrid(xs, ys)
    values = FEATURE_FUNCTIONS[name](np.column_stack([gx.ravel(), gy.ravel()])).reshape(1, rows2, cols)
    return diverging_index(signed(values, "", is_input=True), 1.0, SHADES)[0]


__all__ = ["MAX_HEIGHT", "MIN_GAP", "MIN_WIDTH", "box_size", "feature_picture", "layer_pictures", "picture_width", "resample", "signed"]

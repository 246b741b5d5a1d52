"""The model's output over the input plane, at full half-block resolution.

A line-API widget (DESIGN.md §4): the picture is a (2·height, width) array of palette
indices, turned into one ``Strip`` of ``▀`` per cell row by ``picture_strips`` with a
palette × palette style table that is built once per palette. Strips are rebuilt only
in ``show()`` and on resize; ``render_line`` just hands them out.

Pixel convention: pixel (r, c) of a (rows2, cols) picture covers
x ∈ [x_min + c·dx, x_min + (c + 1)·dx) and y ∈ (y_max − (r + 1)·dy, y_max − r·dy], so
row 0 is the top (y_max). ``grid_points`` gives the pixel centres at which the model
should be evaluated so that its output lines up with the drawn data points.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from textual import events
from textual.content import Content
from textual.strip import Strip
from textual.widget import Widget

from tuinn.tui.render.colormap import (
    CLASS_COLORS,
    NEGATIVE,
    POSITIVE,
    SHADES,
    ZERO,
    blend,
    class_index,
    class_palette,
    diverging_index,
    diverging_palette,
    hex_color,
)
from tuinn.tui.render.halfblock import StyleTable, picture_strips, refresh_changed

KINDS = ("binary", "multiclass", "regression", "curve")
#: Intensity levels per class in the multiclass field.
LEVELS = 8
#: Value shades for regression points.
POINT_SHADES = 9
#: How far train points are darkened towards black (saturated, darker than the field).
TRAIN_DARKEN = 0.4
#: Test points: a near-black core tinted by their class.
TEST_DARKEN = 0.8
BLACK = (0, 0, 0)
WHITE = (255, 255, 255)
CURVE_BACKGROUND = blend(ZERO, WHITE, 0.5)
CURVE_LINE = POSITIVE
CURVE_POINT = NEGATIVE


@dataclass(frozen=True, eq=False)
class BoundaryView:
    """Everything the widget draws; the trainer's snapshot builds one per frame."""

    kind: str  # "binary" | "multiclass" | "regression" | "curve"
    # binary: (rows2, cols) P(class 1) in [0, 1]; multiclass: (rows2, cols, C) probabilities;
    # regression: (rows2, cols) values; curve: (cols,) fitted y at each pixel column's centre x
    values: np.ndarray
    extent: tuple[float, float, float, float]  # x_min, x_max, y_min, y_max (row 0 of values = y_max)
    train_points: np.ndarray  # (n, 2) raw coordinates (curve: (x, y))
    train_labels: np.ndarray  # (n,) int classes, or float values for regression / curve
    test_points: np.ndarray
    test_labels: np.ndarray
    n_classes: int = 2
    value_range: tuple[float, float] = (-1.0, 1.0)  # regression colour scale
    show_test: bool = True
    discretize: bool = False
    caption: str = ""  # shown in the border subtitle


def pixel_centers(extent: tuple[float, float, float, float], shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(xs, ys): the x of each pixel column's centre (cols,) and the y of each pixel row's centre (rows2,), top first."""
    rows2, cols = shape
    x_min, x_max, y_min, y_max = (float(v) for v in extent)
    xs = x_min + (np.arange(cols) + 0.5) * (x_max - x_min) / cols
    ys = y_max - (np.arange(rows2) + 0.5) * (y_max - y_min) / rows2
    return xs, ys


def grid_points(extent: tuple[float, float, float, float], shape: tuple[int, int]) -> np.ndarray:
    """The (rows2·cols, 2) pixel centres in row-major order: ``model(grid).reshape(rows2, cols[, C])`` is a ``values``."""
    xs, ys = pixel_centers(extent, shape)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def _rgb(h: str) -> tuple[int, int, int]:
    return (int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16))


def _dark(rgb: tuple[int, int, int], t: float) -> str:
    return hex_color(blend(rgb, BLACK, t))


@dataclass(frozen=True)
class _Palette:
    colors: tuple[str, ...]
    train: int  # index of the first train-point colour
    test: int  # index of the first test-point colour
    k: int  # number of point colours of each kind


@functools.cache
def _palette(kind: str, n_classes: int) -> _Palette:
    """The field colours followed by the train-point and the test-point colours."""
    if kind == "multiclass":
        field = class_palette(n_classes, LEVELS)
        points = [CLASS_COLORS[c % len(CLASS_COLORS)] for c in range(n_classes)]
    elif kind == "regression":
        field = diverging_palette(SHADES)
        points = [_rgb(h) for h in diverging_palette(POINT_SHADES)]
    elif kind == "curve":
        field = [hex_color(CURVE_BACKGROUND), hex_color(CURVE_LINE)]
        points = [CURVE_POINT]
    else:  # binary
        field = diverging_palette(SHADES)
        points = [CLASS_COLORS[0], CLASS_COLORS[1]]
    train = [_dark(p, TRAIN_DARKEN) for p in points]
    test = [_dark(p, TEST_DARKEN) for p in points]
    colors = tuple(field) + tuple(train) + tuple(test)
    return _Palette(colors, len(field), len(field) + len(points), len(points))


@functools.cache
def _table(colors: tuple[str, ...]) -> StyleTable:
    return StyleTable(list(colors))


def _resample(values: np.ndarray, shape: tuple[int, int], kind: str) -> np.ndarray:
    """Nearest-neighbour resampling of ``values`` to ``shape`` (curve: to ``shape[1]`` columns)."""
    rows2, cols = shape
    if kind == "curve":
        v = np.asarray(values, dtype=float).reshape(-1)
        if v.shape[0] == cols or v.shape[0] == 0:
            return v if v.shape[0] else np.full(cols, np.nan)
        return v[((np.arange(cols) + 0.5) * v.shape[0] / cols).astype(int)]
    v = np.asarray(values, dtype=float)
    if v.shape[:2] == (rows2, cols):
        return v
    if v.ndim < 2 or v.shape[0] == 0 or v.shape[1] == 0:
        fill = (rows2, cols, *v.shape[2:])
        return np.full(fill, np.nan)
    ri = ((np.arange(rows2) + 0.5) * v.shape[0] / rows2).astype(int)
    ci = ((np.arange(cols) + 0.5) * v.shape[1] / cols).astype(int)
    return v[ri[:, None], ci[None, :]]


def _scaled(values: np.ndarray, value_range: tuple[float, float]) -> np.ndarray:
    """Values mapped linearly so that value_range becomes −1…1."""
    lo, hi = float(value_range[0]), float(value_range[1])
    span = hi - lo if hi != lo else 1.0
    return 2.0 * (np.asarray(values, dtype=float) - lo) / span - 1.0


def _curve_mask(y: np.ndarray, extent: tuple[float, float, float, float], rows2: int) -> np.ndarray:
    """(rows2, cols) pixels of a connected line through each column's y.

    Each column covers its own row and reaches halfway towards its neighbours' rows, so
    steep parts stay connected (8-connected) without drawing whole vertical bars.
    """
    _, _, y_min, y_max = (float(v) for v in extent)
    span = y_max - y_min if y_max != y_min else 1.0
    with np.errstate(invalid="ignore", over="ignore"):
        r = np.rint((y_max - y) / span * rows2 - 0.5)
        lo, hi = r.copy(), r.copy()
        for b in (np.r_[r[:1], r[:-1]], np.r_[r[1:], r[-1:]]):
            mid = (r + b) / 2.0
            hi = np.maximum(hi, np.where(b > r, np.floor(mid), r))
            lo = np.minimum(lo, np.where(b < r, np.ceil(mid), r))
        rows = np.arange(rows2, dtype=float)[:, None]
        return (rows >= lo[None, :]) & (rows <= hi[None, :])


def point_pixels(points: np.ndarray, extent: tuple[float, float, float, float], shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols, inside): the pixel of each (x, y) point; ``inside`` marks those within the extent."""
    rows2, cols = shape
    x_min, x_max, y_min, y_max = (float(v) for v in extent)
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    sx = x_max - x_min if x_max != x_min else 1.0
    sy = y_max - y_min if y_max != y_min else 1.0
    with np.errstate(invalid="ignore"):
        inside = np.isfinite(pts).all(axis=1) & (pts[:, 0] >= x_min) & (pts[:, 0] <= x_max) & (pts[:, 1] >= y_min) & (pts[:, 1] <= y_max)
    p = np.where(inside[:, None], pts, [x_min, y_max])
    c = np.clip(np.floor((p[:, 0] - x_min) / sx * cols), 0, cols - 1).astype(int)
    r = np.clip(np.floor((y_max - p[:, 1]) / sy * rows2), 0, rows2 - 1).astype(int)
    return r, c, inside


class DecisionBoundary(Widget):
    """The model's output over the input plane, with the data points on top."""

    DEFAULT_CSS = """
    DecisionBoundary {
        border: round $secondary;
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._view: BoundaryView | None = None
        self._strips: list[Strip] = []
        self._indices: np.ndarray | None = None
        self._caption = ""

    @property
    def view(self) -> BoundaryView | None:
        """The view last shown (None before the first ``show``)."""
        return self._view

    def pixel_shape(self) -> tuple[int, int]:
        """(rows2, cols) that ``values`` should have now: 2 pixel rows per content row, 1 column per content column."""
        size = self.size
        return max(2, 2 * size.height), max(1, size.width)

    def show(self, view: BoundaryView) -> None:
        """Draw ``view`` (values of another shape than ``pixel_shape()`` are resampled)."""
        if view.kind not in KINDS:
            raise ValueError(f"unknown boundary kind {view.kind!r}; expected one of {', '.join(KINDS)}")
        self._view = view
        old = self._strips
        self._rebuild()
        if view.caption != self._caption:
            self._caption = view.caption
            self.border_subtitle = Content(view.caption) if view.caption else None
        refresh_changed(self, old, self._strips)

    def on_resize(self, event: events.Resize) -> None:
        if self._view is not None:
            self._rebuild()
        self.refresh()

    def _rebuild(self) -> None:
        view = self._view
        assert view is not None
        shape = self.pixel_shape()
        indices = self.picture(view, shape)
        self._indices = indices
        pal = _palette(view.kind, max(1, int(view.n_classes)))
        self._strips = picture_strips(indices, _table(pal.colors))

    @staticmethod
    def picture(view: BoundaryView, shape: tuple[int, int]) -> np.ndarray:
        """The (rows2, cols) palette indices of ``view`` at ``shape`` (field, then points)."""
        rows2, cols = shape
        kind = view.kind
        n_classes = max(1, int(view.n_classes))
        pal = _palette(kind, n_classes)
        values = _resample(view.values, shape, kind)
        if kind == "binary":
            if view.discretize:
                with np.errstate(invalid="ignore"):
                    idx = np.where(values >= 0.5, SHADES - 1, 0).astype(np.int16)
            else:
                idx = diverging_index(2.0 * values - 1.0, 1.0, SHADES)
        elif kind == "multiclass":
            probs = np.nan_to_num(values.reshape(rows2, cols, -1), nan=0.0)
            idx = class_index(probs, LEVELS, view.discretize)
        elif kind == "regression":
            t = _scaled(values, view.value_range)
            if view.discretize:
                with np.errstate(invalid="ignore"):
                    idx = np.where(t >= 0, SHADES - 1, 0).astype(np.int16)
            else:
                idx = diverging_index(t, 1.0, SHADES)
        else:  # curve
            idx = np.zeros(shape, dtype=np.int16)
            idx[_curve_mask(values, view.extent, rows2)] = 1
        idx = np.ascontiguousarray(idx, dtype=np.int16)

        layers = [(view.train_points, view.train_labels, pal.train)]
        if view.show_test:
            layers.append((view.test_points, view.test_labels, pal.test))
        for points, labels, base in layers:
            if points is None or np.size(points) == 0:
                continue
            r, c, inside = point_pixels(points, view.extent, shape)
            k = _point_shade(kind, np.asarray(labels).reshape(-1), pal.k, view.value_range, len(r))
            idx[r[inside], c[inside]] = base + k[inside]
        return idx

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if 0 <= y < len(self._strips):
            strip = self._strips[y]
            if strip.cell_length != width:
                strip = strip.crop_extend(0, width, self.rich_style)
            return strip
        return Strip.blank(width, self.rich_style)


def _point_shade(kind: str, labels: np.ndarray, k: int, value_range: tuple[float, float], n: int) -> np.ndarray:
    """Which of the ``k`` point colours each point gets."""
    if labels.shape[0] != n:
        return np.zeros(n, dtype=np.int16)
    if kind == "regression":
        return diverging_index(_scaled(labels, value_range), 1.0, k)
    if kind == "curve":
        return np.zeros(n, dtype=np.int16)
    lab = np.nan_to_num(np.asarray(labels, dtype=float), nan=0.0)
    return np.clip(lab, 0, k - 1).astype(np.int16)

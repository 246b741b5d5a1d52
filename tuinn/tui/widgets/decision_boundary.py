"""The model's output over the input plane, at full half-block resolution.

A line-API widget (DESIGN.md §4): the picture is a (2·height, width) array of palette
indices, turned into one ``Strip`` of ``▀`` per cell row by ``picture_strips`` with a
palette × palette style table that is built once per palette. Strips are rebuilt only
in ``show()`` and on resize; ``render_line`` just hands them out.

Around the picture, when the panel has room, its frame: y tick labels on the left, the x
axis and its labels below (:mod:`tuinn.tui.render.plot_frame`, round ticks) and a legend
row (value → colour, and which dot is a training and which a test point); a lab's small
side-by-side boundaries stay frameless. A data point is a whole cell (its class colour,
a white or a black dot), drawn in the same strip as the pixels around it.

Pixel convention: pixel (r, c) of a (rows2, cols) picture covers
x ∈ [x_min + c·dx, x_min + (c + 1)·dx) and y ∈ (y_max − (r + 1)·dy, y_max − r·dy], so
row 0 is the top (y_max). ``grid_points`` gives the pixel centres at which the model
should be evaluated so that its output lines up with the drawn data points.

Your own points (the playground sets :attr:`DecisionBoundary.editable`): with the focus,
the arrows move a cursor over the picture (shift: five cells), ``a``/``enter`` places a
point of the chosen class there, ``x``/``delete`` removes the nearest point, ``k`` chooses
the next class; a left click places a point at the cell clicked, a right click (or
ctrl+click) removes the nearest. The widget only says where, in data coordinates
(:class:`DecisionBoundary.PointPlaced`, :class:`DecisionBoundary.PointRemoved`); the
session changes the data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
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
from tuinn.tui.render.plot_frame import AXIS_ROWS, Frame, gutter_width, plot_frame
from tuinn.tui.render.ticks import tick_label

KINDS = ("binary", "multiclass", "regression", "curve")
#: Intensity levels per class in the multiclass field.
LEVELS = 8
#: Value shades for regression points.
POINT_SHADES = 9
BLACK = (0, 0, 0)
WHITE = (255, 255, 255)
#: A data point is one cell in its class (or value) colour with a dot that says which
#: split it is from: white for training, black for test, as TF Playground outlines its
#: points. Where the model agrees the cell melts into the field and the dot remains; a
#: misclassified point is a square of the other colour. (Dots in the class colour on a
#: white or black cell hid four cells in ten of the default data set's field.)
POINT_GLYPH = "●"
TRAIN_DOT = WHITE
TEST_DOT = BLACK
#: The ground of the legend's train / test key: no class, a neutral grey.
KEY_GROUND = (0x80, 0x80, 0x80)
#: The frame (axes and legend) is drawn only in a content area at least this large; a
#: smaller boundary (a lab's side-by-side variants) keeps every cell for the picture.
FRAME_MIN_WIDTH = 30
FRAME_MIN_HEIGHT = 12
#: Rows the frame takes under the picture: the x axis, its labels and the legend.
BOTTOM_ROWS = AXIS_ROWS + 1
#: Cells of the legend's colour bar (fewer, down to LEGEND_BAR_MIN, in a narrow panel).
LEGEND_BAR = 16
LEGEND_BAR_MIN = 6
#: The cursor of your own points: a cross in the colour of the class it places (black for a value), on white.
CURSOR_GLYPH = "╋"
#: Cells a shift+arrow moves the cursor.
CURSOR_JUMP = 5
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
    #: The legend's words for the white-dot and the black-dot points ("": no key entry),
    #: for a screen whose points are not a data set's splits (the neuron lab's line).
    point_names: tuple[str, str] = ("train", "test")
    #: The labels are classes on a regression-coloured field (a neuron's output over a
    #: classification data set): the points take their class colours, not value shades.
    class_points: bool = False


def plane_extent(view: BoundaryView) -> tuple[float, float, float, float]:
    """The extent drawn: a curve whose extent has no height (a 1-D data set has no second input) spans its value range."""
    x_min, x_max, y_min, y_max = (float(v) for v in view.extent)
    if view.kind == "curve" and not y_max > y_min:
        lo, hi = (float(v) for v in view.value_range)
        if hi > lo:
            return x_min, x_max, lo, hi
    return x_min, x_max, y_min, y_max


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


@dataclass(frozen=True)
class _Palette:
    colors: tuple[str, ...]  # the field's colours
    points: tuple[str, ...]  # the points' colours (class, or value shade)
    marks: tuple[Style, ...]  # each point colour with the train dot, then each with the test dot

    @property
    def k(self) -> int:
        """Point colours of each split (train, test)."""
        return len(self.points)


@functools.cache
def _palette(kind: str, n_classes: int, class_points: bool = False) -> _Palette:
    """The field colours, and the styles of the train and the test points."""
    if kind == "regression" and class_points:
        field = diverging_palette(SHADES)
        points = [CLASS_COLORS[c % len(CLASS_COLORS)] for c in range(max(2, n_classes))]
    elif kind == "multiclass":
        field = class_palette(n_classes, LEVELS)
        points = [CLASS_COLORS[c % len(CLASS_COLORS)] for c in range(n_classes)]
    elif kind == "regression":
        field = diverging_palette(SHADES)
        points = [_rgb(h) for h in diverging_palette(POINT_SHADES)]
    elif kind == "curve":
        field = [hex_color(CURVE_BACKGROUND), hex_color(CURVE_LINE)]
        points = [CURVE_POINT, CURVE_LINE]  # off the fitted line, and on it (the line stays whole)
    else:  # binary
        field = diverging_palette(SHADES)
        points = [CLASS_COLORS[0], CLASS_COLORS[1]]
    colors = tuple(hex_color(p) for p in points)
    marks = tuple(Style(color=hex_color(dot), bgcolor=c) for dot in (TRAIN_DOT, TEST_DOT) for c in colors)
    return _Palette(tuple(field), colors, marks)


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
    with np.errstate(invalid="ignore"):  # an extent that is not a number: no point is inside, their cells are moot
        c = np.clip(np.nan_to_num(np.floor((p[:, 0] - x_min) / sx * cols)), 0, cols - 1).astype(int)
        r = np.clip(np.nan_to_num(np.floor((y_max - p[:, 1]) / sy * rows2)), 0, rows2 - 1).astype(int)
    return r, c, inside


class DecisionBoundary(Widget):
    """The model's output over the input plane, with the data points on top, its axes and a legend."""

    DEFAULT_CSS = """
    DecisionBoundary {
        border: round $secondary;
        width: 1fr;
        height: 1fr;
    }
    """

    BINDINGS = [
        Binding("left", "move(-1, 0)", "cursor left", show=False),
        Binding("right", "move(1, 0)", "cursor right", show=False),
        Binding("up", "move(0, -1)", "cursor up", show=False),
        Binding("down", "move(0, 1)", "cursor down", show=False),
        Binding("shift+left", f"move(-{CURSOR_JUMP}, 0)", "cursor far left", show=False),
        Binding("shift+right", f"move({CURSOR_JUMP}, 0)", "cursor far right", show=False),
        Binding("shift+up", f"move(0, -{CURSOR_JUMP})", "cursor far up", show=False),
        Binding("shift+down", f"move(0, {CURSOR_JUMP})", "cursor far down", show=False),
        Binding("a,enter", "place", "add point", id="add_point"),
        Binding("x,delete,backspace", "remove", "remove point", id="remove_point"),
        Binding("k", "cycle_class", "class to add", id="point_class"),
    ]

    class PointPlaced(Message):
        """Add a point at (x, y) of the plane (on a curve: input x, target y)."""

        def __init__(self, x: float, y: float) -> None:
            super().__init__()
            self.x, self.y = x, y

    class PointRemoved(Message):
        """Remove the point nearest (x, y) of the plane."""

        def __init__(self, x: float, y: float) -> None:
            super().__init__()
            self.x, self.y = x, y

    class PlaceCycled(Message):
        """Choose the next class (or value) to place."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        #: Whether points can be added and removed here (the playground: yes; a lab: no).
        self.editable = False
        #: Whether a framed picture keeps the plane's proportions (a circle drawn round, not as an ellipse as wide
        #: as the widget), centred: the grid view's wide small multiples. The playground's panel is about square
        #: already; a picture too small for axes fills its cells either way.
        self.square = False
        #: The cursor's cell (column, row) in the picture, once it has been moved or clicked.
        self.cursor: tuple[int, int] | None = None
        #: The colour of the class the cursor places (None: white, for values).
        self.place_color: tuple[int, int, int] | None = None
        self._view: BoundaryView | None = None
        self._strips: list[Strip] = []
        self._indices: np.ndarray | None = None
        self._marks: np.ndarray | None = None
        self._caption = ""
        self._base = Style()
        self._frame: Frame | None = None
        self._frame_key: tuple[object, ...] = ()
        self._left: list[Segment] = []
        self._below: list[Strip] = []
        self._legend: Strip | None = None
        self._legend_key: tuple[object, ...] = ()

    @property
    def view(self) -> BoundaryView | None:
        """The view last shown (None before the first ``show``)."""
        return self._view

    def framed(self) -> bool:
        """Whether the content area is large enough for the axes and the legend."""
        size = self.size
        return size.width >= FRAME_MIN_WIDTH and size.height >= FRAME_MIN_HEIGHT

    def picture_region(self) -> tuple[int, int, int, int]:
        """(x, y, width, height) of the picture in content cells: right of the y axis, above the x axis and the legend."""
        size = self.size
        if not self.framed():  # too small for axes: every cell counts more than the proportions (``square`` or not)
            return 0, 0, max(1, size.width), max(1, size.height)
        rows = size.height - BOTTOM_ROWS
        extent = self._extent()
        gutter = gutter_width(extent, rows)
        if self.square:
            return self._square_region(gutter, max(1, size.width - gutter), rows, extent)
        return gutter, 0, max(1, size.width - gutter), rows

    def _extent(self) -> tuple[float, float, float, float]:
        return plane_extent(self._view) if self._view is not None else (-6.0, 6.0, -6.0, 6.0)

    def _square_region(self, gutter: int, cols: int, rows: int, extent: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
        """The largest picture in ``cols`` × ``rows`` cells with the plane's proportions, centred in the widget.

        A cell is two pixel rows high and one column wide: cols / (2·rows) = x span / y span.
        """
        ratio = (extent[1] - extent[0]) / (extent[3] - extent[2]) if extent[3] > extent[2] else 1.0
        if cols > 2 * rows * ratio:
            cols = max(1, round(2 * rows * ratio))
        else:
            rows = max(1, min(rows, round(cols / ratio / 2)))
            gutter = gutter_width(extent, rows)
        pad = max(0, self.size.width - gutter - cols) // 2
        return pad + gutter, 0, cols, rows

    def pixel_shape(self) -> tuple[int, int]:
        """(rows2, cols) that ``values`` should have now: 2 pixel rows per picture row, 1 column per picture column.

        The y axis's width follows the labels of the extent last shown, so a new extent
        (another data set) is drawn resampled once, then at its own shape.
        """
        _, _, cols, rows = self.picture_region()
        return max(2, 2 * rows), max(1, cols)

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
        self._base = self.rich_style
        shape = self.pixel_shape()
        indices = self.picture(view, shape)
        marks = self.point_marks(view, shape, indices)
        self._indices, self._marks = indices, marks
        pal = _palette(view.kind, max(1, int(view.n_classes)), view.class_points)
        table = _table(pal.colors)
        if not self.framed():
            self._strips = picture_strips(indices, table, marks, list(pal.marks), POINT_GLYPH)
            return
        left, below = self._axes(view)
        rows = picture_strips(indices, table, marks, list(pal.marks), POINT_GLYPH, prefixes=left)
        self._strips = [*rows, *below, self._legend_strip(view)]

    def _axes(self, view: BoundaryView) -> tuple[list[Segment], list[Strip]]:
        """The y axis (a segment per picture row) and the x axis rows, for the view's extent at this size.

        Cached: they change with the data set, the size or the theme, not with the values.
        """
        left, _, cols, rows = self.picture_region()
        extent = plane_extent(view)
        key = (extent, left + cols, rows, self._base)
        if self._frame is None or key != self._frame_key:
            gutter = gutter_width(extent, rows)
            pad = " " * (left - gutter)  # a square picture is centred: the axes move with it
            frame = self._frame = plot_frame(extent, gutter + cols, rows)
            base = self._base
            self._frame_key = key
            self._left = [Segment(pad + text, base) for text in frame.left]
            self._below = [Strip([Segment(pad + frame.axis, base)], len(pad + frame.axis)),
                           Strip([Segment(pad + frame.labels, base)], len(pad + frame.labels))]
        return self._left, self._below

    def _legend_strip(self, view: BoundaryView) -> Strip:
        """The legend row (cached: it changes with what is shown, not with the values)."""
        width = self.size.width
        key = (view.kind, int(view.n_classes), tuple(view.value_range), view.discretize, view.show_test, view.point_names,
               np.size(view.train_points) > 0, np.size(view.test_points) > 0, width, self._base)
        if self._legend is None or key != self._legend_key:
            segments = legend_segments(view, self._base, width)
            self._legend = Strip(segments).crop_extend(0, width, self._base)
            self._legend_key = key
        return self._legend

    @staticmethod
    def picture(view: BoundaryView, shape: tuple[int, int]) -> np.ndarray:
        """The (rows2, cols) palette indices of the field of ``view`` at ``shape`` (the points are :meth:`point_marks`)."""
        rows2, cols = shape
        kind = view.kind
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
            idx[_curve_mask(values, plane_extent(view), rows2)] = 1
        return np.ascontiguousarray(idx, dtype=np.int16)

    @staticmethod
    def point_marks(view: BoundaryView, shape: tuple[int, int], field: np.ndarray | None = None) -> np.ndarray:
        """(rows2 // 2, cols) cells: −1, or the index in the palette's ``marks`` of the point drawn there.

        Train points are drawn first, so a test point in the same cell is the one shown.
        On a curve, a point in a cell the fitted line crosses (``field``: the picture) takes
        the line's colour, so that the points do not cut the line into pieces.
        """
        rows2, cols = shape
        pal = _palette(view.kind, max(1, int(view.n_classes)), view.class_points)
        marks = np.full(((rows2 + 1) // 2, cols), -1, dtype=np.int16)
        layers = [(view.train_points, view.train_labels, 0)]
        if view.show_test:
            layers.append((view.test_points, view.test_labels, pal.k))
        for points, labels, base in layers:
            if points is None or np.size(points) == 0:
                continue
            r, c, inside = point_pixels(points, plane_extent(view), shape)
            kind = "binary" if view.class_points and view.kind == "regression" else view.kind  # class colours
            k = _point_shade(kind, np.asarray(labels).reshape(-1), pal.k, view.value_range, len(r))
            if view.kind == "curve" and field is not None:
                on_line = field[r - r % 2, c].astype(bool) | field[np.minimum(r - r % 2 + 1, rows2 - 1), c].astype(bool)
                k = on_line.astype(np.int16)
            marks[r[inside] // 2, c[inside]] = base + k[inside]
        return marks

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._strips and self._view is not None and self.rich_style != self._base:  # the theme changed under us
            self._rebuild()
        if 0 <= y < len(self._strips):
            strip = self._strips[y]
            if strip.cell_length != width:
                strip = strip.crop_extend(0, width, self.rich_style)
            return self._with_cursor(strip, y)
        return Strip.blank(width, self.rich_style)

    # ------------------------------------------------------------ your own points
    def _with_cursor(self, strip: Strip, y: int) -> Strip:
        """``strip`` with the cursor drawn over its cell, when this is the cursor's row and the panel has the focus."""
        cell = self.cursor_cell()
        if cell is None or not self.has_focus:
            return strip
        gx, gy, _, _ = self.picture_region()
        col, row = cell
        if y != gy + row:
            return strip
        x = gx + col
        style = Style(color=hex_color(self.place_color or BLACK), bgcolor=hex_color(WHITE), bold=True)
        return Strip.join([strip.crop(0, x), Strip([Segment(CURSOR_GLYPH, style)], 1), strip.crop(x + 1, strip.cell_length)])

    def on_focus(self, event: events.Focus) -> None:
        self.refresh()  # the cursor shows while the panel has the focus

    def on_blur(self, event: events.Blur) -> None:
        self.refresh()

    def cursor_cell(self) -> tuple[int, int] | None:
        """The cursor's (column, row) in the picture, kept inside it (None: not editable, or nothing drawn)."""
        if not self.editable or self._view is None:
            return None
        _, _, w, h = self.picture_region()
        col, row = self.cursor if self.cursor is not None else (w // 2, h // 2)
        return max(0, min(w - 1, col)), max(0, min(h - 1, row))

    def cell_point(self, col: int, row: int) -> tuple[float, float] | None:
        """The data coordinates (x, y) of the centre of picture cell (col, row): a point placed there is drawn in that cell."""
        if self._view is None:
            return None
        _, _, w, h = self.picture_region()
        x_min, x_max, y_min, y_max = plane_extent(self._view)
        return x_min + (col + 0.5) * (x_max - x_min) / w, y_max - (row + 0.5) * (y_max - y_min) / h

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The point keys only where points can be edited (not in a lab's boundaries)."""
        if action in ("move", "place", "remove", "cycle_class"):
            return self.editable and self._view is not None
        return True

    def action_move(self, dx: int, dy: int) -> None:
        cell = self.cursor_cell()
        if cell is None:
            return
        self.cursor = (cell[0] + dx, cell[1] + dy)
        self.cursor = self.cursor_cell()
        self.refresh()

    def _post_at_cursor(self, kind: type[PointPlaced] | type[PointRemoved]) -> None:
        cell = self.cursor_cell()
        point = self.cell_point(*cell) if cell is not None else None
        if point is not None:
            self.post_message(kind(*point))

    def action_place(self) -> None:
        self._post_at_cursor(self.PointPlaced)

    def action_remove(self) -> None:
        self._post_at_cursor(self.PointRemoved)

    def action_cycle_class(self) -> None:
        self.post_message(self.PlaceCycled())

    def on_click(self, event: events.Click) -> None:
        """Left click: a point at the cell clicked; right click (or ctrl+click): the nearest point removed."""
        if not self.editable or self._view is None:
            return
        offset = event.get_content_offset(self)
        if offset is None:
            return
        gx, gy, w, h = self.picture_region()
        col, row = offset.x - gx, offset.y - gy
        if not (0 <= col < w and 0 <= row < h):
            return  # on the axes or the legend
        self.cursor = (col, row)
        self.refresh()
        if event.button == 3 or event.ctrl:
            self._post_at_cursor(self.PointRemoved)
        elif event.button == 1:
            self._post_at_cursor(self.PointPlaced)


def place_color(task: str, target: float) -> tuple[int, int, int] | None:
    """The cursor's colour: the class a placed point gets (None, white, when it places a value)."""
    if task != "classification":
        return None
    return CLASS_COLORS[int(target) % len(CLASS_COLORS)]


def _bar_colors(view: BoundaryView, cells: int) -> list[str]:
    """The colour scale of a binary or regression field, low to high, in ``cells`` steps."""
    if view.discretize:
        return [hex_color(NEGATIVE if i < cells / 2 else POSITIVE) for i in range(cells)]
    pal = diverging_palette(SHADES)
    return [pal[round(i * (SHADES - 1) / (cells - 1))] for i in range(cells)]


def _range_labels(view: BoundaryView) -> tuple[str, str, str]:
    """(title, low end, high end) of the colour bar."""
    if view.kind == "binary":
        return "P(class 1)", "0", "1"
    lo, hi = (float(f"{float(v):.3g}") for v in view.value_range)  # three significant digits: 1.07, not 1.0717756
    return "", tick_label(lo), tick_label(hi)


def legend_segments(view: BoundaryView, base: Style, width: int = 80) -> list[Segment]:
    """What the colours and the points mean, as one row of segments at most ``width`` cells wide where it can be.

    A value → colour bar (binary: P(class 1) from 0 to 1; regression: the value range),
    or each class's colour (multiclass), or the fitted curve's colour (1-D); then the
    key to the points shown: a white dot for training points, a black one for test points
    (``view.point_names``). A narrow panel gets a shorter bar, then no title, before
    anything is cut.
    """
    keys: list[Segment] = []
    splits = [(view.point_names[0], TRAIN_DOT, view.train_points), (view.point_names[1], TEST_DOT, view.test_points if view.show_test else None)]
    for word, dot, points in splits:
        if not word or points is None or not np.size(points):
            continue  # no such points, no key
        keys += [Segment("  ", base), Segment(POINT_GLYPH, Style(color=hex_color(dot), bgcolor=hex_color(KEY_GROUND))),
                 Segment(f" {word}", base)]
    if view.kind == "multiclass":
        scale = [Segment("class", base)]
        for c in range(max(1, int(view.n_classes))):
            scale += [Segment(" ", base), Segment("█", base + Style(color=hex_color(CLASS_COLORS[c % len(CLASS_COLORS)]))),
                      Segment(f" {c}", base)]
        note = [] if view.discretize else [Segment(" (faint: unsure)", base)]
        if _cells(scale + note + keys) <= width:
            scale += note
        return scale + keys
    if view.kind == "curve":
        return [Segment("█", base + Style(color=hex_color(CURVE_LINE))), Segment(" model  ", base),
                Segment("█", base + Style(color=hex_color(CURVE_POINT))), Segment(" data", base), *keys]
    title, lo, hi = _range_labels(view)
    fixed = len(lo) + len(hi) + 2 + _cells(keys)
    if title and fixed + len(title) + 1 + LEGEND_BAR_MIN > width:
        title = ""  # the bar's ends say enough
    bar = max(LEGEND_BAR_MIN, min(LEGEND_BAR, width - fixed - (len(title) + 1 if title else 0)))
    scale = [Segment(title + " ", base)] if title else []
    scale.append(Segment(lo + " ", base))
    scale += [Segment("█", base + Style(color=c)) for c in _bar_colors(view, bar)]
    scale.append(Segment(" " + hi, base))
    return scale + keys


def _cells(segments: list[Segment]) -> int:
    return sum(seg.cell_length for seg in segments)


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

"""Weight matrices as heatmaps, one per layer, side by side.

A line-API widget (DESIGN.md §4): row 0 holds the labels ("W¹ 4×2"), the rows below
are a half-block picture in which each matrix cell W[i, j] (unit i, input j) is a
square block of s × s pixels, s chosen so that every layer fits (at least 1). When
even s = 1 does not fit, the top-left part that fits is drawn and the label says "…".
Colours: TF Playground's diverging scale, with one |w|max per layer or, with
``global_scale``, one for all layers (so a layer of tiny weights looks grey).

Keys: arrows move the selected cell, ``[``/``]`` switch layer, ``c`` toggles the scale;
a click selects a cell. The selection is outlined in near-black and its value is in the
border subtitle, lecture style and 1-based: ``W²[1,3] = -0.4172``.

The same panel shows, instead (``view`` "W" or "b", :meth:`cycle_view`), how each
layer's W or b spread over the epochs: TensorBoard's percentile bands
(:mod:`tuinn.tui.render.distribution_bands`), from a bounded history that
:meth:`record` fills (:mod:`tuinn.tui.render.percentile_history`). It is recorded in every
view, so switching shows the run so far. When the charts do not all fit, ``[``/``]``
choose which layers are shown.
"""

from __future__ import annotations

import functools

import numpy as np
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tuinn.tui.render.colormap import SHADES, diverging_index, diverging_palette
from tuinn.tui.render.distribution_bands import band_table, epoch_span, grid_strips, layout
from tuinn.tui.render.halfblock import UPPER_HALF, StyleTable, refresh_changed
from tuinn.tui.render.percentile_history import PercentileHistory

LOWER_HALF = "▄"
#: Gap between two layers' heatmaps, in columns.
GAP = 2
#: Largest cell block, in pixels (a pixel is about square: one column × half a row).
MAX_CELL = 8
#: The selection marker.
MARK = "#101010"
#: Palette index of "no pixel" (the widget's own background shows).
BLANK = -1
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
ELLIPSIS = "…"
#: What the panel shows, in the order :meth:`WeightHeatmap.cycle_view` goes through them.
VIEWS = ("heatmap", "W", "b")
_CURRENT = Style(bold=True, underline=True)


def superscript(n: int) -> str:
    return str(n).translate(SUPERSCRIPT)


@functools.cache
def _table() -> StyleTable:
    return StyleTable([*diverging_palette(SHADES), MARK])


def blank_aware_strips(indices: np.ndarray, table: StyleTable, base: Style) -> list[Strip]:
    """Like ``picture_strips``, but a BLANK pixel shows ``base`` (the widget's own style)."""
    single = [base + Style(color=c) for c in table.palette]  # one drawn pixel, the other blank
    if indices.shape[0] % 2:
        indices = np.vstack([indices, np.full((1, indices.shape[1]), BLANK, dtype=indices.dtype)])
    styles = table.styles
    width = indices.shape[1]
    strips = []
    for r in range(0, indices.shape[0], 2):
        segments = []
        run_char, run_style, run = "", None, 0
        for u, d in zip(indices[r].tolist(), indices[r + 1].tolist(), strict=True):
            if u >= 0:
                char, style = UPPER_HALF, (styles[u][d] if d >= 0 else single[u])
            elif d >= 0:
                char, style = LOWER_HALF, single[d]
            else:
                char, style = " ", base
            if style is run_style and char == run_char:
                run += 1
                continue
            if run:
                segments.append(Segment(run_char * run, run_style))
            run_char, run_style, run = char, style, 1
        if run:
            segments.append(Segment(run_char * run, run_style))
        strips.append(Strip(segments, width))
    return strips


class WeightHeatmap(Widget, can_focus=True):
    """Heatmaps of the weight matrices, one per layer, with a selectable cell."""

    DEFAULT_CSS = """
    WeightHeatmap {
        border: round $secondary;
        width: 1fr;
        height: 1fr;
    }
    WeightHeatmap:focus {
        border: round $accent;
    }
    """

    BINDINGS = [
        Binding("up", "move(-1, 0)", "Cell up", show=False, id="heatmap.up"),
        Binding("down", "move(1, 0)", "Cell down", show=False, id="heatmap.down"),
        Binding("left", "move(0, -1)", "Cell left", show=False, id="heatmap.left"),
        Binding("right", "move(0, 1)", "Cell right", show=False, id="heatmap.right"),
        Binding("left_square_bracket", "layer(-1)", "Prev layer", key_display="[", id="heatmap.prev_layer"),
        Binding("right_square_bracket", "layer(1)", "Next layer", key_display="]", id="heatmap.next_layer"),
        Binding("c", "toggle_scale", "Scale", id="heatmap.scale"),
    ]

    global_scale: reactive[bool] = reactive(False)
    #: "heatmap", or the percentile bands over epochs of each layer's "W" or "b".
    view: reactive[str] = reactive("heatmap")

    class CellSelected(Message):
        """A cell was selected (keys or click). ``layer`` counts from 1; ``row``/``col`` index ``weights[layer - 1]``."""

        def __init__(self, heatmap: WeightHeatmap, layer: int, row: int, col: int, value: float) -> None:
            super().__init__()
            self.heatmap = heatmap
            self.layer = layer
            self.row = row
            self.col = col
            self.value = value

        @property
        def control(self) -> WeightHeatmap:
            return self.heatmap

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._weights: list[np.ndarray] = []
        self._names: list[str] | None = None
        self._layer = 0
        self._sel: tuple[int, int, int] | None = None  # (layer, row, col), all 0-based
        self._strips: list[Strip] = []
        self._cell = 1
        # per layer: (x0, visible rows, visible cols); x0 = -1 when not visible at all
        self._slots: list[tuple[int, int, int]] = []
        self.selection_text = ""
        self._base = Style()
        self._biases: list[np.ndarray] = []
        self._band_note = "percentiles"  # or which layers the bands show, when not all fit
        #: Percentiles of W¹…Wᴸ then b¹…bᴸ over the epochs of the current run.
        self.history = PercentileHistory()

    # -- public API ---------------------------------------------------------------

    def show(self, weights: list[np.ndarray], layer_names: list[str] | None = None) -> None:
        """Draw these weight matrices (units × inputs each); they are read, never changed."""
        mats = []
        for i, w in enumerate(weights):
            a = np.asarray(w)
            if a.ndim == 1:
                a = a.reshape(1, -1)
            if a.ndim != 2:
                raise ValueError(f"weight matrix {i + 1} has shape {a.shape}; expected (units, inputs)")
            mats.append(a)
        self._weights = mats
        self._names = list(layer_names) if layer_names is not None else None
        if not mats:
            self._layer, self._sel = 0, None
        else:
            self._layer = min(self._layer, len(mats) - 1)
            if self._sel is not None:
                layer, row, col = self._sel
                if layer >= len(mats) or row >= mats[layer].shape[0] or col >= mats[layer].shape[1]:
                    self._sel = None
        self._update_subtitle()
        old = self._strips
        self._build()
        refresh_changed(self, old, self._strips)

    def record(self, run: object, epoch: int, weights: list[np.ndarray], biases: list[np.ndarray]) -> None:
        """Add the percentiles of these weights and biases at ``epoch`` of ``run`` to the history (not drawn until :meth:`show`).

        ``run`` names the run (the playground passes its trainer, which every restart
        replaces): another run starts the history again. Cheap: see :func:`percentiles`.
        """
        self._biases = [np.asarray(b).ravel() for b in biases]
        self.history.record(run, epoch, [*weights, *self._biases])

    def cycle_view(self) -> str:
        """Heatmaps → W over epochs → b over epochs → heatmaps; returns the view now shown."""
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        return self.view

    @property
    def selected(self) -> tuple[int, int, int] | None:
        """(layer from 1, row, col) of the selected cell, row/col indexing ``weights[layer - 1]``; None if none."""
        if self._sel is None:
            return None
        layer, row, col = self._sel
        return layer + 1, row, col

    @property
    def current_layer(self) -> int:
        """The layer the keys act on, from 1."""
        return self._layer + 1

    def select(self, layer: int, row: int, col: int) -> None:
        """Select W^layer[row, col] (layer from 1, row/col 0-based, clamped) and post CellSelected."""
        if not self._weights:
            return
        lay = min(max(layer - 1, 0), len(self._weights) - 1)
        units, inputs = self._weights[lay].shape
        if units == 0 or inputs == 0:
            return
        row = min(max(row, 0), units - 1)
        col = min(max(col, 0), inputs - 1)
        self._layer = lay
        self._sel = (lay, row, col)
        self._update_subtitle()
        self._rebuild()
        self.post_message(self.CellSelected(self, lay + 1, row, col, float(self._weights[lay][row, col])))

    # -- keys and mouse -------------------------------------------------------------

    def action_move(self, drow: int, dcol: int) -> None:
        if not self._weights:
            return
        if self._sel is None or self._sel[0] != self._layer:
            self.select(self._layer + 1, 0, 0)
            return
        _, row, col = self._sel
        self.select(self._layer + 1, row + drow, col + dcol)

    def action_layer(self, step: int) -> None:
        if not self._weights:
            return
        lay = (self._layer + step) % len(self._weights)
        _, row, col = self._sel if self._sel is not None else (0, 0, 0)
        self.select(lay + 1, row, col)

    def action_toggle_scale(self) -> None:
        self.global_scale = not self.global_scale

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The cell keys and the colour scale belong to the heatmaps (``[``/``]`` choose layers in every view)."""
        return self.view == "heatmap" or action not in ("move", "toggle_scale")

    def watch_global_scale(self, value: bool) -> None:
        self._rebuild()

    def watch_view(self, value: str) -> None:
        self._update_subtitle()
        self._rebuild()
        self.refresh_bindings()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._weights or self.view != "heatmap":
            return
        x, y = offset.x, offset.y
        for lay, (x0, vis_rows, vis_cols) in enumerate(self._slots):
            if x0 < 0 or not x0 <= x < x0 + vis_cols * self._cell:
                continue
            col = (x - x0) // self._cell
            if y == 0:  # the label: select that layer
                self.select(lay + 1, *(self._sel[1:] if self._sel is not None else (0, 0)))
                return
            row = (2 * (y - 1)) // self._cell
            if row < vis_rows:
                self.select(lay + 1, row, col)
            return

    def on_resize(self, event: events.Resize) -> None:
        self._rebuild()

    # -- drawing ------------------------------------------------------------------------

    def _label(self, lay: int) -> str:
        units, inputs = self._weights[lay].shape
        name = self._names[lay] if self._names is not None and lay < len(self._names) else f"W{superscript(lay + 1)}"
        return f"{name} {units}×{inputs}"

    def _update_subtitle(self) -> None:
        if self.view != "heatmap":
            text = f"{self.view} {self._band_note} · {epoch_span(self.history.epochs)}"
        elif self._sel is None:
            text = ""
        else:
            lay, row, col = self._sel
            text = f"W{superscript(lay + 1)}[{row + 1},{col + 1}] = {float(self._weights[lay][row, col]):.4f}"
        if text != self.selection_text:
            self.selection_text = text
            self.border_subtitle = Content(text) if text else None

    def _layout(self, width: int, pix_rows: int) -> None:
        """Choose the cell size and where each layer goes."""
        labels = [cell_len(self._label(i)) for i in range(len(self._weights))]
        max_units = max(w.shape[0] for w in self._weights)
        gaps = GAP * (len(self._weights) - 1)
        cell = 1
        for s in range(MAX_CELL, 1, -1):
            slots = sum(max(w.shape[1] * s, lab) for w, lab in zip(self._weights, labels, strict=True))
            if slots + gaps <= width and max_units * s <= pix_rows:
                cell = s
                break
        self._cell = cell
        self._slots = []
        x = 0
        for w, lab in zip(self._weights, labels, strict=True):
            units, inputs = w.shape
            if x >= width:
                self._slots.append((-1, 0, 0))
                continue
            vis_cols = min(inputs, (width - x) // cell)
            vis_rows = min(units, pix_rows // cell)
            self._slots.append((x, vis_rows, vis_cols))
            x += max(inputs * cell, lab) + GAP

    def _scales(self) -> list[float]:
        vmax = [float(np.nanmax(np.abs(w))) if w.size else 0.0 for w in self._weights]
        vmax = [v if np.isfinite(v) and v > 0 else 1.0 for v in vmax]
        if self.global_scale and vmax:
            return [max(vmax)] * len(vmax)
        return vmax

    def _rebuild(self) -> None:
        self._build()
        self.refresh()

    def _build(self) -> None:
        """Lay out and draw every line (keys, clicks, show, resize, a new theme background)."""
        width, height = self.size.width, self.size.height
        base = self._base = self.rich_style
        if not self._weights or width <= 0 or height <= 0:
            self._strips = []
            return
        if self.view != "heatmap":
            self._strips = self._band_strips(width, height, base)
            return
        pix_rows = 2 * max(0, height - 1)
        self._layout(width, pix_rows)
        cell = self._cell
        mark = len(_table().palette) - 1
        picture = np.full((pix_rows, width), BLANK, dtype=np.int16)
        label_segments: list[Segment] = []
        cut = False
        for lay, (w, vmax, (x0, vis_rows, vis_cols)) in enumerate(zip(self._weights, self._scales(), self._slots, strict=True)):
            units, inputs = w.shape
            if x0 < 0:
                cut = True
                continue
            truncated = vis_rows < units or vis_cols < inputs
            cut = cut or truncated
            label = self._label(lay) + (ELLIPSIS if truncated else "")
            if x0 > sum(s.cell_length for s in label_segments):
                label_segments.append(Segment(" " * (x0 - sum(s.cell_length for s in label_segments)), base))
            label_segments.append(Segment(label, base + _CURRENT if lay == self._layer else base))
            if vis_rows == 0 or vis_cols == 0:
                continue
            block = diverging_index(w[:vis_rows, :vis_cols], vmax, SHADES)
            if cell > 1:
                block = np.repeat(np.repeat(block, cell, axis=0), cell, axis=1)
            if self._sel is not None and self._sel[0] == lay:
                _, row, col = self._sel
                if row < vis_rows and col < vis_cols:
                    r0, c0 = row * cell, col * cell
                    if cell >= 3:
                        block[r0, c0 : c0 + cell] = mark
                        block[r0 + cell - 1, c0 : c0 + cell] = mark
                        block[r0 : r0 + cell, c0] = mark
                        block[r0 : r0 + cell, c0 + cell - 1] = mark
                    else:
                        block[r0, c0 : c0 + cell] = mark
            picture[: block.shape[0], x0 : x0 + block.shape[1]] = block
        label_strip = Strip(label_segments).crop_extend(0, width, base)
        if cut and width > 0:
            label_strip = Strip.join([label_strip.crop(0, width - 1), Strip([Segment(ELLIPSIS, base)], 1)])
        self._strips = [label_strip, *blank_aware_strips(picture, _table(), base)]

    def _band_strips(self, width: int, height: int, base: Style) -> list[Strip]:
        """The percentile bands of every layer's W (or b), as many as fit, the current layer among them."""
        n = len(self._weights)
        if n == 0 or len(self.history) == 0 or self.history.n_series != 2 * n:
            return []
        offset = 0 if self.view == "W" else n
        labels = [self._label(lay) if self.view == "W" else self._bias_label(lay) for lay in range(n)]
        shown = layout(n, width, height).shown
        first = max(0, min(self._layer - shown + 1, n - shown))
        self._band_note = f"{first + 1}–{first + shown} of {n} ([ ])" if shown < n else "percentiles"
        self._update_subtitle()
        epochs = self.history.epochs
        charts = [(labels[lay], epochs, self.history.series(offset + lay)) for lay in range(first, first + shown)]
        bg = base.bgcolor.get_truecolor() if base.bgcolor is not None else (0, 0, 0)
        fg = base.color.get_truecolor() if base.color is not None else (255, 255, 255)
        table = band_table(tuple(bg), tuple(fg))
        return grid_strips(charts, width, height, table, base, current=self._layer - first)

    def _bias_label(self, lay: int) -> str:
        name = self._names[lay] if self._names is not None and lay < len(self._names) else f"W{superscript(lay + 1)}"
        units = self._biases[lay].size if lay < len(self._biases) else self._weights[lay].shape[0]
        return f"{name.replace('W', 'b', 1)} {units}"

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._strips and self.rich_style != self._base:  # the theme changed under us
            self._build()
        if 0 <= y < len(self._strips):
            strip = self._strips[y]
            if strip.cell_length != width:
                strip = strip.crop_extend(0, width, self.rich_style)
            return strip
        return Strip.blank(width, self.rich_style)

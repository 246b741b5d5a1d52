"""The network as a picture: neurons in columns, links as braille lines coloured by weight.

A line-API widget (DESIGN.md §4): everything is rasterised into prebuilt ``Strip``s in
``show()``, ``highlight()``, on a selection change and on resize; ``render_line`` only
indexes that list.

Drawing, after TensorFlow Playground's habits:

- links are straight braille lines (2×4 dots per cell) coloured on the Playground's
  diverging scale (orange negative, grey zero, blue positive) with the scale's end at
  the largest |w| of the whole net; links are drawn in ascending |w|, so where several
  pass through one cell, the cell takes the colour of the strongest (and a click there
  selects that one);
- given the neurons' outputs over the plane (``show(..., maps=...)``, the session's
  ``Snapshot.neuron_maps``), each neuron is a small half-block picture of its output,
  TF Playground's signature (inputs: their feature, x1, x1², sin(x1), …), as large as
  the space allows (:func:`~tuinn.tui.render.neuron_maps.box_size`; many neurons get
  one-row pictures a row apart), with a ``▪`` at its lower left in its bias colour, as
  the Playground marks the bias (pictures of two rows and more);
- without maps (the step-through, the labs), each neuron is a three-cell marker ``▐█▌``
  coloured by its bias on the same scale (its end at the largest |b| of the net);
  inputs are neutral grey; both are labelled with their names;
- a layer with more neurons than fit (rows, or one-row pictures with a row between)
  is collapsed to its first k and last k neurons and a ``…``; links to hidden neurons
  are not drawn (they can still be selected with ``i`` and are named in the subtitle);
- maxout layers (units·pieces rows in W, pieces of unit j in rows j·P … j·P+P−1) are
  drawn one link per unit pair with the piece of largest |w|; its signed value is the
  link's colour and the value reported by ``LinkSelected`` (whose ``piece`` tells which).
  The marker's bias colour is likewise that of the piece with the largest |b|.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tuinn.tui.render.colormap import SHADES, diverging_index, diverging_palette
from tuinn.tui.render.halfblock import UPPER_HALF, refresh_changed
from tuinn.tui.render.neuron_maps import box_size, layer_pictures

PALETTE = diverging_palette()
MID = len(PALETTE) // 2
#: Braille dot bits by (dot row 0–3, dot column 0–1) inside a cell.
_DOT_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint8)
_BRAILLE = [" "] + [chr(0x2800 + m) for m in range(1, 256)]
MARKER = "▐█▌"
MARKER_SELECTED = "[█]"
ELLIPSIS = "…"
BIAS_MARK = "▪"
_SHORT_ACT = {
    "sigmoid": "σ",
    "tanh": "tanh",
    "relu": "relu",
    "leaky_relu": "lrelu",
    "elu": "elu",
    "linear": "lin",
    "softmax": "smax",
    "maxout": "max",
}
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def lecture_weight_name(layer: int, j: int, k: int) -> str:
    """``w^l_jk`` with 1-based j, k written as super/subscripts (a comma when an index has two digits)."""
    sep = "," if j >= 10 or k >= 10 else ""
    return "w" + str(layer).translate(_SUP) + str(j).translate(_SUB) + sep + str(k).translate(_SUB)


def rasterize_links(width: int, height: int, ax, ay, bx, by, strength) -> tuple[np.ndarray, np.ndarray]:
    """Braille masks and owners of straight lines between dot coordinates.

    Returns ``mask`` (height, width) uint8 braille bits and ``owner`` (height, width) int
    indices of the line with the largest ``strength`` through each cell (ties: the later
    line), −1 where none passes. Lines are drawn as if in ascending strength.
    """
    mask = np.zeros(height * width, dtype=np.uint8)
    owner = np.full(height * width, -1, dtype=np.int64)
    n_lines = len(ax)
    if n_lines == 0 or width <= 0 or height <= 0:
        return mask.reshape(height, width), owner.reshape(height, width)
    ax, ay, bx, by = (np.asarray(v, dtype=np.int64) for v in (ax, ay, bx, by))
    order = np.argsort(np.asarray(strength, dtype=float), kind="stable")
    rank = np.empty(n_lines, dtype=np.int64)
    rank[order] = np.arange(n_lines)
    dx, dy = bx - ax, by - ay
    steps = np.maximum(np.abs(dx), np.abs(dy)) + 1
    line = np.repeat(np.arange(n_lines), steps)
    starts = np.cumsum(steps) - steps
    local = np.arange(line.size) - starts[line]
    t = local / np.maximum(steps - 1, 1)[line]
    xs = np.rint(ax[line] + t * dx[line]).astype(np.int64)
    ys = np.rint(ay[line] + t * dy[line]).astype(np.int64)
    ok = (xs >= 0) & (xs < 2 * width) & (ys >= 0) & (ys < 4 * height)
    xs, ys, line = xs[ok], ys[ok], line[ok]
    cell = (ys >> 2) * width + (xs >> 1)
    np.bitwise_or.at(mask, cell, _DOT_BITS[ys & 3, xs & 1])
    best = np.full(height * width, -1, dtype=np.int64)
    np.maximum.at(best, cell, rank[line])
    hit = best >= 0
    owner[hit] = order[best[hit]]
    return mask.reshape(height, width), owner.reshape(height, width)


def place_titles(options: list[list[str]], centres: list[int], width: int) -> list[tuple[str, int]]:
    """(text, x) per title: each title's longest option (or a cut one) such that all fit in one row
    with a space between, each as near its centre as that allows."""
    n = len(options)
    if n == 0:
        return []
    level = [0] * n
    texts = [o[0] for o in options]

    def total() -> int:
        return sum(len(t) for t in texts) + n - 1

    while total() > width:
        i = max(range(n), key=lambda i: len(texts[i]))
        if level[i] + 1 < len(options[i]):
            level[i] += 1
            texts[i] = options[i][level[i]]
        elif len(texts[i]) > 1:
            texts[i] = texts[i][: len(texts[i]) - 2] + ELLIPSIS
        else:
            break
    while True:
        wanted = [c - len(t) // 2 for c, t in zip(centres, texts, strict=True)]
        starts = list(wanted)
        for i in range(n):
            starts[i] = max(starts[i], 0 if i == 0 else starts[i - 1] + len(texts[i - 1]) + 1)
        for i in reversed(range(n)):
            starts[i] = min(starts[i], width - len(texts[i]) if i == n - 1 else starts[i + 1] - 1 - len(texts[i]))
        # A title pushed off its column: use the shorter options of the longest ones.
        shorter = [i for i in range(n) if level[i] + 1 < len(options[i])]
        off = any(not s - 1 <= c <= s + len(t) for s, c, t in zip(starts, centres, texts, strict=True))
        if not off or not shorter:
            return list(zip(texts, starts, strict=True))
        i = max(shorter, key=lambda i: len(texts[i]))
        level[i] += 1
        texts[i] = options[i][level[i]]


def _slots(n: int, rows: int) -> list[int]:
    """The neurons of a layer of ``n`` shown in ``rows`` slots: all, or the first and last k with −1 ("…") between."""
    if n <= rows:
        return list(range(n))
    k = max(1, (rows - 1) // 2)
    return [*range(k), -1, *range(n - k, n)]


@dataclass
class _Net:
    sizes: list[int]
    w: list[np.ndarray]  # effective (units, n_in) per layer 1..L (index l-1), original dtype
    piece_w: list[np.ndarray | None]  # maxout: piece index per (unit, input)
    b: list[np.ndarray]  # raw biases per layer (rows,)
    b_eff: list[np.ndarray]  # (units,)
    pieces: list[int]
    names: list[str]
    activations: list[str]
    w_max: float
    b_max: float


class _StyleBook:
    """Styles by id, kept from frame to frame (the pictures' few hundred cell styles recur every frame).

    ``pairs[dim][upper·SHADES + lower]`` is the id of a picture cell's style (−1: not made yet),
    so a frame of pictures costs a table lookup per cell, not a style per cell.
    """

    def __init__(self, base: Style) -> None:
        self.base = base
        self.styles: list[Style] = [base]
        self.ids: dict[tuple, int] = {}
        self.pairs = np.full((2, SHADES * SHADES), -1, dtype=np.int64)

    def sid(self, color: str | None, bgcolor: str | None, flags: tuple[tuple[str, bool], ...]) -> int:
        key = (color, bgcolor, flags)
        i = self.ids.get(key)
        if i is None:
            i = self.ids[key] = len(self.styles)
            self.styles.append(self.base + Style(color=color, bgcolor=bgcolor, **dict(flags)))
        return i

    def pair_sids(self, codes: np.ndarray, dim: bool) -> np.ndarray:
        """Style ids of picture cells with ``codes`` = upper·SHADES + lower palette indices."""
        table = self.pairs[int(dim)]
        ids = table[codes]
        missing = np.flatnonzero(np.bincount(codes[ids < 0]))  # the distinct codes (np.unique would import numpy.ma at startup)
        for c in missing.tolist():
            table[c] = self.sid(PALETTE[c // SHADES], PALETTE[c % SHADES], (("dim", dim),))
        return table[codes] if missing.size else ids


class _Canvas:
    """A character grid with a style id per cell, turned into strips of runs of one style.

    Why: the diagram is drawn in layers (links, neurons, titles) that overwrite cells;
    styles are interned once per (colour, flags), so a row becomes few segments.
    """

    def __init__(self, width: int, height: int, book: _StyleBook, chars: list[list[str]]) -> None:
        self.width, self.height, self.book = width, height, book
        self.chars = chars
        self.sids = np.zeros((height, width), dtype=np.int64)

    def sid(self, color: str | None = None, bgcolor: str | None = None, **flags: bool) -> int:
        """The id of the base style plus ``color``, ``bgcolor`` and ``flags`` (created on first use)."""
        return self.book.sid(color, bgcolor, tuple(sorted(flags.items())))

    def pictures(self, corners: list[tuple[int, int]], pixels: np.ndarray, dim: bool) -> None:
        """Draw (n, 2·h, w) palette indices as n pictures of ``▀`` cells, picture k from (x, top) = corners[k].

        Styles are looked up once per (upper, lower) pair that occurs, not once per cell."""
        pairs = pixels[:, 0::2].astype(np.int64) * SHADES + pixels[:, 1::2]
        cell_sids = self.book.pair_sids(pairs, dim)
        _, h, w = pairs.shape
        for (x, top), picture in zip(corners, cell_sids, strict=True):
            y0, y1, x0, x1 = max(top, 0), min(top + h, self.height), max(x, 0), min(x + w, self.width)
            if y0 >= y1 or x0 >= x1:
                continue
            self.sids[y0:y1, x0:x1] = picture[y0 - top : y1 - top, x0 - x : x1 - x]
            for y in range(y0, y1):
                self.chars[y][x0:x1] = [UPPER_HALF] * (x1 - x0)

    def put(self, x: int, y: int, text: str, style: int) -> None:
        """Write ``text`` from (x, y), clipped to the grid."""
        if not 0 <= y < self.height:
            return
        for i, ch in enumerate(text):
            if 0 <= x + i < self.width:
                self.chars[y][x + i] = ch
                self.sids[y, x + i] = style

    def strips(self) -> list[Strip]:
        """One strip per row, a segment per run of one style."""
        strips = []
        styles, W = self.book.styles, self.width
        changes = self.sids[:, 1:] != self.sids[:, :-1]  # where a run of one style ends, found for all rows at once
        for row_chars, row_sids, row_changes in zip(self.chars, self.sids.tolist(), changes, strict=True):
            text = "".join(row_chars)
            starts = [0, *(np.flatnonzero(row_changes) + 1).tolist()]
            ends = [*starts[1:], W]
            strips.append(Strip([Segment(text[a:b], styles[row_sids[a]]) for a, b in zip(starts, ends, strict=True)], W))
        return strips


class NetworkDiagram(Widget, can_focus=True):
    """Neurons and weighted links of a dense network; select neurons and links by key or mouse."""

    DEFAULT_CSS = """
    NetworkDiagram {
        height: 1fr;
        border: round $foreground 30%;
    }
    NetworkDiagram:focus {
        border: round $accent;
    }
    """

    BINDINGS = [
        Binding("left", "move_layer(-1)", "Prev layer", show=False, id="diagram.left"),
        Binding("right", "move_layer(1)", "Next layer", show=False, id="diagram.right"),
        Binding("up", "move_neuron(-1)", "Prev neuron", show=False, id="diagram.up"),
        Binding("down", "move_neuron(1)", "Next neuron", show=False, id="diagram.down"),
        Binding("enter", "select_neuron", "Select neuron", id="diagram.select"),
        Binding("i", "next_link", "Next link", id="diagram.link"),
    ]

    class NeuronSelected(Message):
        """A neuron was chosen (enter or click). ``layer`` 0 = inputs; ``index`` 0-based."""

        def __init__(self, diagram: NetworkDiagram, layer: int, index: int) -> None:
            super().__init__()
            self.diagram = diagram
            self.layer = layer
            self.index = index

        @property
        def control(self) -> NetworkDiagram:
            return self.diagram

    class LinkSelected(Message):
        """A link w^l_jk was chosen (``i`` or click): ``layer`` from 1, ``row`` j (to), ``col`` k (from), 0-based.

        ``value`` is the weight; for maxout the strongest piece's, whose index is ``piece``.
        """

        def __init__(self, diagram: NetworkDiagram, layer: int, row: int, col: int, value: float, piece: int = 0) -> None:
            super().__init__()
            self.diagram = diagram
            self.layer = layer
            self.row = row
            self.col = col
            self.value = value
            self.piece = piece

        @property
        def control(self) -> NetworkDiagram:
            return self.diagram

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None, disabled: bool = False) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._net: _Net | None = None
        self._maps: list[np.ndarray] | None = None  # per layer 0..L: (units, rows, cols) outputs over the plane
        self._box = (3, 1)  # (w, h) in cells of a neuron: a marker, or a picture when there are maps
        self._book: _StyleBook | None = None  # styles kept from frame to frame
        self.selected_neuron: tuple[int, int] | None = None
        self.selected_link: tuple[int, int, int] | None = None
        self._highlight: int | None = None
        self._direction = ""
        self._strips: list[Strip] = []
        self._built_size = (0, 0)
        # Layout, rebuilt by _layout():
        self._visible: list[list[int]] = []
        self._pos: dict[tuple[int, int], tuple[int, int]] = {}  # (layer, index) -> (x of marker's left cell, y)
        self._ellipsis: list[tuple[int, int]] = []
        self._mask = np.zeros((0, 0), dtype=np.uint8)
        self._owner = np.zeros((0, 0), dtype=np.int64)
        self._links = np.zeros((0, 3), dtype=np.int64)  # visible links: (layer, j, k)
        self._link_index: dict[tuple[int, int, int], int] = {}
        self._link_color = np.zeros(0, dtype=np.int16)
        self._link_ends = np.zeros((0, 4), dtype=np.int64)  # ax, ay, bx, by in dots
        self._title_centres: list[int] = []
        self._label_width = 0

    # ----------------------------------------------------------------- public API
    def show(
        self, layer_sizes: list[int], weights: list[np.ndarray], biases: list[np.ndarray], input_names: list[str], activations: list[str],
        maps: list[np.ndarray] | tuple[np.ndarray, ...] | None = None,
    ) -> None:
        """Draw a net: ``layer_sizes`` = [n_inputs, units_1 … units_L], ``weights[l]`` (rows_l, layer_sizes[l]), ``biases[l]`` (rows_l,).

        ``maps``: per layer 0..L, each neuron's output over the plane, (units, rows, cols)
        (``Snapshot.neuron_maps``); the neurons are then drawn as pictures of it."""
        sizes = [int(n) for n in layer_sizes]
        if len(weights) != len(sizes) - 1 or len(biases) != len(sizes) - 1:
            raise ValueError(f"{len(sizes) - 1} layers need as many weight matrices and bias vectors (got {len(weights)}, {len(biases)})")
        if maps is not None:
            maps = [np.asarray(m) for m in maps]
            if len(maps) != len(sizes) or any(m.ndim != 3 or m.shape[0] != n for m, n in zip(maps, sizes, strict=True)):
                raise ValueError(f"maps {[m.shape for m in maps]} do not fit layers of {sizes} neurons")
        self._maps = maps
        w_eff, piece_w, b_raw, b_eff, pieces = [], [], [], [], []
        for l in range(1, len(sizes)):
            W = np.asarray(weights[l - 1])
            b = np.asarray(biases[l - 1]).reshape(-1)
            units, n_in = sizes[l], sizes[l - 1]
            if W.ndim != 2 or W.shape[1] != n_in or units <= 0 or W.shape[0] % units or b.shape[0] != W.shape[0]:
                raise ValueError(f"layer {l}: W {W.shape} and b {b.shape} do not fit {units} units of {n_in} inputs")
            P = W.shape[0] // units
            if P > 1:
                grouped = W.reshape(units, P, n_in)
                best = np.argmax(np.abs(grouped), axis=1)
                w_eff.append(np.take_along_axis(grouped, best[:, None, :], axis=1)[:, 0, :])
                piece_w.append(best)
                bg = b.reshape(units, P)
                b_eff.append(np.take_along_axis(bg, np.argmax(np.abs(bg), axis=1)[:, None], axis=1)[:, 0])
            else:
                w_eff.append(W)
                piece_w.append(None)
                b_eff.append(b)
            b_raw.append(b)
            pieces.append(P)
        names = [str(s) for s in input_names][: sizes[0]]
        names += [f"x{i + 1}" for i in range(len(names), sizes[0])]
        acts = [str(a) for a in activations] + [""] * (len(sizes) - 1 - len(activations))

        def vmax(arrays: list[np.ndarray]) -> float:
            m = max((float(np.nanmax(np.abs(a))) for a in arrays if a.size), default=0.0)
            return m if np.isfinite(m) and m > 0 else 1.0

        self._net = _Net(sizes, w_eff, piece_w, b_raw, b_eff, pieces, names, acts, vmax(w_eff), vmax(b_eff))
        self._check_selection()
        self._rebuild(layout=True)  # the link raster depends on the weights (strongest link wins a cell)

    def highlight(self, layer: int | None, direction: str = "") -> None:
        """Emphasise layer ``layer`` (from 1; its neurons and incoming links) with an arrow → (forward) or ← (backward); None clears."""
        self._highlight = layer
        self._direction = direction
        self._rebuild(layout=False)

    def select_neuron(self, layer: int, index: int) -> None:
        """Put the cursor on a neuron (no message)."""
        self.selected_neuron = (layer, index)
        self.selected_link = None
        self._check_selection()
        self._rebuild(layout=False)

    def select_link(self, layer: int, row: int, col: int) -> None:
        """Select w^layer_(row, col) (0-based row/col; no message)."""
        self.selected_link = (layer, row, col)
        self.selected_neuron = (layer, row)
        self._check_selection()
        self._rebuild(layout=False)

    def neuron_position(self, layer: int, index: int) -> tuple[int, int] | None:
        """Content-area cell (x, y) of the centre of a neuron's marker, None if it is hidden."""
        p = self._pos.get((layer, index))
        return None if p is None else (p[0] + self._box[0] // 2, p[1])

    def link_value(self, layer: int, row: int, col: int) -> float:
        return float(self._net.w[layer - 1][row, col]) if self._net else float("nan")

    # ----------------------------------------------------------------- rendering
    def render_line(self, y: int) -> Strip:
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width, self.rich_style)

    def on_resize(self, event: events.Resize) -> None:
        self._rebuild(layout=True)

    def _rebuild(self, layout: bool) -> None:
        width, height = self.size
        if layout or (width, height) != self._built_size:
            self._built_size = (width, height)
            self._layout(width, height)
        old = self._strips
        self._strips = self._compose_strips(width, height)
        self._update_subtitle()
        refresh_changed(self, old, self._strips)  # only the lines that changed (all after a resize)

    def _layout(self, W: int, H: int) -> None:
        net = self._net
        self._visible, self._pos, self._ellipsis, self._title_centres = [], {}, [], []
        self._mask = np.zeros((max(H, 0), max(W, 0)), dtype=np.uint8)
        self._owner = np.full((max(H, 0), max(W, 0)), -1, dtype=np.int64)
        self._links = np.zeros((0, 3), dtype=np.int64)
        self._link_index = {}
        if net is None or W < 6 or H < 2:
            return
        sizes = net.sizes
        L = len(sizes) - 1
        cap = H - 1  # row 0 holds the titles
        # Columns: input labels on the left, then L + 1 markers spread to the right edge.
        label = min(max((len(n) for n in net.names), default=0), max(2, W // 5))
        while label > 0 and (W - 3 - (label + 1)) < 5 * max(L, 1):
            label -= 1
        x0 = label + 1 if label else 0
        self._label_width = label
        # Rows: collapse a layer taller than the diagram to its first/last k and "…".
        all_slots = [_slots(n, cap) for n in sizes]
        w, h = (3, 1) if self._maps is None else box_size(W, cap, max(len(s) for s in all_slots), L + 1, label)
        if self._maps is not None and h == 1:
            # One-row pictures a row apart, so that each reads as one: collapse to fit that.
            all_slots = [_slots(n, (cap + 1) // 2) for n in sizes]
        self._box = (w, h)
        xs = [round(x0 + l * (W - w - x0) / max(L, 1)) for l in range(L + 1)]
        # Neurons evenly spread (at most 4 rows apart, or a picture and two rows), centred;
        # one-row pictures a whole number of rows apart (1.5 would pair them up into false 2-row pictures).
        for l, slots in enumerate(all_slots):
            s = min(cap / len(slots), 4.0 if h == 1 else h + 2.0)
            if self._maps is not None and h == 1:
                s = float(max(1, int(s)))
            top = 1 + (cap - s * len(slots)) / 2
            visible = []
            for i, idx in enumerate(slots):
                y = min(H - 1, int(top + (i + 0.5) * s))
                if idx < 0:
                    self._ellipsis.append((xs[l] + w // 2, y))
                    continue
                visible.append(idx)
                self._pos[(l, idx)] = (xs[l], y)
            self._visible.append(visible)
        self._title_centres = [x + w // 2 for x in xs]
        self._layout_links(net, W, H, xs)

    def _neuron_at(self, x: int, y: int) -> tuple[int, int] | None:
        """The neuron whose marker or picture covers content cell (x, y), or whose input name does.

        Looked up on a click only (a scan of the visible neurons), never built per frame."""
        w, h = self._box
        up = (h - 1) // 2
        for (l, idx), (nx, ny) in self._pos.items():
            if nx <= x < nx + w and ny - up <= y < ny - up + h:
                return (l, idx)
            if l == 0 and y == ny and 0 <= x < self._label_width:
                return (l, idx)
        return None

    def _layout_links(self, net: _Net, W: int, H: int, xs: list[int]) -> None:
        """Links between visible neurons, as braille lines from the right of one neuron to the left of the next."""
        w, h = self._box
        links, ends, values = [], [], []
        dot = 3 if h % 2 == 0 else 1  # the dot row at a picture's middle (between two cells when h is even)
        for l in range(1, len(net.sizes)):
            ax = 2 * (xs[l - 1] + w)
            bx = 2 * (xs[l] - 1) + 1
            if bx < ax:
                continue
            Wl = net.w[l - 1]
            for j in self._visible[l]:
                by = 4 * self._pos[(l, j)][1] + dot
                for k in self._visible[l - 1]:
                    links.append((l, j, k))
                    ends.append((ax, 4 * self._pos[(l - 1, k)][1] + dot, bx, by))
                    values.append(Wl[j, k])
        if links:
            self._links = np.array(links, dtype=np.int64)
            self._link_ends = np.array(ends, dtype=np.int64)
            vals = np.nan_to_num(np.asarray(values, dtype=float))
            self._link_color = diverging_index(vals, net.w_max)
            self._link_index = {t: i for i, t in enumerate(links)}
            e = self._link_ends
            self._mask, self._owner = rasterize_links(W, H, e[:, 0], e[:, 1], e[:, 2], e[:, 3], np.abs(vals))

    def _compose_strips(self, W: int, H: int) -> list[Strip]:
        """The picture as strips: links, then neurons and input names over them, then the titles on row 0."""
        if W <= 0 or H <= 0:
            return []
        base = self.rich_style
        net = self._net
        if net is None or not self._visible:
            return [Strip.blank(W, base)] * H
        if self._book is None or self._book.base != base:
            self._book = _StyleBook(base)
        canvas = _Canvas(W, H, self._book, [[_BRAILLE[m] for m in row] for row in self._mask.tolist()])
        self._draw_links(canvas)
        if self._maps is None:
            self._draw_neurons(canvas, net)
        else:
            self._draw_pictures(canvas, net, self._maps)
        self._draw_titles(canvas, net)
        return canvas.strips()

    def _draw_links(self, canvas: _Canvas) -> None:
        """Each link cell styled by its owner, dimmed outside the highlighted layer; the selected link reversed."""
        if not self._links.size:
            return
        hl, sid = self._highlight, canvas.sid
        normal = np.array([sid(c) for c in PALETTE], dtype=np.int64)
        dim = np.array([sid(c, dim=True) for c in PALETTE], dtype=np.int64)
        link_sid = normal[self._link_color]
        if hl is not None:
            link_sid = np.where(self._links[:, 0] == hl, link_sid, dim[self._link_color])
        owner = self._owner
        has = owner >= 0
        canvas.sids[has] = link_sid[owner[has]]
        sel = self._link_index.get(self.selected_link) if self.selected_link else None
        if sel is None:
            return
        e = self._link_ends[sel : sel + 1]
        m1, o1 = rasterize_links(canvas.width, canvas.height, e[:, 0], e[:, 1], e[:, 2], e[:, 3], [1.0])
        ys, xs = np.nonzero(o1 >= 0)
        s = sid(PALETTE[int(self._link_color[sel])], reverse=True, bold=True)
        mask = self._mask
        for y, x in zip(ys.tolist(), xs.tolist(), strict=True):
            canvas.chars[y][x] = _BRAILLE[int(mask[y, x] | m1[y, x])]
            canvas.sids[y, x] = s

    def _draw_neurons(self, canvas: _Canvas, net: _Net) -> None:
        """A marker per neuron in its bias colour (the selected one marked), the input names, the "…" of collapsed layers."""
        hl, sid, put = self._highlight, canvas.sid, canvas.put
        dim_others = hl is not None
        bias_idx = [np.full(net.sizes[0], MID, dtype=np.int16)] + [diverging_index(np.asarray(b, dtype=float), net.b_max) for b in net.b_eff]
        for (l, i), (x, y) in self._pos.items():
            color = PALETTE[int(bias_idx[l][i])]
            emphasised = hl is not None and l == hl
            faint = dim_others and not emphasised
            if self.selected_neuron == (l, i):
                put(x, y, MARKER_SELECTED, sid(None, bold=True))
                put(x + 1, y, "█", sid(color, bold=True))
            else:
                put(x, y, MARKER, sid(color, dim=faint, bold=emphasised))
            if l == 0 and self._label_width:
                name = net.names[i]
                if len(name) > self._label_width:
                    name = name[: self._label_width - 1] + ELLIPSIS
                put(self._label_width - len(name), y, name, sid(None, bold=self.selected_neuron == (0, i), dim=faint))
        for x, y in self._ellipsis:
            put(x, y, ELLIPSIS, sid(None, dim=True))

    def _draw_pictures(self, canvas: _Canvas, net: _Net, maps: list[np.ndarray]) -> None:
        """Each visible neuron as a picture of its output over the plane, its bias as a ``▪`` at its
        lower left (hidden and output neurons, pictures two or more rows tall), the selected one
        between brackets, the input names, the "…" of collapsed layers."""
        hl, sid, put = self._highlight, canvas.sid, canvas.put
        w, h = self._box
        up = (h - 1) // 2
        for l, visible in enumerate(self._visible):
            if not visible:
                continue
            act = net.activations[l - 1] if l else ""
            faint = hl is not None and l != hl
            corners = [(self._pos[(l, i)][0], self._pos[(l, i)][1] - up) for i in visible]
            canvas.pictures(corners, layer_pictures(maps[l][visible], act, l == 0, (2 * h, w)), dim=faint)
            bias_idx = diverging_index(np.asarray(net.b_eff[l - 1], dtype=float), net.b_max) if l else None
            for i in visible:
                x, y = self._pos[(l, i)]
                if bias_idx is not None and h > 1:
                    put(x - 1, y - up + h - 1, BIAS_MARK, sid(PALETTE[int(bias_idx[i])], dim=faint))
                selected = self.selected_neuron == (l, i)
                if selected:
                    put(x - 1, y, "[", sid(None, bold=True))
                    put(x + w, y, "]", sid(None, bold=True))
                if l == 0 and self._label_width:
                    name = net.names[i]
                    if len(name) > self._label_width:
                        name = name[: self._label_width - 1] + ELLIPSIS
                    put(self._label_width - len(name), y, name, sid(None, bold=selected, dim=faint))
        for x, y in self._ellipsis:
            put(x, y, ELLIPSIS, sid(None, dim=True))

    def _draw_titles(self, canvas: _Canvas, net: _Net) -> None:
        """Layer titles: as long as they fit side by side, near their columns."""
        hl = self._highlight
        L = len(net.sizes) - 1
        options = []
        for l in range(L + 1):
            arrow = {"forward": "→ ", "backward": "← "}.get(self._direction, "") if hl is not None and l == hl else ""
            options.append([arrow + self._title(l, L), arrow + self._title(l, L, short=True)])
        for l, (text, x) in enumerate(place_titles(options, self._title_centres, canvas.width)):
            emph = hl is not None and l == hl
            canvas.put(x, 0, text, canvas.sid(None, bold=emph, underline=emph, dim=hl is not None and not emph))

    def _title(self, l: int, L: int, short: bool = False) -> str:
        """A layer's title such as "1 tanh 4" or "out sigmoid 1" ("x" for the inputs); ``short`` abbreviates the activation."""
        net = self._net
        if l == 0:
            return "x"
        act = net.activations[l - 1]
        if short:
            act = _SHORT_ACT.get(act, act[:4])
        if net.pieces[l - 1] > 1:
            act = f"{act}×{net.pieces[l - 1]}"
        num = "out" if l == L else str(l)
        return " ".join(p for p in (num, act, str(net.sizes[l])) if p)

    # ----------------------------------------------------------------- selection
    def _check_selection(self) -> None:
        net = self._net
        if net is None:
            self.selected_neuron = self.selected_link = None
            return
        if self.selected_neuron is not None:
            l, i = self.selected_neuron
            if not (0 <= l < len(net.sizes) and 0 <= i < net.sizes[l]):
                self.selected_neuron = None
        if self.selected_link is not None:
            l, j, k = self.selected_link
            if not (1 <= l < len(net.sizes) and 0 <= j < net.sizes[l] and 0 <= k < net.sizes[l - 1]):
                self.selected_link = None

    def _neuron_name(self, l: int, i: int) -> str:
        if l == 0:
            return self._net.names[i]
        return f"neuron {i + 1} of layer {l}"

    def _update_subtitle(self) -> None:
        net = self._net
        text = ""
        if net is not None and self.selected_link is not None:
            l, j, k = self.selected_link
            v = float(net.w[l - 1][j, k])
            piece = ""
            if net.piece_w[l - 1] is not None:
                piece = f", piece {int(net.piece_w[l - 1][j, k]) + 1}"
            text = f"{lecture_weight_name(l, j + 1, k + 1)} = {v:.4f} ({self._neuron_name(l - 1, k)} → {self._neuron_name(l, j)}{piece})"
        elif net is not None and self.selected_neuron is not None:
            l, i = self.selected_neuron
            if l == 0:
                text = f"input {i + 1}: {net.names[i]}"
            else:
                P = net.pieces[l - 1]
                b = net.b[l - 1][i * P : (i + 1) * P]
                bias = f"{float(b[0]):.4f}" if P == 1 else "(" + ", ".join(f"{float(v):.4f}" for v in b) + ")"
                text = f"{self._neuron_name(l, i)} · b = {bias}"
        self.border_subtitle = text

    def _set_selection(self, neuron: tuple[int, int] | None, link: tuple[int, int, int] | None = None) -> None:
        self.selected_neuron = neuron
        self.selected_link = link
        self._rebuild(layout=False)

    def _first_neuron(self) -> tuple[int, int] | None:
        if self._visible and self._visible[0]:
            return (0, self._visible[0][0])
        if self._net is not None:
            return (0, 0)
        return None

    def action_move_layer(self, step: int) -> None:
        if self._net is None:
            return
        if self.selected_neuron is None:
            self._set_selection(self._first_neuron())
            return
        l, i = self.selected_neuron
        nl = min(max(l + step, 0), len(self._net.sizes) - 1)
        if nl == l:
            return
        y = self._pos.get((l, i), (0, 0))[1]
        candidates = self._visible[nl] if nl < len(self._visible) and self._visible[nl] else list(range(self._net.sizes[nl]))
        best = min(candidates, key=lambda c: abs(self._pos.get((nl, c), (0, 0))[1] - y))
        self._set_selection((nl, best))

    def action_move_neuron(self, step: int) -> None:
        if self._net is None:
            return
        if self.selected_neuron is None:
            self._set_selection(self._first_neuron())
            return
        l, i = self.selected_neuron
        order = self._visible[l] if l < len(self._visible) and self._visible[l] else list(range(self._net.sizes[l]))
        if i in order:
            pos = order.index(i) + step
        else:  # a hidden neuron (selected from outside): go to the nearest visible one
            pos = int(np.searchsorted(order, i)) + (step > 0) - 1
        pos = min(max(pos, 0), len(order) - 1)
        self._set_selection((l, order[pos]))

    def action_select_neuron(self) -> None:
        if self._net is None:
            return
        if self.selected_neuron is None:
            self._set_selection(self._first_neuron())
        elif self.selected_link is not None:
            self._set_selection(self.selected_neuron)
        if self.selected_neuron is not None:
            self.post_message(self.NeuronSelected(self, *self.selected_neuron))

    def action_next_link(self) -> None:
        """Cycle through the incoming links of the selected neuron (all of them, hidden ends included)."""
        net = self._net
        if net is None or self.selected_neuron is None or self.selected_neuron[0] == 0:
            self.app.bell()
            return
        l, j = self.selected_neuron
        k = 0
        if self.selected_link is not None and self.selected_link[:2] == (l, j):
            k = (self.selected_link[2] + 1) % net.sizes[l - 1]
        self._set_selection((l, j), (l, j, k))
        self._post_link(l, j, k)

    def _post_link(self, l: int, j: int, k: int) -> None:
        net = self._net
        pw = net.piece_w[l - 1]
        piece = 0 if pw is None else int(pw[j, k])
        self.post_message(self.LinkSelected(self, l, j, k, float(net.w[l - 1][j, k]), piece))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._net is None:
            return
        x, y = offset
        hit = self._neuron_at(x, y)
        if hit is not None:
            self._set_selection(hit)
            self.post_message(self.NeuronSelected(self, *hit))
            return
        if 0 <= y < self._owner.shape[0] and 0 <= x < self._owner.shape[1]:
            i = int(self._owner[y, x])
            if i >= 0:
                l, j, k = (int(v) for v in self._links[i])
                self._set_selection((l, j), (l, j, k))
                self._post_link(l, j, k)

"""DecisionBoundary and WeightHeatmap: what they draw, read back from their strips."""

from __future__ import annotations

import asyncio
import itertools

import numpy as np
from textual.app import App, ComposeResult

from tuinn.tui.render.colormap import CLASS_COLORS, NEGATIVE, POSITIVE, ZERO, diverging_palette, hex_color
from tuinn.tui.widgets.decision_boundary import (
    BLACK,
    CURVE_LINE,
    POINT_GLYPH,
    WHITE,
    BoundaryView,
    DecisionBoundary,
    grid_points,
    pixel_centers,
)
from tuinn.tui.widgets.weight_heatmap import MARK, WeightHeatmap

EXTENT = (-1.0, 1.0, -1.0, 1.0)
NO_POINTS = np.zeros((0, 2))
NO_LABELS = np.zeros(0)


def run(coro_fn):
    return asyncio.run(coro_fn())


def _hex(color) -> str | None:
    return None if color is None or color.triplet is None else color.triplet.hex


def pixels(widget) -> list[list[str | None]]:
    """The widget's picture as (2·height, width) hex colours (None where nothing is drawn), from render_line.

    A DecisionBoundary's picture only: its axes and legend are cut away (``picture_region``).
    """
    width, height = widget.size.width, widget.size.height
    x0, y0, w, h = widget.picture_region() if isinstance(widget, DecisionBoundary) else (0, 0, width, height)
    out: list[list[str | None]] = []
    for y in range(y0, y0 + h):
        upper: list[str | None] = []
        lower: list[str | None] = []
        for seg in widget.render_line(y):
            style = seg.style
            fg = _hex(style.color) if style else None
            bg = _hex(style.bgcolor) if style else None
            for ch in seg.text:
                if ch == "▀":
                    upper.append(fg)
                    lower.append(bg)
                elif ch == "▄":
                    upper.append(bg)
                    lower.append(fg)
                else:
                    upper.append(bg)
                    lower.append(bg)
        assert len(upper) == width
        out += [upper[x0 : x0 + w], lower[x0 : x0 + w]]
    return out


def binary_view(shape, **kw) -> BoundaryView:
    rows2, cols = shape
    p = np.tile((np.arange(cols) + 0.5) / cols, (rows2, 1))
    args = dict(
        kind="binary",
        values=p,
        extent=EXTENT,
        train_points=NO_POINTS,
        train_labels=NO_LABELS,
        test_points=NO_POINTS,
        test_labels=NO_LABELS,
    )
    args.update(kw)
    return BoundaryView(**args)


class BoundaryApp(App):
    def compose(self) -> ComposeResult:
        yield DecisionBoundary(id="b")


class HeatmapApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.selected: list[WeightHeatmap.CellSelected] = []

    def compose(self) -> ComposeResult:
        yield WeightHeatmap(id="h")

    def on_weight_heatmap_cell_selected(self, message: WeightHeatmap.CellSelected) -> None:
        self.selected.append(message)


# -- DecisionBoundary ------------------------------------------------------------------


def test_pixel_shape_matches_content_size_and_blank_before_show():
    async def go():
        app = BoundaryApp()
        async with app.run_test(size=(60, 20)) as pilot:
            await pilot.pause()
            b = app.query_one(DecisionBoundary)
            assert (b.size.width, b.size.height) == (58, 18)  # round border
            # the axes take 3 columns on the left (labels up to "-6" and the axis line), 3 rows
            # below (the x axis, its labels and the legend)
            assert b.picture_region() == (3, 0, 55, 15)
            assert b.pixel_shape() == (30, 55)
            assert all(set(b.render_line(y).text) == {" "} for y in range(b.size.height))

    run(go)


def test_binary_orange_left_blue_right():
    async def go():
        app = BoundaryApp()
        async with app.run_test(size=(60, 20)) as pilot:
            b = app.query_one(DecisionBoundary)
            b.show(binary_view(b.pixel_shape()))
            await pilot.pause()
            pic = pixels(b)
            pal = diverging_palette()
            assert pic[0][0] == pic[-1][0] == pal[0] == hex_color(NEGATIVE)  # p ≈ 0: orange
            assert pic[0][-1] == pic[-1][-1] == pal[-1] == hex_color(POSITIVE)  # p ≈ 1: blue
            mid = b.pixel_shape()[1] // 2
            assert pic[5][mid - 1] in pal[len(pal) // 2 - 1 : len(pal) // 2 + 2]  # p ≈ 0.5: near the grey
            assert len({c for row in pic for c in row}) > 10  # a smooth ramp

    run(go)


def test_discretize_gives_exactly_two_colours():
    async def go():
        app = BoundaryApp()
        async with app.run_test(size=(60, 20)) as pilot:
            b = app.query_one(DecisionBoundary)
            b.show(binary_view(b.pixel_shape(), discretize=True))
            await pilot.pause()
            assert {c for row in pixels(b) for c in row} == {hex_color(NEGATIVE), hex_color(POSITIVE)}

    run(go)


def cell(widget: DecisionBoundary, row: int, col: int) -> tuple[str, str | None, str | None]:
    """(character, foreground, background) of the picture's cell (row, col)."""
    x0, y0, _, _ = widget.picture_region()
    x = 0
    for seg in widget.render_line(y0 + row):
        if x <= x0 + col < x + len(seg.text):
            return seg.text[x0 + col - x], _hex(seg.style.color), _hex(seg.style.bgcolor)
        x += len(seg.text)
    raise AssertionError("no such cell")


def test_train_and_test_points_are_white_and_black_dots_on_their_class_colour():
    async def go():
        app = BoundaryApp()
        async with app.run_test(size=(60, 20)) as pilot:
            b = app.query_one(DecisionBoundary)
            b.show(binary_view(b.pixel_shape()))  # the extent's axes first, then the shape holds
            shape = b.pixel_shape()
            xs, ys = pixel_centers(EXTENT, shape)
            train = np.array([[xs[10], ys[7]], [xs[30], ys[3]]])  # pixel rows 7 and 3: cell rows 3 and 1
            test = np.array([[xs[40], ys[20]]])  # pixel row 20: cell row 10
            field = np.full(shape, 0.5)  # all grey
            view = binary_view(shape, values=field, train_points=train, train_labels=np.array([1, 0]), test_points=test,
                               test_labels=np.array([0]))
            b.show(view)
            await pilot.pause()
            white, black = hex_color(WHITE), hex_color(BLACK)
            # the class is the cell's colour, the split is the dot's: white for train, black for test
            assert cell(b, 3, 10) == (POINT_GLYPH, white, hex_color(CLASS_COLORS[1]))
            assert cell(b, 1, 30) == (POINT_GLYPH, white, hex_color(CLASS_COLORS[0]))
            assert cell(b, 10, 40) == (POINT_GLYPH, black, hex_color(CLASS_COLORS[0]))
            grey = hex_color(ZERO)
            pic = pixels(b)
            assert sum(c != grey for row in pic for c in row) == 2 * 3  # three cells, two pixels each; the rest is field
            assert cell(b, 4, 10) == ("▀", grey, grey) and cell(b, 10, 41) == ("▀", grey, grey)

            b.show(BoundaryView(**{**view.__dict__, "show_test": False}))
            await pilot.pause()
            assert cell(b, 10, 40) == ("▀", grey, grey)
            assert cell(b, 3, 10)[1] == white

    run(go)


def test_a_test_point_is_drawn_over_a_train_point_in_its_cell():
    async def go():
        app = BoundaryApp()
        async with app.run_test(size=(60, 20)) as pilot:
            b = app.query_one(DecisionBoundary)
            b.show(binary_view(b.pixel_shape()))
            shape = b.pixel_shape()
            xs, ys = pixel_centers(EXTENT, shape)
            both = np.array([[xs[5], ys[4]]])
            b.show(binary_view(shape, values=np.full(shape, 0.5), train_points=both, train_labels=np.array([1]),
                               test_points=both, test_labels=np.array([0])))
            await pilot.pause()
            assert cell(b, 2, 5) == (POINT_GLYPH, hex_color(BLACK), hex_color(CLASS_COLORS[0]))

    run(go)


def test_points_outside_the_extent_are_not_drawn():
    async def go():
        app = BoundaryApp()
        async with app.run_test(size=(60, 20)) as pilot:
            b = app.query_one(DecisionBoundary)
            shape = b.pixel_shape()
            pts = np.array([[5.0, 0.0], [0.0, -3.0], [np.nan, 0.0]])
            b.show(binary_view(shape, values=np.full(shape, 0.5), train_points=pts, train_labels=np.array([0, 1, 0])))
            await pilot.pause()
            assert {c for row in pixels(b) for c in row} == {hex_color(ZERO)}

    run(go)


def test_multiclass_argmax_colours():
    async def go():
        app = BoundaryApp()
        async with app.run_test(size=(60, 20)) as pilot:
            b = app.query_one(DecisionBoundary)
            rows2, cols = b.pixel_shape()
            probs = np.full((rows2, cols, 3), 0.05)
            third = cols // 3
            probs[:, :third, 0] = 0.9
            probs[:, third : 2 * third, 1] = 0.9
            probs[:, 2 * third :, 2] = 0.9
            view = BoundaryView("multiclass", probs, EXTENT, NO_POINTS, NO_LABELS, NO_POINTS, NO_LABELS, n_classes=3, discretize=True)
            b.show(view)
            await pilot.pause()
            shown_shape = b.pixel_shape()  # the y axis's width follows EXTENT from the first show on
            pic = pixels(b)
            assert pic[0][0] == hex_color(CLASS_COLORS[0])
            assert pic[0][third + 1] == hex_color(CLASS_COLORS[1])
            assert pic[-1][-1] == hex_color(CLASS_COLORS[2])
            assert len({c for row in pic for c in row}) == 3
            # without discretize, lower confidence is a fainter colour of the same class
            probs[:, :third] = [0.5, 0.25, 0.25]
            b.show(BoundaryView("multiclass", probs, EXTENT, NO_POINTS, NO_LABELS, NO_POINTS, NO_LABELS, n_classes=3))
            await pilot.pause()
            pic2 = pixels(b)
            assert pic2[0][0] != pic[0][0]
            assert pic2[0][0] != hex_color(ZERO)
            assert shown_shape == b.pixel_shape()

    run(go)


def test_regression_renders_on_value_range():
    async def go():
        app = BoundaryApp()
        async with app.run_test(size=(60, 20)) as pilot:
            b = app.query_one(DecisionBoundary)
            rows2, cols = b.pixel_shape()
            vals = np.tile(np.linspace(0.0, 10.0, cols), (rows2, 1))
            pts = np.array([[-0.9, 0.0], [0.9, 0.0]])
            view = BoundaryView("regression", vals, EXTENT, pts, np.array([0.0, 10.0]), NO_POINTS, NO_LABELS, value_range=(0.0, 10.0))
            b.show(view)
            await pilot.pause()
            pic = pixels(b)
            assert pic[0][0] == hex_color(NEGATIVE) and pic[0][-1] == hex_color(POSITIVE)

    run(go)


def test_curve_pixels_follow_the_function():
    async def go():
        app = BoundaryApp()
        async with app.run_test(size=(60, 20)) as pilot:
            b = app.query_one(DecisionBoundary)
            rows2, cols = shape = b.pixel_shape()
            extent = (0.0, 2 * np.pi, -1.5, 1.5)
            xs, _ = pixel_centers(extent, shape)
            y = np.sin(xs)
            pts = np.array([[1.0, 1.2], [4.0, -1.2]])
            view = BoundaryView("curve", y, extent, pts, pts[:, 1], NO_POINTS, NO_LABELS, caption="y = f(x)")
            b.show(view)
            await pilot.pause()
            pic = pixels(b)
            line = hex_color(CURVE_LINE)
            expected_rows = np.rint((extent[3] - y) / (extent[3] - extent[2]) * rows2 - 0.5).astype(int)
            for c in range(cols):
                assert pic[expected_rows[c]][c] == line
            # the line is connected: each column's line pixels form one run touching the next column's
            runs = []
            for c in range(cols):
                rs = [r for r in range(rows2) if pic[r][c] == line]
                assert rs == list(range(rs[0], rs[-1] + 1))
                runs.append((rs[0], rs[-1]))
            for (a0, a1), (b0, b1) in itertools.pairwise(runs):
                assert b0 <= a1 + 1 and a0 <= b1 + 1
            # and far from the curve is background
            assert pic[0][0] not in (line, None) and pic[0][0] == pic[-1][0]
            assert "y = f(x)" in str(b.border_subtitle)

    run(go)


def test_wrong_shape_is_resampled_and_resize_rebuilds():
    async def go():
        app = BoundaryApp()
        async with app.run_test(size=(60, 20)) as pilot:
            b = app.query_one(DecisionBoundary)
            b.show(binary_view((7, 9)))  # any shape: nearest neighbour to the widget's size
            await pilot.pause()
            pic = pixels(b)
            assert pic[0][0] == pixels(b)[-1][0] and pic[0][0] != pic[0][-1]
            await pilot.resize_terminal(80, 30)
            await pilot.pause()
            assert b.pixel_shape() == (50, 73)  # 78 × 28 content less the axes ("-0.5┤") and the legend
            pic = pixels(b)
            assert len(pic) == 50 and len(pic[0]) == 73
            assert all(c is not None for row in pic for c in row)
            b.show(binary_view(b.pixel_shape()))
            await pilot.pause()
            assert pixels(b)[0][0] == hex_color(NEGATIVE)

    run(go)


def test_grid_points_match_pixel_centres():
    g = grid_points(EXTENT, (4, 3))
    assert g.shape == (12, 2)
    assert np.allclose(g[0], [-2 / 3, 0.75]) and np.allclose(g[-1], [2 / 3, -0.75])


# -- WeightHeatmap ---------------------------------------------------------------------


W1 = np.array([[0.5, -1.0], [0.25, 0.75], [-0.3, 0.1], [1.0, -0.4172]])  # 4×2
W2 = np.array([[0.2, -0.1, 0.3, -0.4172]])  # 1×4


def test_heatmap_arrows_show_value_in_subtitle():
    async def go():
        app = HeatmapApp()
        async with app.run_test(size=(60, 20)) as pilot:
            h = app.query_one(WeightHeatmap)
            h.show([W1, W2])
            h.focus()
            await pilot.pause()
            assert h.selected is None
            lines = [h.render_line(0)]
            assert "W¹ 4×2" in lines[0].text and "W² 1×4" in lines[0].text
            await pilot.press("down")  # first key selects the first cell
            await pilot.press("down", "down", "down", "right", "right")  # clamped at the edges
            await pilot.pause()
            assert h.selected == (1, 3, 1)
            assert h.selection_text == "W¹[4,2] = -0.4172"
            assert "W¹[4,2] = -0.4172" in str(h.border_subtitle)
            await pilot.press("right_square_bracket")
            await pilot.press("right", "right", "right")
            await pilot.pause()
            assert h.selected == (2, 0, 3)
            assert h.selection_text == "W²[1,4] = -0.4172"
            await pilot.press("left_square_bracket", "up")
            await pilot.pause()
            assert h.current_layer == 1 and h.selected == (1, 0, 1)
            assert [m.layer for m in app.selected][-1] == 1
            assert all(isinstance(m.value, float) for m in app.selected)

    run(go)


def test_heatmap_selection_is_marked():
    async def go():
        app = HeatmapApp()
        async with app.run_test(size=(60, 20)) as pilot:
            h = app.query_one(WeightHeatmap)
            h.show([W1, W2])
            await pilot.pause()
            before = pixels(h)
            h.select(1, 0, 0)
            await pilot.pause()
            after = pixels(h)
            assert before != after
            assert any(MARK in row for row in after) and not any(MARK in row for row in before)

    run(go)


def _cell_color(h: WeightHeatmap, layer: int, row: int, col: int) -> str | None:
    x0 = h._slots[layer - 1][0]
    s = h._cell
    pic = pixels(h)
    return pic[2 + row * s + s // 2][x0 + col * s + s // 2]  # +2: the label row's two pixels


def test_heatmap_global_scale_greys_a_small_layer():
    async def go():
        app = HeatmapApp()
        async with app.run_test(size=(60, 20)) as pilot:
            h = app.query_one(WeightHeatmap)
            small = np.array([[0.01, -0.01], [0.005, 0.0]])
            h.show([W1 * 10, small])
            await pilot.pause()
            pal = diverging_palette()
            assert _cell_color(h, 2, 0, 0) == pal[-1]  # per layer: its own max is full blue
            assert _cell_color(h, 2, 0, 1) == pal[0]
            h.focus()
            await pilot.press("c")
            await pilot.pause()
            assert h.global_scale
            assert _cell_color(h, 2, 0, 0) == hex_color(ZERO)  # 0.01 of 10: grey
            assert _cell_color(h, 1, 3, 0) == pal[-1]  # the big layer keeps its colours

    run(go)


def test_heatmap_click_selects_and_posts():
    async def go():
        app = HeatmapApp()
        async with app.run_test(size=(60, 20)) as pilot:
            h = app.query_one(WeightHeatmap)
            h.show([W1, W2])
            await pilot.pause()
            s = h._cell
            x0 = h._slots[1][0]
            # W² row 0, col 2: content (x0 + 2s, 1 + 0), +1 for the border
            assert await pilot.click(WeightHeatmap, offset=(1 + x0 + 2 * s, 1 + 1))
            await pilot.pause()
            assert h.selected == (2, 0, 2)
            msg = app.selected[-1]
            assert (msg.layer, msg.row, msg.col, msg.value) == (2, 0, 2, 0.3)
            assert msg.control is h
            assert h.selection_text == "W²[1,3] = 0.3000"
            # W¹ row 3, col 1
            assert await pilot.click(WeightHeatmap, offset=(1 + h._slots[0][0] + s, 1 + 1 + (3 * s) // 2))
            await pilot.pause()
            assert h.selected == (1, 3, 1)

    run(go)


def test_heatmap_too_big_shows_top_left_and_ellipsis_and_resizes():
    async def go():
        app = HeatmapApp()
        async with app.run_test(size=(60, 20)) as pilot:
            h = app.query_one(WeightHeatmap)
            rng = np.random.default_rng(1)
            big = rng.normal(size=(64, 100))
            h.show([big, rng.normal(size=(10, 64))])
            await pilot.pause()
            label = h.render_line(0).text
            assert "…" in label and label.startswith("W¹ 64×100")
            pic = pixels(h)
            background = _hex(h.rich_style.bgcolor)
            assert all(c not in (None, background) for c in pic[2])  # the first layer fills the width
            assert h._cell == 1
            await pilot.resize_terminal(100, 40)
            await pilot.pause()
            assert len(pixels(h)) == 2 * h.size.height
            h.show([W1, W2])
            await pilot.pause()
            assert h._cell > 1 and "…" not in h.render_line(0).text

    run(go)


def test_heatmap_does_not_mutate_weights():
    async def go():
        app = HeatmapApp()
        async with app.run_test(size=(60, 20)) as pilot:
            h = app.query_one(WeightHeatmap)
            w = [W1.copy(), W2.copy()]
            h.show(w, layer_names=["hidden", "out"])
            h.select(2, 0, 1)
            await pilot.pause()
            assert np.array_equal(w[0], W1) and np.array_equal(w[1], W2)
            assert "hidden 4×2" in h.render_line(0).text

    run(go)


def test_heatmap_blank_area_follows_the_theme_background():
    async def go():
        app = HeatmapApp()
        async with app.run_test(size=(60, 20)) as pilot:
            h = app.query_one(WeightHeatmap)
            h.show([W1, W2])
            await pilot.pause()
            dark = _hex(h.rich_style.bgcolor)
            assert pixels(h)[-1][-1] == dark  # below and right of the matrices: the widget's background
            app.theme = "textual-light"
            await pilot.pause()
            light = _hex(h.rich_style.bgcolor)
            assert light != dark and pixels(h)[-1][-1] == light

    run(go)

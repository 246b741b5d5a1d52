"""DecisionBoundary and WeightHeatmap: what they draw, read back from their strips."""

from __future__ import annotations

import asyncio
import itertools

import numpy as np
from textual.app import App, ComposeResult

from tuinn.tui.render.colormap import CLASS_COLORS, NEGATIVE, POSITIVE, ZERO, diverging_palette, hex_color
from tuinn.tui.widgets.decision_boundary import (
    CURVE_LINE,
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
    """The widget's picture as (2·height, width) hex colours (None where nothing is drawn), from render_line."""
    width, height = widget.size.width, widget.size.height
    out: list[list[str | None]] = []
    for y in range(height):
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
        out += [upper, lower]
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
            assert b.pixel_shape() == (36, 58)
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


def test_train_and_test_points_at_their_pixels():
    async def go():
        app = BoundaryApp()
        async with app.run_test(size=(60, 20)) as pilot:
            b = app.query_one(DecisionBoundary)
            shape = b.pixel_shape()
            xs, ys = pixel_centers(EXTENT, shape)
            train = np.array([[xs[10], ys[7]]])  # pixel row 7: lower half of cell row 3
            test = np.array([[xs[40], ys[20]]])  # pixel row 20: upper half of cell row 10
            field = np.full(shape, 0.5)  # all grey
            view = binary_view(shape, values=field, train_points=train, train_labels=np.array([1]), test_points=test, test_labels=np.array([0]))
            b.show(view)
            await pilot.pause()
            pic = pixels(b)
            grey = hex_color(ZERO)
            train_color, test_color = pic[7][10], pic[20][40]
            assert train_color not in (grey, None) and test_color not in (grey, None)
            assert pic[6][10] == grey and pic[21][40] == grey  # the other half of each cell is untouched
            # train: a dark blue (class 1); test: near black
            r, g, bl = (int(train_color[i : i + 2], 16) for i in (1, 3, 5))
            assert bl > r and bl > g and bl < POSITIVE[2]
            assert sum(int(test_color[i : i + 2], 16) for i in (1, 3, 5)) < 150
            line10 = b.render_line(10)  # the test point is the upper (fg) pixel of cell row 10
            assert any(seg.style.color.triplet.hex == test_color for seg in line10)

            b.show(BoundaryView(**{**view.__dict__, "show_test": False}))
            await pilot.pause()
            pic = pixels(b)
            assert pic[20][40] == grey
            assert pic[7][10] == train_color
            assert sum(c != grey for row in pic for c in row) == 1

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
            rows2, cols = shape = b.pixel_shape()
            probs = np.full((rows2, cols, 3), 0.05)
            third = cols // 3
            probs[:, :third, 0] = 0.9
            probs[:, third : 2 * third, 1] = 0.9
            probs[:, 2 * third :, 2] = 0.9
            view = BoundaryView("multiclass", probs, EXTENT, NO_POINTS, NO_LABELS, NO_POINTS, NO_LABELS, n_classes=3, discretize=True)
            b.show(view)
            await pilot.pause()
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
            assert shape == b.pixel_shape()

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
            assert b.pixel_shape() == (56, 78)
            pic = pixels(b)
            assert len(pic) == 56 and len(pic[0]) == 78
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

"""Axes, ticks and legends of the playground's two plots, read back from what the widgets draw.

The loss plot: round ticks (1-2-5), epoch 0 at the left edge, a diverging loss still drawn.
The decision boundary: y and x ticks, a value → colour legend, the train / test key.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import re

import numpy as np
from textual.app import App, ComposeResult

from tuinn.tui.render.colormap import CLASS_COLORS, NEGATIVE, POSITIVE, hex_color
from tuinn.tui.widgets.decision_boundary import BLACK, POINT_GLYPH, WHITE, BoundaryView, DecisionBoundary
from tuinn.tui.widgets.loss_plot import LossPlot

BRAILLE = re.compile("[\u2801-\u28ff]")


class Plots(App):
    def compose(self) -> ComposeResult:
        yield DecisionBoundary(id="b")
        yield LossPlot(id="l")


def lines(widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


def is_round(step: float) -> bool:
    mantissa = step / 10.0 ** math.floor(math.log10(step) + 1e-12)
    return any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 5, 10))


def y_labels(text: list[str]) -> list[str]:
    """The labels left of the y axis's ┤ ticks, top to bottom."""
    return [line[: line.index("┤")].strip() for line in text if "┤" in line]


def x_axis(text: list[str]) -> tuple[str, str]:
    """(the axis row with └ and ┬, the row of labels under it)."""
    i = next(i for i, line in enumerate(text) if "└" in line)
    return text[i], text[i + 1]


def run(coro_fn):
    return asyncio.run(coro_fn())


# -- the loss plot ---------------------------------------------------------------------


def test_past_the_history_limit_the_axis_counts_epochs_from_the_first_kept_one():
    """After MAX_HISTORY epochs the history drops the oldest: the x axis, the best-epoch line and the legend
    say epochs (200 000 … 300 000), not indices into what is kept (0 … 100 000)."""
    from tuinn.session.history import Series

    async def go():
        app = Plots()
        async with app.run_test(size=(80, 30)) as pilot:
            plot = app.query_one(LossPlot)
            train, test = Series(limit=100_000), Series(limit=100_000)
            for i in range(300_001):
                train.append(1.0 / (1 + i))
                test.append(2.0 / (1 + i) + (1.0 if i > 250_000 else 0.0))
            assert train.dropped == 200_001
            plot.show(train.view(), test.view(), now=True, best_epoch=250_000, monitor="test_loss")
            await pilot.pause()
            text = lines(plot)
            _, labels = x_axis(text)
            epochs = [int(w) for w in labels.split()]
            assert 200_001 <= epochs[0] and epochs[-1] <= 300_000 and len(epochs) >= 2, labels
            assert "best 250000" in str(plot.border_subtitle)
    run(go)


def test_loss_ticks_are_round_and_epoch_0_is_the_left_edge():
    async def go():
        app = Plots()
        async with app.run_test(size=(80, 44)) as pilot:
            plot = app.query_one(LossPlot)
            train = tuple(0.83 * 0.99**i + 0.01 for i in range(2148))
            plot.show(train, tuple(v * 1.05 for v in train), now=True)
            await pilot.pause()
            text = lines(plot)
            axis, labels = x_axis(text)
            corner = axis.index("└")
            # epoch 0: the first tick, right at the axis, labelled 0, and the curve starts in that column
            assert axis[corner + 1] == "┬" and labels[corner + 1] == "0"
            assert any(BRAILLE.match(line[corner + 1]) for line in text[: text.index(axis)])
            epochs = [int(w) for w in labels.split()]
            assert epochs[0] == 0 and epochs == sorted(epochs) and epochs[-1] <= 2147
            steps = {b - a for a, b in itertools.pairwise(epochs)}
            assert len(steps) == 1 and is_round(steps.pop())  # 0, 500, 1000, … (plotext: 0, 469, 938, …)
            ys = [float(v) for v in y_labels(text)]
            assert len(ys) >= 3
            gaps = {round(a - b, 9) for a, b in itertools.pairwise(ys)}
            assert len(gaps) == 1 and is_round(gaps.pop())

            plot.toggle_log()
            await pilot.pause()
            logs = [float(v) for v in y_labels(lines(plot))]
            assert len(logs) >= 2 and all(is_round(v) for v in logs)  # 0.5, 0.2, 0.1, 0.05, …

    run(go)


def test_a_diverging_loss_is_drawn_with_short_labels_on_both_scales():
    async def go():
        app = Plots()
        async with app.run_test(size=(80, 44)) as pilot:
            plot = app.query_one(LossPlot)
            huge = tuple([0.7] * 10 + [10.0 ** (5 * i) for i in range(1, 20)] + [6.9e97])
            for log in (False, True):
                plot.log_scale = log
                plot.show(huge, huge, now=True)
                await pilot.pause()
                text = lines(plot)
                dots = sum(len(BRAILLE.findall(line)) for line in text)
                assert dots > 30, f"blank plot (log={log})"  # plotext's 98-digit labels left no room: nothing was drawn
                labels = y_labels(text)
                assert len(labels) >= 2 and max(len(v) for v in labels) <= 5  # "6e97", "1e40", …
                assert any("e9" in v or "e8" in v for v in labels)

            # infinite and NaN losses are left out, said in the legend, and the rest is drawn
            plot.log_scale = False
            plot.show((0.7, 5.0, 1e30, math.inf, math.nan), (0.7, 0.9, 1.2, 1.5, 1.9), now=True)
            await pilot.pause()
            text = lines(plot)
            assert sum(len(BRAILLE.findall(line)) for line in text) > 20
            assert "train (∞ from epoch 3)" in str(plot.border_subtitle)
            assert "test (" not in str(plot.border_subtitle)

    run(go)


# -- the decision boundary -------------------------------------------------------------

EXTENT = (-6.0, 6.0, -6.0, 6.0)
NONE = np.zeros((0, 2))


def view(kind: str, values: np.ndarray, **kw) -> BoundaryView:
    args = dict(kind=kind, values=values, extent=EXTENT, train_points=NONE, train_labels=np.zeros(0), test_points=NONE,
                test_labels=np.zeros(0))
    args.update(kw)
    return BoundaryView(**args)


def legend_cells(b: DecisionBoundary, y: int = -1) -> list[tuple[str, str | None, str | None]]:
    """(character, fg, bg) of each cell of line ``y``: by default the legend, the widget's last line."""
    out = []
    for seg in b.render_line(y % b.size.height):
        fg = seg.style.color.triplet.hex if seg.style and seg.style.color and seg.style.color.triplet else None
        bg = seg.style.bgcolor.triplet.hex if seg.style and seg.style.bgcolor and seg.style.bgcolor.triplet else None
        out += [(ch, fg, bg) for ch in seg.text]
    return out


def test_boundary_axes_legend_and_point_key():
    async def go():
        app = Plots()
        async with app.run_test(size=(70, 64)) as pilot:  # the boundary gets 30 rows
            b = app.query_one(DecisionBoundary)
            rows2, cols = b.pixel_shape()
            pts = np.array([[-3.0, 2.0], [4.0, -1.0]])
            b.show(view("binary", np.full((rows2, cols), 0.5), train_points=pts[:1], train_labels=np.array([0]),
                        test_points=pts[1:], test_labels=np.array([1])))
            await pilot.pause()
            text = lines(b)
            # y ticks: the plane's round numbers, top (y = 6) to bottom (y = −6)
            assert [float(v) for v in y_labels(text)] == [6, 4, 2, 0, -2, -4, -6]
            axis, labels = x_axis(text)
            assert labels.split() == ["-6", "-4", "-2", "0", "2", "4", "6"] and axis.count("┬") == 7
            # the legend: P(class 1) from 0 (orange) to 1 (blue), then the white and black dots' key
            legend = legend_cells(b)
            line = "".join(ch for ch, _, _ in legend)
            assert line.startswith("P(class 1) 0 █") and "█ 1  ● train  ● test" in line
            bar = [fg for ch, fg, _ in legend if ch == "█"]
            assert bar[0] == hex_color(NEGATIVE) and bar[-1] == hex_color(POSITIVE) and len(bar) >= 6
            dots = [fg for ch, fg, _ in legend if ch == POINT_GLYPH]
            assert dots == [hex_color(WHITE), hex_color(BLACK)]
            # and the picture's points are those dots on their class colour
            _, _, _, rows = b.picture_region()
            points = {cell[1:] for y in range(rows) for cell in legend_cells(b, y) if cell[0] == POINT_GLYPH}
            assert points == {(hex_color(WHITE), hex_color(NEGATIVE)), (hex_color(BLACK), hex_color(POSITIVE))}
            # without test points the key has no test entry
            b.show(BoundaryView(**{**b.view.__dict__, "show_test": False}))
            await pilot.pause()
            assert "● test" not in lines(b)[-1] and "● train" in lines(b)[-1]

            # regression: the bar spans the value range
            b.show(view("regression", np.zeros((rows2, cols)), value_range=(-2.5, 7.5123456), train_points=pts,
                        train_labels=np.array([0.0, 7.0])))
            await pilot.pause()
            legend_line = lines(b)[-1]
            assert legend_line.startswith("-2.5 █") and "█ 7.51  ● train" in legend_line
            assert "test" not in legend_line  # no test points, no key for them
            # points that are not a data set's splits get their own word (the neuron lab's line)
            b.show(view("regression", np.zeros((rows2, cols)), train_points=pts, train_labels=np.zeros(2),
                        point_names=("the line z = 0", "")))
            await pilot.pause()
            assert lines(b)[-1].rstrip().endswith("█ 1  ● the line z = 0")
            # a neuron's output over a classification data set: the points keep their class colours
            b.show(view("regression", np.zeros((rows2, cols)), train_points=pts, train_labels=np.array([0, 1]), class_points=True))
            await pilot.pause()
            points = {cell[1:] for y in range(rows) for cell in legend_cells(b, y) if cell[0] == POINT_GLYPH}
            assert points == {(hex_color(WHITE), hex_color(CLASS_COLORS[0])), (hex_color(WHITE), hex_color(CLASS_COLORS[1]))}
            # multiclass: each class's colour
            b.show(view("multiclass", np.full((rows2, cols, 3), 1 / 3), n_classes=3))
            await pilot.pause()
            legend = legend_cells(b)
            swatches = [fg for ch, fg, _ in legend if ch == "█"]
            assert swatches == [hex_color(c) for c in CLASS_COLORS[:3]]
            assert "".join(ch for ch, _, _ in legend).startswith("class █ 0 █ 1 █ 2 (faint: unsure)")

    run(go)


def test_a_small_boundary_keeps_every_cell_for_the_picture():
    async def go():
        app = Plots()
        async with app.run_test(size=(28, 24)) as pilot:  # a side-by-side variant's size
            b = app.query_one(DecisionBoundary)
            assert not b.framed() and b.picture_region() == (0, 0, b.size.width, b.size.height)
            b.show(view("binary", np.full(b.pixel_shape(), 0.2)))
            await pilot.pause()
            assert all(set(line) == {"▀"} for line in lines(b))  # no axis, no legend

    run(go)


def test_a_square_picture_keeps_the_planes_proportions_and_is_centred():
    """The grid view's cells are wide: its boundaries keep the plane's proportions (a circle stays round)
    and sit in the middle of the cell with their axes; too small for axes, a picture fills its cells."""

    async def go():
        app = Plots()
        async with app.run_test(size=(80, 44)) as pilot:
            b = app.query_one(DecisionBoundary)
            b.square = True
            b.styles.height = 16
            await pilot.pause()
            for extent, ratio in (((-6.0, 6.0, -6.0, 6.0), 1.0), ((-6.0, 6.0, -3.0, 3.0), 2.0)):
                view = BoundaryView(kind="binary", values=np.full((4, 4), 0.5), extent=extent, train_points=np.zeros((0, 2)),
                                    train_labels=np.zeros(0), test_points=np.zeros((0, 2)), test_labels=np.zeros(0), n_classes=2,
                                    value_range=(0.0, 1.0))
                b.show(view)
                left, _, cols, rows = b.picture_region()
                assert cols == round(2 * rows * ratio) < b.size.width - left  # a pixel is as wide as it is tall
                assert b.pixel_shape() == (2 * rows, cols)
                text = lines(b)
                assert all(text[r][left - 1] in "│┤" for r in range(rows)) and left > 10  # centred, the y axis beside it
                assert text[0][: left - 4].strip() == ""
                assert abs(left - (b.size.width - cols - left)) <= 6  # about as much room on the right as on the left
                axis, _ = x_axis(text)
                assert axis.index("└") == left - 1 and text.index(axis) == rows
            b.styles.height = 5  # no room for axes: the picture takes every cell
            await pilot.pause()
            assert not b.framed() and b.picture_region() == (0, 0, b.size.width, b.size.height)
    run(go)

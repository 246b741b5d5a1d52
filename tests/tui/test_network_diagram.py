"""NetworkDiagram: what it draws (titles, names, link colours, collapsing), how it is driven
(keys, clicks, highlight), through Textual's Pilot in a tiny app."""

from __future__ import annotations

import asyncio

import numpy as np
from rich.segment import Segment
from textual.app import App, ComposeResult

from tuinn.tui.widgets.network_diagram import MARKER, NetworkDiagram, lecture_weight_name, place_titles, rasterize_links


class DiagramApp(App):
    def __init__(self, width: int = 70, height: int = 20) -> None:
        super().__init__()
        self.diagram_size = (width, height)
        self.messages: list = []

    def compose(self) -> ComposeResult:
        d = NetworkDiagram()
        d.styles.width, d.styles.height = self.diagram_size
        yield d

    def on_network_diagram_neuron_selected(self, message: NetworkDiagram.NeuronSelected) -> None:
        self.messages.append(message)

    def on_network_diagram_link_selected(self, message: NetworkDiagram.LinkSelected) -> None:
        self.messages.append(message)


def run_app(body, width: int = 70, height: int = 20) -> None:
    """Run ``await body(app, pilot, diagram)`` in a DiagramApp on an 80×30 screen."""

    async def main() -> None:
        app = DiagramApp(width, height)
        async with app.run_test(size=(80, 30)) as pilot:
            await pilot.pause()
            await body(app, pilot, app.query_one(NetworkDiagram))

    asyncio.run(main())


def lines(d: NetworkDiagram) -> list[str]:
    return ["".join(seg.text for seg in d.render_line(y)) for y in range(d.size.height)]


def cells(d: NetworkDiagram) -> dict[tuple[int, int], Segment]:
    """(x, y) → (char, style) for every content cell."""
    out = {}
    for y in range(d.size.height):
        x = 0
        for seg in d.render_line(y):
            for ch in seg.text:
                out[(x, y)] = Segment(ch, seg.style)
                x += 1
    return out


def is_braille(ch: str) -> bool:
    return 0x2801 <= ord(ch) <= 0x28FF


def rgb(seg: Segment) -> tuple[int, int, int]:
    c = seg.style.color
    assert c is not None, seg
    t = c.get_truecolor()
    return (t.red, t.green, t.blue)


def bluish(seg: Segment) -> bool:
    r, _, b = rgb(seg)
    return b > r + 60


def orangeish(seg: Segment) -> bool:
    r, _, b = rgb(seg)
    return r > b + 60


def link_cells(d: NetworkDiagram, test) -> set[tuple[int, int]]:
    return {xy for xy, seg in cells(d).items() if is_braille(seg.text) and test(seg)}


def random_net(sizes: list[int], seed: int = 0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(sizes[i + 1], sizes[i])) for i in range(len(sizes) - 1)]
    biases = [rng.normal(size=sizes[i + 1]) for i in range(len(sizes) - 1)]
    return weights, biases


def test_titles_neurons_and_input_names_appear():
    sizes = [3, 4, 2, 1]
    weights, biases = random_net(sizes)

    async def body(app, pilot, d):
        d.show(sizes, weights, biases, ["x1", "x1^2", "sin(x2)"], ["tanh", "tanh", "sigmoid"])
        text = lines(d)
        titles = text[0].split()
        assert "x" in titles
        for title in ("1 tanh 4", "2 tanh 2", "out sigmoid 1"):
            assert title in text[0], text[0]
        body_text = "\n".join(text[1:])
        for name in ("x1", "x1^2", "sin(x2)"):
            assert name in body_text
        assert body_text.count(MARKER) == sum(sizes)
        for layer, n in enumerate(sizes):
            for i in range(n):
                x, y = d.neuron_position(layer, i)
                assert text[y][x] == "█"

    run_app(body)


def test_link_colour_follows_sign():
    async def body(app, pilot, d):
        d.show([1, 1], [np.array([[0.8]])], [np.zeros(1)], ["x1"], ["linear"])
        blue = link_cells(d, bluish)
        assert len(blue) > 10
        assert not link_cells(d, orangeish)
        d.show([1, 1], [np.array([[-0.8]])], [np.zeros(1)], ["x1"], ["linear"])
        orange = link_cells(d, orangeish)
        assert orange == blue
        assert not link_cells(d, bluish)

    run_app(body)


def test_strong_link_wins_a_shared_cell():
    """w(x2 → n1) and w(x1 → n2) cross; where they do, the stronger one's colour shows, whichever sign it has."""

    def weights(a: float, b: float) -> list[np.ndarray]:
        return [np.array([[0.0, a], [b, 0.0]]), np.zeros((1, 2))]

    async def body(app, pilot, d):
        def show(a: float, b: float) -> None:
            d.show([2, 2, 1], weights(a, b), [np.zeros(2), np.zeros(1)], ["x1", "x2"], ["tanh", "sigmoid"])

        show(-2.0, 0.0)
        first = link_cells(d, orangeish)
        show(0.0, 1.0)
        second = link_cells(d, bluish)
        crossing = first & second
        assert crossing
        show(-2.0, 1.0)  # strong negative, weak positive
        c = cells(d)
        assert all(orangeish(c[xy]) for xy in crossing)
        show(-1.0, 2.0)  # weak negative, strong positive
        c = cells(d)
        assert all(bluish(c[xy]) for xy in crossing)

    run_app(body)


def test_wide_layer_collapses_to_first_and_last_neurons():
    sizes = [2, 64, 1]
    weights, biases = random_net(sizes)

    async def body(app, pilot, d):
        d.show(sizes, weights, biases, ["x1", "x2"], ["relu", "sigmoid"])
        text = lines(d)
        assert "1 relu 64" in text[0]
        assert any("…" in line for line in text[1:])
        cap = d.size.height - 1
        k = (cap - 1) // 2
        assert k >= 1
        shown = [i for i in range(64) if d.neuron_position(1, i) is not None]
        assert shown == [*range(k), *range(64 - k, 64)]
        assert "\n".join(text[1:]).count(MARKER) == 2 + 2 * k + 1
        ys = [d.neuron_position(1, i)[1] for i in shown]
        assert ys == sorted(ys) and len(set(ys)) == len(ys)

    run_app(body, height=12)


def test_keys_move_the_selection_and_post_messages():
    sizes = [2, 3, 2, 1]
    weights, biases = random_net(sizes, seed=1)

    async def body(app, pilot, d):
        d.show(sizes, weights, biases, ["x1", "x2"], ["tanh", "tanh", "sigmoid"])
        d.focus()
        await pilot.pause()
        await pilot.press("down")  # nothing selected yet: the first input
        assert d.selected_neuron == (0, 0)
        await pilot.press("right", "down", "down", "down")  # clamps at the last neuron
        assert d.selected_neuron == (1, 2)
        await pilot.press("up", "enter")
        await pilot.pause()
        assert d.selected_neuron == (1, 1)
        msg = app.messages[-1]
        assert isinstance(msg, NetworkDiagram.NeuronSelected)
        assert (msg.layer, msg.index) == (1, 1)
        assert d.border_subtitle == f"neuron 2 of layer 1 · b = {biases[0][1]:.4f}"

        await pilot.press("i")
        await pilot.pause()
        msg = app.messages[-1]
        assert isinstance(msg, NetworkDiagram.LinkSelected)
        assert (msg.layer, msg.row, msg.col) == (1, 1, 0)
        assert msg.value == weights[0][1, 0]
        assert d.selected_link == (1, 1, 0)
        assert d.border_subtitle == f"w¹₂₁ = {weights[0][1, 0]:.4f} (x1 → neuron 2 of layer 1)"
        await pilot.press("i", "i")  # x2, then back to x1
        await pilot.pause()
        assert [(m.col, m.value) for m in app.messages[-2:]] == [(1, weights[0][1, 1]), (0, weights[0][1, 0])]

        await pilot.press("right", "right", "right", "enter")  # stops at the output layer
        await pilot.pause()
        assert d.selected_link is None
        msg = app.messages[-1]
        assert (msg.layer, msg.index) == (3, 0)
        await pilot.press("i")
        await pilot.pause()
        assert app.messages[-1].value == weights[2][0, 0]
        assert d.border_subtitle.startswith("w³₁₁ = ") and "(neuron 1 of layer 2 → neuron 1 of layer 3)" in d.border_subtitle
        await pilot.press("left", "left", "left", "left")
        assert d.selected_neuron[0] == 0

    run_app(body)


def test_selection_is_drawn():
    sizes = [2, 3, 1]
    weights, biases = random_net(sizes)

    async def body(app, pilot, d):
        d.show(sizes, weights, biases, ["x1", "x2"], ["tanh", "sigmoid"])
        before = lines(d)
        d.select_neuron(1, 1)
        after = lines(d)
        x, y = d.neuron_position(1, 1)
        assert after[y][x - 1 : x + 2] == "[█]"
        assert before[y][x - 1 : x + 2] == MARKER
        d.select_link(1, 2, 0)
        link_styles = {seg.style for seg in cells(d).values() if is_braille(seg.text) and seg.style.reverse}
        assert link_styles  # the selected link is drawn in reverse video

    run_app(body)


def test_clicks_select_neurons_and_links():
    sizes = [2, 3, 2]
    weights, biases = random_net(sizes, seed=2)

    async def body(app, pilot, d):
        d.show(sizes, weights, biases, ["x1", "x2"], ["tanh", "softmax"])
        x, y = d.neuron_position(2, 1)
        gutter = d.gutter
        assert await pilot.click(NetworkDiagram, offset=(x + gutter.left, y + gutter.top))
        await pilot.pause()
        msg = app.messages[-1]
        assert isinstance(msg, NetworkDiagram.NeuronSelected)
        assert (msg.layer, msg.index) == (2, 1)
        assert d.selected_neuron == (2, 1)

    run_app(body)

    async def one_link(app, pilot, d):
        d.show([1, 1], [np.array([[-0.37]])], [np.zeros(1)], ["x1"], ["linear"])
        xs = sorted(link_cells(d, orangeish))
        x, y = xs[len(xs) // 2]
        gutter = d.gutter
        assert await pilot.click(NetworkDiagram, offset=(x + gutter.left, y + gutter.top))
        await pilot.pause()
        msg = app.messages[-1]
        assert isinstance(msg, NetworkDiagram.LinkSelected)
        assert (msg.layer, msg.row, msg.col, msg.value) == (1, 0, 0, -0.37)
        assert d.selected_link == (1, 0, 0)

    run_app(one_link)


def test_highlight_changes_the_picture_and_shows_the_arrow():
    sizes = [2, 4, 4, 1]
    weights, biases = random_net(sizes)

    async def body(app, pilot, d):
        d.show(sizes, weights, biases, ["x1", "x2"], ["tanh", "tanh", "sigmoid"])
        before = [d.render_line(y) for y in range(d.size.height)]
        d.highlight(2, "backward")
        after = [d.render_line(y) for y in range(d.size.height)]
        assert "←" in lines(d)[0]
        assert "← 2 tanh 4" in lines(d)[0]
        assert sum(list(a) != list(b) for a, b in zip(before, after, strict=True)) > 2
        d.highlight(2, "forward")
        assert "→" in lines(d)[0] and "←" not in lines(d)[0]
        d.highlight(None)
        restored = [d.render_line(y) for y in range(d.size.height)]
        assert all(list(a) == list(b) for a, b in zip(before, restored, strict=True))

    run_app(body)


def test_render_line_returns_prebuilt_strips():
    sizes = [2, 4, 1]
    weights, biases = random_net(sizes)

    async def body(app, pilot, d):
        d.show(sizes, weights, biases, ["x1", "x2"], ["tanh", "sigmoid"])
        first = [d.render_line(y) for y in range(d.size.height)]
        assert all(d.render_line(y) is first[y] for y in range(d.size.height))
        assert all(strip.cell_length == d.size.width for strip in first)

    run_app(body)


def test_maxout_links_show_the_strongest_piece():
    # 2 units × 2 pieces: rows 0, 1 are unit 0's pieces, rows 2, 3 unit 1's.
    W1 = np.array([[0.1, -0.9], [0.5, 0.2], [-0.3, 0.0], [0.2, 0.7]])
    b1 = np.array([0.1, -0.4, 0.2, 0.3])

    async def body(app, pilot, d):
        d.show([2, 2, 1], [W1, np.ones((1, 2))], [b1, np.zeros(1)], ["x1", "x2"], ["maxout", "sigmoid"])
        assert "1 maxout×2 2" in lines(d)[0]
        d.select_neuron(1, 0)
        d.focus()
        await pilot.pause()
        await pilot.press("i", "i")
        await pilot.pause()
        a, b = app.messages[-2:]
        assert (a.row, a.col, a.value, a.piece) == (0, 0, 0.5, 1)
        assert (b.row, b.col, b.value, b.piece) == (0, 1, -0.9, 0)
        d.select_neuron(1, 1)
        assert d.border_subtitle == "neuron 2 of layer 1 · b = (0.2000, 0.3000)"

    run_app(body)


def test_helpers():
    assert lecture_weight_name(1, 2, 1) == "w¹₂₁"
    assert lecture_weight_name(2, 12, 3) == "w²₁₂,₃"
    placed = place_titles([["x"], ["1 tanh 8", "1 tanh 8"], ["out sigmoid 1", "out σ 1"]], [2, 10, 18], 20)
    ends = [x + len(t) for t, x in placed]
    assert placed[0][1] >= 0 and ends[-1] <= 20
    assert all(ends[i] < placed[i + 1][1] for i in range(len(placed) - 1))
    assert placed[2][0] == "out σ 1"
    mask, owner = rasterize_links(4, 1, [0, 0], [1, 1], [7, 7], [1, 1], [2.0, 1.0])
    assert (owner == 0).all() and (mask == 0x12).all()

"""TF Playground's neuron pictures: the session's per-neuron maps, the pure render functions
(tuinn/tui/render/neuron_maps.py) and the network diagram drawing them.

The maps are checked against the functions they must be (a tanh neuron with weights (1, 0)
is tanh(x1) over the plane, the output neuron is the model's output); the pictures against
the colours those values must take.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tests.specs import spirals_3
from tuinn.config.experiments import resolve
from tuinn.config.spec import loads
from tuinn.session.playground import MAP_RESOLUTION, Playground, default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.render.colormap import SHADES
from tuinn.tui.render.neuron_maps import MIN_WIDTH, box_size, layer_pictures, picture_width, resample, signed
from tuinn.tui.widgets.network_diagram import BIAS_MARK, NetworkDiagram

from . import fixed_state
from .snapshot_harness import Snap, pin_environment, prepare


def centres(lo: float, hi: float, n: int = MAP_RESOLUTION) -> np.ndarray:
    return lo + (np.arange(n) + 0.5) * (hi - lo) / n


@pytest.fixture(scope="module")
def playground() -> Playground:
    """TF Playground's default (circle, x1 x2, 2-4-2-1 tanh, sigmoid output), untrained; neuron 1 of
    layer 1 set to weights (1, 0) and bias 0."""
    pg = Playground(default_experiment())
    params = pg.trainer.model.get_parameters()
    params["1.W"][0] = [1.0, 0.0]
    params["1.b"][0] = 0.0
    pg.trainer.model.set_parameters(params)
    pg.refresh()
    return pg


# ------------------------------------------------------------------ session maps
def test_maps_are_the_neurons_outputs_over_the_plane(playground: Playground) -> None:
    s = playground.snapshot()
    maps = s.neuron_maps
    assert maps is not None and [m.shape for m in maps] == [(n, MAP_RESOLUTION, MAP_RESOLUTION) for n in s.layer_sizes]
    x1 = centres(-6.0, 6.0)
    x2_top_first = centres(-6.0, 6.0)[::-1]
    # Inputs as the network sees them: x1 grows to the right, x2 upwards (row 0 is the top).
    assert np.allclose(maps[0][0], np.broadcast_to(x1, (MAP_RESOLUTION, MAP_RESOLUTION)))
    assert np.allclose(maps[0][1], np.broadcast_to(x2_top_first[:, None], (MAP_RESOLUTION, MAP_RESOLUTION)))
    # The tanh neuron with weights (1, 0), bias 0: tanh(x1) across the plane, whatever x2.
    assert np.allclose(maps[1][0], np.tanh(x1)[None, :], atol=1e-6)
    # Every other neuron: its layer's activation of the one before; the output is the model's output.
    t = playground.trainer
    gx, gy = np.meshgrid(x1, x2_top_first)
    out = t.probabilities(t.outputs(np.column_stack([gx.ravel(), gy.ravel()]).astype(t.x.dtype)))
    assert np.allclose(maps[-1][0].ravel(), out[:, 0], atol=1e-6)
    W2, b2 = s.weights[1], s.biases[1]
    assert np.allclose(maps[2], np.tanh(np.einsum("jk,krc->jrc", W2, maps[1]) + b2[:, None, None]), atol=1e-6)


def test_maps_follow_the_weights_and_can_be_switched_off(playground: Playground) -> None:
    before = playground.snapshot()
    params = playground.trainer.model.get_parameters()
    params["1.W"][0] = [0.0, -2.0]
    playground.trainer.model.set_parameters(params)
    playground.refresh()
    after = playground.snapshot()
    assert after.version > before.version
    assert np.allclose(after.neuron_maps[1][0], np.tanh(-2.0 * centres(-6.0, 6.0)[::-1])[:, None], atol=1e-6)
    params["1.W"][0] = [1.0, 0.0]
    playground.trainer.model.set_parameters(params)
    playground.map_resolution = 0
    playground.refresh()
    assert playground.snapshot().neuron_maps is None
    playground.map_resolution = MAP_RESOLUTION
    playground.refresh()


def test_one_dimensional_data_gives_one_row_maps() -> None:
    pg = Playground(loads(*resolve("sine")))
    maps = pg.snapshot().neuron_maps
    assert maps is not None and all(m.shape[1:] == (1, MAP_RESOLUTION) for m in maps)
    x0, x1 = pg.extent[:2]
    assert np.allclose(maps[0][0, 0], centres(x0, x1))


class WithoutEngine:
    """A backend model without an engine network (as the torch backend's), around a numpy one."""

    def __init__(self, model: object) -> None:
        self._model = model

    def __getattr__(self, name: str) -> object:
        if name == "network":
            raise AttributeError(name)
        return getattr(self._model, name)


def test_a_backend_without_an_engine_network_gets_the_same_maps(playground: Playground) -> None:
    """The torch backend has no engine network: the session builds an engine copy once and gives it each
    snapshot's parameters (a stand-in model here: importing torch would cost seconds of the suite)."""
    pg = Playground(default_experiment())
    engine = pg.snapshot().neuron_maps
    params = pg.trainer.model.get_parameters()
    pg.trainer.model = WithoutEngine(pg.trainer.model)  # type: ignore[assignment]
    assert not hasattr(pg.trainer.model, "network")
    params["1.W"][0] = [1.0, 0.0]  # a change of weights reaches the copy too
    params["1.b"][0] = 0.0
    pg.trainer.model.set_parameters(params)
    pg.refresh()
    maps = pg.snapshot().neuron_maps
    assert engine is not None and maps is not None
    assert np.allclose(maps[0], engine[0])
    assert np.allclose(maps[1][0], np.tanh(centres(-6.0, 6.0))[None, :], atol=1e-6)
    assert np.allclose(maps[1][1:], engine[1][1:])


# ------------------------------------------------------------------ render functions
def test_resample_interpolates_at_pixel_centres() -> None:
    grid = np.arange(16.0).reshape(4, 4)
    assert resample(grid, (4, 4)).tolist() == grid.tolist()
    # Half the pixels: each pixel centre lies amid four grid points, its value their mean (no half-cell shift).
    assert resample(grid, (2, 2)).tolist() == [[grid[:2, :2].mean(), grid[:2, 2:].mean()], [grid[2:, :2].mean(), grid[2:, 2:].mean()]]
    assert resample(np.array([[1.0, 2.0]]), (3, 2)).tolist() == [[1.0, 2.0]] * 3  # 1-D: every row
    plane = np.add.outer(np.arange(16.0), np.arange(16.0))  # linear: interpolation is exact
    small = resample(plane, (5, 7))
    assert np.allclose(small, np.add.outer((np.arange(5) + 0.5) * 16 / 5 - 0.5, (np.arange(7) + 0.5) * 16 / 7 - 0.5))


def test_colour_scales() -> None:
    inputs = np.stack([np.full((2, 2), 3.0), np.full((2, 2), -0.5)])
    assert np.allclose(signed(inputs, "", is_input=True), [np.ones((2, 2)), -np.ones((2, 2))])  # each input its own range
    assert np.allclose(signed(np.array([[[0.25, 0.5, 1.0]]]), "sigmoid", False), [[[-0.5, 0.0, 1.0]]])  # a probability, around 0.5
    assert np.allclose(signed(np.array([[[0.2, -0.4]]]), "tanh", False), [[[0.2, -0.4]]])  # its own range
    relu = np.stack([np.full((1, 2), 4.0), np.full((1, 2), 1.0)])
    assert np.allclose(signed(relu, "relu", False), [np.ones((1, 2)), np.full((1, 2), 0.25)])  # the layer's largest
    assert np.allclose(signed(np.array([[[np.nan, np.inf]]]), "relu", False), 0.0)
    held = np.stack([np.full((2, 2), 1e-17), np.full((2, 2), 2.0)])  # an input held at its (standardised) mean
    assert np.allclose(signed(held, "", is_input=True)[0], 0.0)  # grey, not a full colour out of rounding


def test_a_tanh_of_x1_picture_runs_from_orange_to_blue() -> None:
    x1 = centres(-6.0, 6.0)
    maps = np.tanh(np.broadcast_to(x1, (MAP_RESOLUTION, MAP_RESOLUTION)))[None]
    (picture,) = layer_pictures(maps, "tanh", False, (8, 8))
    assert picture.shape == (8, 8)
    assert (picture == picture[0]).all()  # the same in every row: no x2 in it
    assert picture[0, 0] == 0 and picture[0, -1] == SHADES - 1  # tanh(∓5.6) ≈ ∓1: full orange, full blue
    assert (np.diff(picture[0]) >= 0).all()  # monotonic
    assert (picture[0] + picture[0, ::-1] == SHADES - 1).all()  # tanh is odd: mirrored shades about the grey centre


def test_box_size_fits_the_space() -> None:
    assert box_size(62, 24, 4, 4, 2) == (8, 4)  # the default net at 160×48
    assert box_size(33, 12, 4, 4, 2) == (4, 2)  # and at 100×30
    assert box_size(33, 12, 6, 4, 2) == (MIN_WIDTH, 1)  # six neurons do not fit two-row pictures in 12 rows
    assert box_size(200, 200, 2, 2, 0) == (picture_width(5), 5)
    w, h = box_size(62, 24, 4, 4, 2)
    assert 3 + 4 * w + 3 * w <= 62 and 4 * (h + 1) <= 24


# ------------------------------------------------------------------ the diagram
class DiagramApp(App[None]):
    def compose(self) -> ComposeResult:
        d = NetworkDiagram()
        d.styles.width, d.styles.height = 60, 26
        yield d


def test_diagram_draws_each_neuron_as_its_picture(playground: Playground) -> None:
    s = playground.snapshot()

    async def main() -> None:
        app = DiagramApp()
        async with app.run_test(size=(70, 30)) as pilot:
            await pilot.pause()
            d = app.query_one(NetworkDiagram)
            d.show(list(s.layer_sizes), list(s.weights), list(s.biases), list(s.feature_names), list(s.activations),
                   maps=s.neuron_maps)
            w, h = d._box
            assert h >= 2 and w == 2 * h
            rows = [list(d.render_line(y)) for y in range(d.size.height)]

            def cell(x: int, y: int):  # (char, style) of a content cell
                i = 0
                for seg in rows[y]:
                    if x < i + len(seg.text):
                        return seg.text[x - i], seg.style
                    i += len(seg.text)
                raise IndexError(x)

            def rgb(color) -> tuple[int, int, int]:
                t = color.get_truecolor()
                return t.red, t.green, t.blue

            for layer, n in enumerate(s.layer_sizes):
                for i in range(n):
                    cx, cy = d.neuron_position(layer, i)
                    x = cx - w // 2
                    top = cy - (h - 1) // 2
                    assert all(cell(x + dx, top + dy)[0] == "▀" for dx in range(w) for dy in range(h))
            # Neuron 1 of layer 1 is tanh(x1): orange on its left, blue on its right, in every row.
            cx, cy = d.neuron_position(1, 0)
            x, top = cx - w // 2, cy - (h - 1) // 2
            for dy in range(h):
                left, right = cell(x, top + dy)[1], cell(x + w - 1, top + dy)[1]
                assert rgb(left.color)[0] > rgb(left.color)[2] + 60 and rgb(left.bgcolor)[0] > rgb(left.bgcolor)[2] + 60
                assert rgb(right.color)[2] > rgb(right.color)[0] + 60
            # Input x2 grows upwards: blue at the top, orange at the bottom.
            cx, cy = d.neuron_position(0, 1)
            top_style, bottom_style = cell(cx, cy - (h - 1) // 2)[1], cell(cx, cy + h // 2)[1]
            assert rgb(top_style.color)[2] > rgb(top_style.color)[0] and rgb(bottom_style.bgcolor)[0] > rgb(bottom_style.bgcolor)[2]
            # A bias mark at each hidden and output neuron's lower left, none at the inputs.
            text = ["".join(seg.text for seg in row) for row in rows]
            assert "\n".join(text).count(BIAS_MARK) == sum(s.layer_sizes[1:])
            # The selected neuron between brackets; a click anywhere on a picture selects it.
            d.select_neuron(2, 1)
            cx, cy = d.neuron_position(2, 1)
            line = "".join(seg.text for seg in d.render_line(cy))
            assert line[cx - w // 2 - 1] == "[" and line[cx - w // 2 + w] == "]"
            corner = (cx - w // 2 + w - 1, cy + h // 2)
            assert await pilot.click(NetworkDiagram, offset=(corner[0] + d.gutter.left, corner[1] + d.gutter.top))
            await pilot.pause()
            assert d.selected_neuron == (2, 1)
            with pytest.raises(ValueError, match="maps"):
                d.show(list(s.layer_sizes), list(s.weights), list(s.biases), list(s.feature_names), list(s.activations),
                       maps=s.neuron_maps[:-1])

    asyncio.run(main())


def test_a_wide_net_gets_small_pictures_and_collapses_as_before() -> None:
    pg = Playground(spirals_3())  # 4-16-16-3-3
    s = pg.snapshot()

    async def main() -> None:
        app = DiagramApp()
        async with app.run_test(size=(70, 30)) as pilot:
            await pilot.pause()
            d = app.query_one(NetworkDiagram)
            d.show(list(s.layer_sizes), list(s.weights), list(s.biases), list(s.feature_names), list(s.activations),
                   maps=s.neuron_maps)
            assert d._box == (MIN_WIDTH, 1)
            # 16 one-row pictures with a row between them do not fit 23 rows: the first and last 5 and "…".
            shown = [i for i in range(16) if d.neuron_position(1, i) is not None]
            assert shown == [*range(5), *range(11, 16)]
            ys = [d.neuron_position(1, i)[1] for i in shown]
            assert all(b - a >= 2 for a, b in itertools.pairwise(ys))  # each picture apart from the next
            assert any("…" in "".join(seg.text for seg in d.render_line(y)) for y in range(d.size.height))
            assert [d.neuron_position(3, i) is not None for i in range(3)] == [True] * 3  # a small layer: all of it
            d.styles.height = 12
            await pilot.pause()
            assert [i for i in range(16) if d.neuron_position(1, i) is not None] == [0, 1, 14, 15]

    asyncio.run(main())


# ------------------------------------------------------------------ the playground, photographed
async def select(pilot: Pilot[None], layer: int, index: int) -> None:
    """Select neuron (layer, index) as a click or enter does: the diagram marks it and the boundary shows its map."""
    app = pilot.app
    d = app.playground_screen.query_one(NetworkDiagram)
    d.select_neuron(layer, index)
    d.post_message(NetworkDiagram.NeuronSelected(d, layer, index))
    await pilot.pause()
    app.refresh_view()
    await pilot.pause()
    assert app.playground.neuron == (layer, index)
    assert app.playground.snapshot().caption == f"output of neuron {index + 1} of layer {layer}"


def test_trained_spiral_net_with_small_pictures(snap: Snap) -> None:
    """160×48: the frozen spiral net (4 inputs, 16-16-3-3): 16 neurons a layer get one-row pictures;
    neuron 4 of layer 1 selected, its map large in the boundary panel."""
    app = TuinnApp(spirals_3())

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()
        fixed_state.set_weights(app.playground, fixed_state.load("spirals-3"))
        await select(pilot, 1, 3)
        assert app.playground_screen.query_one(NetworkDiagram)._box == (MIN_WIDTH, 1)

    assert snap(app, run_before=run_before)


def test_default_playground_at_100x30(snap_compare: Callable[..., bool], monkeypatch: pytest.MonkeyPatch) -> None:
    """100×30: TF Playground's default net, untrained; its pictures two rows tall."""
    pin_environment(monkeypatch)
    app = TuinnApp(default_experiment())

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()
        app.refresh_view()
        await pilot.pause()
        assert app.playground_screen.query_one(NetworkDiagram)._box == (4, 2)

    assert snap_compare(app, terminal_size=(100, 30), run_before=prepare(app, run_before))

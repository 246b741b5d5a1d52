"""The neuron lab driven with Pilot: every key, and the drawn numbers against the engine.

What is drawn (the curve's arrays, the plane's values) must be exactly what a one-unit
Dense layer computes; the live sentence must carry the slope w·f'(0) and the middle
x = −b/w, checked here against closed forms (σ'(0) = 1/4, tanh'(0) = 1, …).
"""

from __future__ import annotations

import asyncio

import numpy as np

from tuinn.course.labs import load_lab
from tuinn.engine.activations import make_activation
from tuinn.engine.layers import Dense
from tuinn.tui.screens.labs.neuron_lab import ACTIVATIONS, NeuronLab
from tuinn.tui.widgets.decision_boundary import DecisionBoundary, grid_points
from tuinn.tui.widgets.function_plot import FunctionPlot
from tuinn.tui.widgets.lab_text import LabText

from .host import Host

SIZE = (160, 48)
#: f'(0) from the closed forms (just right of 0 for the kinked ones).
SLOPE_AT_0 = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "leaky_relu": 1.0, "elu": 1.0, "linear": 1.0}


def run(coro) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(coro)


def dense_out(weights: list[float], b: float, activation: str, x: np.ndarray) -> np.ndarray:
    layer = Dense(np.array([weights], dtype=float), np.array([b]), make_activation(activation))
    return layer.forward(x.reshape(len(x), -1))[:, 0]


def live(screen: NeuronLab) -> str:
    return str(screen.query_one("#neuron-live").render())


def check_curve(screen: NeuronLab) -> None:
    """The drawn curve is the engine's a = f(w·x + b); the reference is f(x); the line sits at −b/w."""
    plot = screen.query_one("#neuron-curve", FunctionPlot)
    a = plot.curves[1]
    assert a.label.startswith(f"a = {screen.activation}(")
    np.testing.assert_array_equal(a.y, dense_out([screen.w], screen.b, screen.activation, a.x))
    ref = plot.curves[0]
    np.testing.assert_array_equal(ref.y, dense_out([1.0], 0.0, screen.activation, ref.x))
    assert a.x[0] == -6.0 and a.x[-1] == 6.0
    if screen.w != 0:
        assert [v.x for v in plot.vlines] == [-screen.b / screen.w]
    else:
        assert plot.vlines == ()


def shown(widget) -> bool:  # type: ignore[no-untyped-def]
    """On screen now (a widget under a ``display: none`` parent has no region)."""
    return widget.region.area > 0


async def started(pilot) -> NeuronLab:  # type: ignore[no-untyped-def]
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, NeuronLab)
    return screen


def test_arrows_move_w_and_b_and_the_curve_and_sentence_follow() -> None:
    async def go() -> None:
        app = Host(NeuronLab(load_lab("neuron")))
        async with app.run_test(size=SIZE) as pilot:
            s = await started(pilot)
            assert (s.w, s.b, s.activation, s.two_inputs) == (1.0, 0.0, "sigmoid", False)
            check_curve(s)
            await pilot.press("right", "right", "right", "up", "up")
            assert (s.w, s.b) == (1.3, 0.2)
            check_curve(s)
            await pilot.press("shift+right", "shift+up", "left", "down")
            assert (s.w, s.b) == (2.2, 1.1)
            check_curve(s)
            text = live(s)
            assert f"w·f'(0) = 2.2 × 0.25 = {2.2 * 0.25:.2f}" in text and "steeper than w = 1" in text
            assert f"x = −b/w = −{1.1 / 2.2:.2f}" in text
            await pilot.press("shift+left", "shift+left", "shift+down", "shift+down")
            assert (s.w, s.b) == (0.2, -0.9)
            check_curve(s)
            assert "flatter than w = 1" in live(s) and f"x = −b/w = {0.9 / 0.2:.2f}" in live(s)
            await pilot.press("shift+left")  # w < 0 mirrors the curve
            assert s.w == -0.8
            check_curve(s)
            assert "mirrors" in live(s)
    run(go())


def test_sliders_stop_at_plus_minus_10_and_w_0_is_flat() -> None:
    async def go() -> None:
        app = Host(NeuronLab(load_lab("neuron")))
        async with app.run_test(size=SIZE) as pilot:
            s = await started(pilot)
            s.w, s.b = 9.5, -9.5  # near the ends, so that few presses reach them
            await pilot.press("shift+right", "shift+right", "shift+down", "down")
            assert (s.w, s.b) == (10.0, -10.0)
            check_curve(s)
            await pilot.press("0")
            assert (s.w, s.b) == (1.0, 0.0)
            await pilot.press("shift+left")
            assert s.w == 0.0
            check_curve(s)
            assert "is flat" in live(s) and f"f(b) = {0.5:.2f}" in live(s)
    run(go())


def test_f_cycles_the_activations_and_the_slope_uses_the_engines_derivative() -> None:
    async def go() -> None:
        app = Host(NeuronLab(load_lab("neuron")))
        async with app.run_test(size=SIZE) as pilot:
            s = await started(pilot)
            await pilot.press("shift+right", "up")  # w = 2, b = 0.1
            seen = [s.activation]
            for _ in ACTIVATIONS:
                check_curve(s)
                slope = SLOPE_AT_0[s.activation]
                kink = "f'(0⁺)" if s.activation in ("relu", "leaky_relu") else "f'(0)"
                assert f"w·{kink} = 2.0 × {slope:.2f} = {2 * slope:.2f}" in live(s), (s.activation, live(s))
                await pilot.press("f")
                seen.append(s.activation)
            assert seen == [*ACTIVATIONS, ACTIVATIONS[0]]
    run(go())


def test_2_shows_the_plane_of_a_dense_layer_and_its_keys() -> None:
    async def go() -> None:
        app = Host(NeuronLab(load_lab("neuron")))
        async with app.run_test(size=SIZE) as pilot:
            s = await started(pilot)
            await pilot.press("2")
            await pilot.pause()
            assert s.two_inputs
            curve, plane = s.query_one("#neuron-curve", FunctionPlot), s.query_one("#neuron-plane", DecisionBoundary)
            assert shown(plane) and not shown(curve)
            # ←/→ w₁, ↓/↑ w₂, [/] b, shift for ±1
            await pilot.press("right", "up", "up", "right_square_bracket", "shift+up", "right_curly_bracket", "left_square_bracket")
            assert (s.w, s.w2, s.b) == (1.1, 2.2, 1.0)
            await pilot.press("f")
            await pilot.pause()
            view = plane.view
            assert view is not None and view.kind == "regression"
            assert view.values.shape == plane.pixel_shape()
            grid = grid_points(view.extent, view.values.shape)
            assert view.extent == (-6.0, 6.0, -6.0, 6.0)
            np.testing.assert_array_equal(view.values, dense_out([1.1, 2.2], 1.0, "tanh", grid).reshape(view.values.shape))
            # the dots lie on the line w₁·x₁ + w₂·x₂ + b = 0
            assert len(view.train_points) > 5
            np.testing.assert_allclose(view.train_points @ np.array([1.1, 2.2]) + 1.0, 0.0, atol=1e-9)
            text = live(s)
            assert "1.1·x₁ + 2.2·x₂ + 1.0 = 0" in text
            assert f"−b/w₁ = −{1.0 / 1.1:.2f}" in text and f"−b/w₂ = −{1.0 / 2.2:.2f}" in text
            assert f"|b|/‖w‖ = {1.0 / np.hypot(1.1, 2.2):.2f}" in text
            # the footer names the sliders of this mode
            assert s.active_bindings["down"].binding.description == "w₂"
            await pilot.press("2")
            await pilot.pause()
            assert not s.two_inputs and shown(curve) and not shown(plane)
            assert s.active_bindings["down"].binding.description == "b"
            await pilot.press("up", "right_square_bracket")  # ↑ is b again; [ ] only act with two inputs
            assert (s.w, s.w2, s.b) == (1.1, 2.2, 1.1)
            check_curve(s)
    run(go())


def test_0_resets_and_escape_dismisses() -> None:
    async def go() -> None:
        app = Host(NeuronLab(load_lab("neuron")))
        async with app.run_test(size=SIZE) as pilot:
            s = await started(pilot)
            await pilot.press("2", "shift+right", "shift+down", "right_curly_bracket", "0")
            assert (s.w, s.w2, s.b) == (1.0, 1.0, 0.0)
            assert "1.0·x₁ + 1.0·x₂ + 0.0 = 0" in live(s)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, NeuronLab)
    run(go())


def test_title_text_and_lesson_above_the_lab_text() -> None:
    async def go() -> None:
        lab = load_lab("neuron")
        app = Host(NeuronLab(load_lab("neuron"), "## 1. The artificial neuron\n\nA lesson's words."))
        async with app.run_test(size=SIZE) as pilot:
            s = await started(pilot)
            assert s.title == lab.title
            doc = s.query_one(LabText).document
            assert doc.index("A lesson's words.") < doc.index(lab.text[:40])
            assert "w sets the steepness" in doc
    run(go())

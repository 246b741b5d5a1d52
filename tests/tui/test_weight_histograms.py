"""Weight histograms in the playground (`f`: heatmaps → W over the epochs → b) and gradient
histograms in the step-through (`f`: |∂L/∂W| per layer on one log axis)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import numpy as np
from textual.app import ComposeResult
from textual.screen import Screen

from tuinn.config.spec import loads
from tuinn.session.playground import default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.render.log_histogram import gradient_lines, magnitude_range
from tuinn.tui.screens.step_screen import StepScreen
from tuinn.tui.step_app import StepApp
from tuinn.tui.widgets.gradient_histogram import GradientHistogram
from tuinn.tui.widgets.weight_heatmap import WeightHeatmap

from . import fixed_state
from .host import Host
from .snapshot_harness import Snap, pressing
from .test_app import settle

SIZE = (100, 30)


def deep(activation: str, depth: int = 6) -> str:
    """A deep narrow net on the circle: sigmoid's gradients vanish towards the input, ReLU's do not."""
    hidden = "".join(f'[[model.layers]]\nunits = 8\nactivation = "{activation}"\n' for _ in range(depth))
    return f"""
name = "deep-{activation}"
seed = 0
[data]
source = "circle"
samples = 100
{hidden}
[[model.layers]]
units = 1
activation = "sigmoid"
[train]
loss = "bce"
optimizer = "sgd"
learning_rate = 0.03
batch_size = 10
"""


def medians(lines: list[str]) -> list[float]:
    return [float(m.group(1)) for line in lines if (m := re.search(r"median (\S+)", line))]


def test_f_cycles_the_weights_panel_and_the_history_follows_the_run(tmp_path: Path) -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            heat = app.query_one(WeightHeatmap)
            assert heat.view == "heatmap"
            await pilot.press("f", "n", "n")  # epoch 0 was recorded at the first frame, in the heatmap view
            await settle(pilot)
            epochs = heat.history.epochs.tolist()  # 0, 2, and 1 if the timer drew between the keys
            assert heat.view == "W" and epochs[0] == 0 and epochs[-1] == 2 and epochs == sorted(set(epochs))
            assert str(heat.border_subtitle) == "W percentiles · epochs 0–2"
            strips = [heat.render_line(y).text for y in range(heat.size.height)]
            assert any("W1 4×2" in s for s in strips) and any("W3 1×2" in s for s in strips)
            assert any("┤▀" in s for s in strips)  # a y axis and its picture
            w1 = app.playground.snapshot().weights[0]
            np.testing.assert_allclose(heat.history.series(0)[-1][[0, 4, 8]], [w1.min(), np.median(w1), w1.max()])
            app.playground.save(tmp_path / "run")  # epoch 2
            await pilot.press("f", "r", "n")  # the biases; reset: back to epoch 0, then 1
            await settle(pilot)
            strips = [heat.render_line(y).text for y in range(heat.size.height)]
            assert heat.view == "b" and any("b1 4" in s for s in strips)
            assert heat.history.epochs.tolist()[-1] == 1 and 2 not in heat.history.epochs
            # Loaded at epoch 2: another run, not epoch 2 of this one (the trainer names the run).
            assert app.playground_screen.load(tmp_path / "run")
            await settle(pilot)
            assert heat.history.epochs.tolist() == [2]
            await pilot.press("f")
            assert heat.view == "heatmap"
    asyncio.run(go())


def test_deep_sigmoid_gradients_vanish_towards_the_input_on_the_step_screen() -> None:
    async def go() -> None:
        app = StepApp(loads(deep("sigmoid")))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, StepScreen)
            panel = screen.query_one(GradientHistogram)
            assert not panel.display
            await pilot.press("f")
            await pilot.pause()
            assert panel.display and len(panel.lines) == 7 + 2
            lines = [t.plain for t in panel.lines]
            first, last = medians(lines)[0], medians(lines)[-1]
            trace = screen.session.trace
            assert first == float(f"{np.median(np.abs(trace.layers[0].dL_dW)):.1e}")
            assert last / first > 1e3  # three orders of magnitude between the last layer and the first
            # and the picture says so: the first layer's bars stand decades left of the last's
            bins = [line.split("│")[1] for line in lines[:7]]
            centre = [np.mean([i for i, c in enumerate(row) if c != " "]) for row in bins]
            lo, hi = magnitude_range([t.dL_dW for t in trace.layers])
            decade = len(bins[0]) / (hi - lo)
            assert centre[-1] - centre[0] > 3 * decade
            assert all(f"1e{e}" in lines[-1] for e in range(lo + 1, hi))  # every decade labelled
            await pilot.press("u")  # the next batch: the panel follows
            await pilot.pause()
            assert medians([t.plain for t in panel.lines])[0] == float(
                f"{np.median(np.abs(screen.session.trace.layers[0].dL_dW)):.1e}")
            await pilot.press("f")
            await pilot.pause()
            assert not panel.display
    asyncio.run(go())


def test_relu_gradients_do_not_vanish_like_sigmoid() -> None:
    from tuinn.session.stepping import StepSession
    from tuinn.training.trainer import Trainer

    trace = StepSession(Trainer(loads(deep("relu")))).trace
    got = medians([t.plain for t in gradient_lines([t.dL_dW for t in trace.layers], [str(i) for i in range(7)], 100)])
    assert got[-1] / got[0] < 10


# ---------------------------------------------------------------- snapshots
class Bands(Screen[None]):
    """The Weights panel alone, in its W view, over a history of fixed numbers: the frozen
    spiral weights shrunk to a fifth at epoch 0 and growing to themselves by epoch 400
    (how a trained layer spreads out), plus noise of a fixed seed."""

    def compose(self) -> ComposeResult:
        yield WeightHeatmap(id="weights")

    def on_mount(self) -> None:
        params = fixed_state.load("spirals-3")
        n = len(params) // 2
        weights = [params[f"{i}.W"] for i in range(1, n + 1)]
        biases = [params[f"{i}.b"] for i in range(1, n + 1)]
        heat = self.query_one(WeightHeatmap)
        heat.styles.width, heat.styles.height = 64, 19  # the Weights panel of the playground at 160×48
        heat.border_title = "Weights (5)"
        rng = np.random.default_rng(0)
        for epoch in range(0, 401, 10):
            scale = 0.2 + 0.8 * epoch / 400
            heat.record("run", epoch, [w * scale + rng.normal(0, 0.02, w.shape) for w in weights], biases)
        heat.show(weights, [f"W{i}" for i in range(1, n + 1)])
        heat.view = "W"


class DeepBands(Screen[None]):
    """A 10-layer history in a panel of 40×12: not every chart fits."""

    def compose(self) -> ComposeResult:
        yield WeightHeatmap(id="weights")

    def on_mount(self) -> None:
        heat = self.query_one(WeightHeatmap)
        heat.styles.width, heat.styles.height = 40, 12
        weights = [np.full((3, 3), float(i)) for i in range(10)]
        for epoch in (0, 1):
            heat.record("run", epoch, weights, [np.zeros(3)] * 10)
        heat.show(weights, [f"W{i}" for i in range(1, 11)])
        heat.view = "W"
        heat.focus()


def test_when_not_all_layers_fit_the_brackets_move_the_window() -> None:
    async def go() -> None:
        app = Host(DeepBands())
        async with app.run_test(size=(60, 20)) as pilot:
            await pilot.pause()
            heat = app.screen.query_one(WeightHeatmap)
            subtitle = str(heat.border_subtitle)
            shown = int(re.fullmatch(r"W 1–(\d+) of 10 \(\[ \]\) · epochs 0–1", subtitle).group(1))  # type: ignore[union-attr]
            assert 1 <= shown < 10
            text = "\n".join(heat.render_line(y).text for y in range(heat.size.height))
            assert "W1 3×3" in text and "W10 3×3" not in text
            await pilot.press(*["right_square_bracket"] * 9)  # to the last layer
            await pilot.pause()
            assert heat.current_layer == 10 and str(heat.border_subtitle).startswith(f"W {11 - shown}–10 of 10")
            text = "\n".join(heat.render_line(y).text for y in range(heat.size.height))
            assert "W10 3×3" in text and "W1 3×3" not in text
            await pilot.press("down")  # the cell keys belong to the heatmaps (there: row 2)
            assert heat.selected == (10, 0, 0)
    asyncio.run(go())


def test_weight_bands_snapshot(snap: Snap) -> None:
    assert snap(Host(Bands(), title="weight bands"), run_before=pressing())


def test_gradient_histogram_snapshot(snap: Snap) -> None:
    assert snap(StepApp(loads(deep("sigmoid"))), run_before=pressing("f"))

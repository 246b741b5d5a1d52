"""The playground driven with Pilot: every control, stepping, playing, reset, editing a
weight, quitting, the NaN guard, small terminals, save/load, both backends."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import pytest
from textual.widgets import Checkbox, Select

from tuinn.config.experiments import resolve
from tuinn.config.spec import loads
from tuinn.session.playground import default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.screens.help_screen import HelpScreen
from tuinn.tui.screens.prompt import Prompt
from tuinn.tui.widgets.network_diagram import NetworkDiagram
from tuinn.tui.widgets.weight_heatmap import WeightHeatmap

SIZE = (160, 48)


def run(coro) -> None:
    asyncio.run(coro)


def rendered(widget) -> list[str]:
    """The text and styles of every line the widget shows (to see a change)."""
    return [repr(list(widget.render_line(y))) for y in range(widget.size.height)]


async def settle(pilot, seconds: float | None = None) -> None:
    """Let the app finish what the last keys started, then draw the playground as its timer would next.

    With ``seconds``, a timed pause instead: for a test that waits for time itself (a training
    thread to advance, two clicks far enough apart not to be a double click).
    """
    if seconds is not None:
        await pilot.pause(seconds)
        return
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    if isinstance(pilot.app, TuinnApp):
        pilot.app.playground_screen.refresh_view()  # skips itself when a screen is on top, as the timer's call does
    await pilot.pause()


def test_n_advances_exactly_one_epoch_and_changes_the_weights_shown() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            heat = app.query_one(WeightHeatmap)
            before_lines = rendered(heat)
            before = [w.copy() for w in app.playground.snapshot().weights]
            await pilot.press("n")
            await settle(pilot)
            assert app.playground.trainer.epoch == 1
            after = app.playground.snapshot().weights
            assert any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))
            assert rendered(heat) != before_lines
            assert "epoch 1 " in str(app.query_one("#status").render())
    run(go())


def test_play_then_pause_advances_epochs_and_reset_restores_epoch_0() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            initial = [w.copy() for w in app.playground.snapshot().weights]
            await pilot.press("space")
            await pilot.pause(0.6)
            await pilot.press("space")
            await app.workers.wait_for_complete()
            epochs = app.playground.trainer.epoch
            assert epochs > 1 and not app.playground.running
            await settle(pilot, 0.3)
            assert app.playground.trainer.epoch == epochs  # paused means paused
            await pilot.press("r")
            await settle(pilot)
            assert app.playground.trainer.epoch == 0
            for a, b in zip(initial, app.playground.snapshot().weights, strict=True):
                assert np.array_equal(a, b)
    run(go())


def test_regenerate_draws_new_data() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            points = app.playground.snapshot().train_points.copy()
            await pilot.press("g")
            await settle(pilot)
            assert app.playground.experiment.seed == 1
            assert not np.array_equal(points, app.playground.snapshot().train_points)
    run(go())


def test_typing_a_link_weight_changes_the_model_output() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            grid = app.playground.snapshot().grid.copy()
            app.query_one(NetworkDiagram).select_link(1, 0, 1)  # w¹₁₂: x2 → neuron 1 of layer 1
            await pilot.press("v")
            await settle(pilot)
            assert isinstance(app.screen, Prompt)
            prompt_input = app.screen.query_one("#prompt-input")
            prompt_input.value = ""
            await pilot.press(*"4.5", "enter")
            await settle(pilot)
            snap = app.playground.snapshot()
            assert snap.weights[0][0, 1] == 4.5
            assert not np.allclose(snap.grid, grid)
    run(go())


def test_quitting_during_training_exits_promptly() -> None:
    async def go() -> float:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("space")
            await pilot.pause(0.3)
            assert app.playground.running
            t0 = time.perf_counter()
            await pilot.press("q")
            await app.workers.wait_for_complete()
        return time.perf_counter() - t0

    # Alone it takes ~0.1 s; the bound is for a suite of 4 workers on 2 cores with torch subprocesses beside it
    # (1.05 s seen once in CI). A quit that waited for the run or a long epoch would take far longer.
    assert asyncio.run(go()) < 2.0


async def choose(pilot, app: TuinnApp, widget_id: str, value: object) -> None:
    app.query_one(f"#{widget_id}", Select).value = value
    await settle(pilot)


def test_every_control_changes_the_experiment() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            pg = app.playground
            await pilot.press("n", "n")
            await settle(pilot)
            # live: the learning rate changes without a reset
            await choose(pilot, app, "learning_rate", 0.1)
            assert pg.experiment.train.learning_rate == 0.1 and pg.trainer.model.learning_rate == 0.1
            assert pg.trainer.epoch == 2
            await choose(pilot, app, "regularization", "l2")
            await choose(pilot, app, "reg_rate", 0.01)
            assert (pg.experiment.train.l1, pg.experiment.train.l2) == (0.0, 0.01) and pg.trainer.network.l2 == 0.01
            await choose(pilot, app, "batch_size", 30)
            assert pg.experiment.train.batch_size == 30 and pg.trainer.batch_size == 30
            # architecture and data: restart at epoch 0
            await choose(pilot, app, "optimizer", "adam")
            assert pg.experiment.train.optimizer == "adam" and pg.trainer.model.optimizer.name == "adam"
            await choose(pilot, app, "activation", "relu")
            assert pg.experiment.model.layers[0].activation == "relu"
            await choose(pilot, app, "dropout", 0.2)
            assert pg.experiment.model.layers[0].dropout == 0.2
            await choose(pilot, app, "layer", 2)
            await choose(pilot, app, "activation", "elu")
            assert pg.experiment.model.layers[1].activation == "elu" and pg.experiment.model.layers[0].activation == "relu"
            await pilot.click("#add_neuron")
            await settle(pilot)
            assert [layer.units for layer in pg.experiment.model.layers] == [4, 3, 1]
            await pilot.click("#remove_neuron")
            await settle(pilot)
            assert [layer.units for layer in pg.experiment.model.layers] == [4, 2, 1]
            await pilot.click("#add_layer")
            await settle(pilot)
            assert [layer.units for layer in pg.experiment.model.layers] == [4, 2, 2, 1]
            await pilot.click("#remove_layer")
            await settle(pilot, 0.6)  # two separate clicks, not a double click
            await pilot.click("#remove_layer")
            await settle(pilot)
            assert [layer.units for layer in pg.experiment.model.layers] == [4, 1]
            assert pg.trainer.epoch == 0
            await choose(pilot, app, "noise", 0.2)
            assert pg.experiment.data.noise == 0.2
            await choose(pilot, app, "test_fraction", 0.3)
            assert pg.experiment.data.test_fraction == 0.3 and len(pg.trainer.test_idx) == 150
            # features: toggling x1^2 adds an input
            box = app.query_one("#feature-2", Checkbox)
            box.value = True
            await settle(pilot)
            assert pg.experiment.data.features == ["x1", "x2", "x1^2"] and pg.trainer.dataset.n_inputs == 3
            await choose(pilot, app, "source", "xor")
            assert pg.experiment.data.source == "xor"
            await choose(pilot, app, "source", "blobs")
            await choose(pilot, app, "classes", 4)
            assert pg.experiment.data.classes == 4 and pg.experiment.model.layers[-1].units == 4
            assert pg.experiment.train.loss == "cce" and pg.snapshot().kind == "multiclass"
            await choose(pilot, app, "problem", "regression")
            assert pg.experiment.train.loss == "mse" and pg.experiment.model.layers[-1].activation == "linear"
            assert pg.snapshot().kind == "regression"
            await choose(pilot, app, "source", "sine")
            assert pg.snapshot().kind == "curve" and pg.experiment.data.features == ["x1"]
    run(go())


def test_both_backends_train_in_the_app() -> None:
    pytest.importorskip("torch")

    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot)
            weights = [w.copy() for w in app.playground.snapshot().weights]
            await choose(pilot, app, "backend", "torch")
            pg = app.playground
            assert pg.trainer.model.name == "torch" and pg.trainer.epoch == 1
            for a, b in zip(weights, pg.snapshot().weights, strict=True):
                assert np.array_equal(a, b)  # the weights cross over
            await pilot.press("n")
            await settle(pilot)
            assert pg.trainer.epoch == 2 and "torch on cpu" in str(app.query_one("#status").render())
    run(go())


def test_a_non_finite_loss_pauses_and_keeps_the_last_finite_weights() -> None:
    text, source = resolve("reg-plane")
    exp = loads(text.replace("learning_rate = 0.01", "learning_rate = 10.0").replace('optimizer = "adam"', 'optimizer = "sgd"'), source)

    async def go() -> None:
        app = TuinnApp(exp)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("space")
            for _ in range(40):
                await pilot.pause(0.05)
                if not app.playground.running:
                    break
            await app.workers.wait_for_complete()
            s = app.playground.snapshot()
            assert not s.running and "diverged" in s.message
            assert all(np.isfinite(w).all() for w in s.weights)
            assert "diverged" in str(app.query_one("#status").render())
    run(go())


def test_a_small_terminal_asks_for_more_room_and_recovers() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=(70, 20)) as pilot:
            await settle(pilot)
            assert app.screen.has_class("too-small")
            assert app.query_one("#too-small").display
            await pilot.resize_terminal(160, 48)
            await settle(pilot, 0.3)
            assert not app.screen.has_class("too-small")
            await pilot.press("n")
            await settle(pilot)
            assert app.playground.trainer.epoch == 1
    run(go())


def test_help_screen_and_paused_app_is_idle() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, 0.3)
            frames, version = app.playground_screen.frames, app.playground.snapshot().version
            await pilot.pause(0.5)
            assert app.playground_screen.frames == frames and app.playground.snapshot().version == version
            await pilot.press("question_mark")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            await settle(pilot)
            assert not isinstance(app.screen, HelpScreen)
    run(go())


def test_selecting_a_neuron_shows_its_output(tmp_path: Path) -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            diagram = app.query_one(NetworkDiagram)
            diagram.focus()
            diagram.select_neuron(1, 2)
            await pilot.press("enter")
            await settle(pilot)
            s = app.playground.snapshot()
            assert s.caption == "output of neuron 3 of layer 1" and s.kind == "regression"
            await pilot.press("escape")
            await settle(pilot)
            assert app.playground.snapshot().kind == "binary"
    run(go())


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("n", "n", "n")
            await settle(pilot)
            weights = [w.copy() for w in app.playground.snapshot().weights]
            await pilot.press("ctrl+s")
            await settle(pilot)
            app.screen.query_one("#prompt-input").value = str(tmp_path / "saved")
            await pilot.press("enter")
            await settle(pilot)
            assert (tmp_path / "saved" / "config.toml").is_file() and (tmp_path / "saved" / "model.safetensors").is_file()
            await pilot.press("r")
            await settle(pilot)
            await pilot.press("ctrl+o")
            await settle(pilot)
            app.screen.query_one("#prompt-input").value = str(tmp_path / "saved")
            await pilot.press("enter")
            await settle(pilot)
            assert app.playground.trainer.epoch == 3
            for a, b in zip(weights, app.playground.snapshot().weights, strict=True):
                assert np.array_equal(a, b)
    run(go())


def test_view_toggles_and_speed_keys() -> None:
    async def go() -> None:
        from tuinn.session.pacing import SPEEDS
        from tuinn.tui.widgets.decision_boundary import DecisionBoundary
        from tuinn.tui.widgets.loss_plot import LossPlot

        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            boundary = app.query_one(DecisionBoundary)
            lines = rendered(boundary)
            await pilot.press("t")  # hide the test points
            await settle(pilot)
            assert not app.playground_screen.show_test and boundary.view.show_test is False and rendered(boundary) != lines
            await pilot.press("d")  # discretize
            await settle(pilot)
            assert boundary.view.discretize is True
            colours = {seg.style.color for y in range(boundary.size.height) for seg in boundary.render_line(y) if seg.style}
            assert len(colours) <= 4  # two field colours (+ the training points' colours)
            await pilot.press("o")
            await settle(pilot)
            assert app.query_one(LossPlot).log_scale
            heat = app.query_one(WeightHeatmap)
            await pilot.press("c")
            await settle(pilot)
            assert heat.global_scale
            assert app.playground_screen.speed == len(SPEEDS) - 1
            await pilot.press("minus", "minus")
            await settle(pilot)
            assert app.playground_screen.speed == len(SPEEDS) - 3
            await pilot.press("plus")
            await settle(pilot)
            assert app.playground_screen.speed == len(SPEEDS) - 2
    run(go())


def test_the_command_palette_finds_the_playground_actions_with_their_keys() -> None:
    from textual.command import CommandList, CommandPalette

    def prompts(app: TuinnApp) -> list[str]:
        commands = app.screen.query_one(CommandList)
        return [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]

    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            # Typed through the palette for two (each search costs ~2 s of Pilot time); every key is checked below.
            for typed, title, key in (("save", "Save", "ctrl+s"), ("faster", "Faster", "+")):
                await pilot.press("ctrl+p")
                await settle(pilot)
                assert isinstance(app.screen, CommandPalette)
                await pilot.press(*typed)
                await pilot.pause(0.4)  # the palette searches in the background
                found = prompts(app)
                assert any(p.startswith(title) and f"key: {key}" in p for p in found), (typed, found)
                await pilot.press("escape")
                await settle(pilot)
            # the one chosen runs on the playground: "one epoch" trains one epoch
            await pilot.press("ctrl+p")
            await settle(pilot)
            await pilot.press(*"one epoch")
            await pilot.pause(0.4)
            await pilot.press("enter")
            await settle(pilot)
            assert app.playground.trainer.epoch == 1
            commands = {c.title: c.help for c in app.get_system_commands(app.playground_screen)}
            expected = {"Save": "ctrl+s", "Reset": "r", "Evaluate": "e", "Step-through": "s", "Load": "ctrl+o", "Faster": "+",
                        "Play/pause": "space"}
            assert {title: commands.get(title) for title in expected} == {title: f"key: {key}" for title, key in expected.items()}
            # under another screen the playground's actions are not offered (nor active)
            await pilot.press("e")
            await settle(pilot)
            assert app.screen is not app.playground_screen
            assert not {"Save", "Reset", "Step-through"} & {c.title for c in app.get_system_commands(app.screen)}
    run(go())

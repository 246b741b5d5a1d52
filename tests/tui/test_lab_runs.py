"""The runs lab (learning-rate, overfitting) driven with Pilot: built from the labs' data,
every key, variants in lock-step, a diverged variant that stops while the others go on."""

from __future__ import annotations

import asyncio
import dataclasses

import numpy as np
from textual.widgets import Static

from tuinn.course.labs import Group, load_lab
from tuinn.session.pacing import SPEEDS
from tuinn.tui.screens.labs.runs_lab import RunsLab
from tuinn.tui.widgets.lab_text import LabText
from tuinn.tui.widgets.loss_plot import LossPlot
from tuinn.tui.widgets.variant_view import VariantView

from .host import Host

SIZE = (160, 48)


def run(coro) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(coro)


def epochs(screen: RunsLab) -> list[int]:
    return [v.playground.trainer.epoch for v in screen.variants]


def status(screen: RunsLab) -> str:
    """The status line as drawn."""
    return str(screen.query_one("#lab-status", Static).render())


def curves(plot: LossPlot) -> dict[str, tuple[float, ...]]:
    return {name: tuple(values) for name, values in plot._curves.items() if values}


async def drawn(pilot) -> None:  # type: ignore[no-untyped-def]
    """Draw what changed now, as the lab's timer would next (the plots draw at once: the lab is paused)."""
    await pilot.pause()
    pilot.app.screen.refresh_view()
    await pilot.pause()


def test_learning_rate_lab_is_built_from_its_data_file() -> None:
    lab = load_lab("learning-rate")

    async def go() -> None:
        app = Host(RunsLab(lab, "## Lesson 7\n\nA lesson's own words."))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            screen = app.screen
            assert isinstance(screen, RunsLab)
            assert [len(g.variants) for g in lab.groups] == [3, 3]
            views = list(screen.query(VariantView))
            assert [v.label for v in views] == [label for g in lab.groups for label, _ in g.variants]
            # learning rates and optimizers as the data file sets them
            rates = [v.playground.experiment.train.learning_rate for v in screen.variants]
            assert rates == [0.0003, 0.03, 10.0, 0.003, 0.003, 3.0]
            assert [v.playground.experiment.train.optimizer for v in screen.variants][3:] == ["sgd", "adam", "sgd"]
            assert [v.playground.experiment.train.schedule.name for v in screen.variants][3:] == ["constant", "constant", "exponential"]
            # same net, same data, same initial weights
            first = screen.variants[0].playground.snapshot()
            for v in screen.variants[1:]:
                s = v.playground.snapshot()
                assert all(np.array_equal(a, b) for a, b in zip(first.weights, s.weights, strict=True))
                assert np.array_equal(first.train_points, s.train_points)
            # one overlaid plot per group, one curve per variant, in log scale
            for g, group in enumerate(lab.groups):
                plot = screen.query_one(f"#loss-{g}", LossPlot)
                assert plot.log_scale
                assert list(curves(plot)) == [label for label, _ in group.variants]
            # every boundary drawn at its widget's pixel size
            for view, v in zip(views, screen.variants, strict=True):
                assert view.snapshot is not None and view.snapshot.grid is not None
                assert view.snapshot.grid.shape == view.pixel_shape() == v.playground.grid_shape
            text = screen.query_one(LabText).document
            assert text.startswith("## Lesson 7") and lab.text in text
            assert screen.title == lab.title and "epoch 0" in status(screen)
            # the five SGD variants train as one batched network, Adam alone; the status line says so
            assert "5 of 6 batched" in status(screen)
    run(go())


def test_n_trains_one_epoch_of_every_variant_and_redraws_numbers_and_curves() -> None:
    async def go() -> None:
        app = Host(RunsLab(load_lab("learning-rate")))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            screen = app.screen
            await pilot.press("n")
            await drawn(pilot)
            assert epochs(screen) == [1] * 6
            assert "epoch 1 " in status(screen) and "paused" in status(screen)
            for view, v in zip(screen.query(VariantView), screen.variants, strict=True):
                pg = v.playground
                assert view.snapshot is not None and view.snapshot.epoch == 1
                caption = str(view.caption.render())
                assert f"{pg.train_loss[-1]:.4f}" in caption and f"{pg.test_loss[-1]:.4f}" in caption
            for g in range(2):
                for values in curves(screen.query_one(f"#loss-{g}", LossPlot)).values():
                    assert len(values) == 2  # before training and after the epoch
            await pilot.press("o")
            assert not any(p.log_scale for p in screen.query(LossPlot))
            await pilot.press("o")
            assert all(p.log_scale for p in screen.query(LossPlot))
            assert not screen.discretize
            await pilot.press("d")
            await drawn(pilot)
            assert all(view.boundary.view is not None and view.boundary.view.discretize for view in screen.query(VariantView))
            speed = screen.speed
            await pilot.press("plus")
            assert screen.speed == min(speed + 1, len(SPEEDS) - 1)
            await pilot.press("minus", "minus")
            assert screen.speed == speed - 1
    run(go())


def test_play_advances_every_variant_by_the_same_epochs_pause_holds_and_reset_restores() -> None:
    async def go() -> None:
        app = Host(RunsLab(load_lab("learning-rate")))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            screen = app.screen
            initial = [[w.copy() for w in v.playground.snapshot().weights] for v in screen.variants]
            await pilot.press("space")
            await pilot.pause()
            assert screen.playing and "playing" in status(screen)
            await pilot.pause(0.8)
            await pilot.press("r")  # while playing: training goes on from epoch 0, still in lock-step
            await pilot.pause(0.4)
            await pilot.press("space")
            await app.workers.wait_for_complete()
            done = epochs(screen)
            assert len(set(done)) == 1 and done[0] > 1
            await drawn(pilot)
            await pilot.pause(0.3)
            assert epochs(screen) == done  # paused means paused
            assert "paused" in status(screen) and f"epoch {done[0]}" in status(screen)
            for view in screen.query(VariantView):
                assert view.snapshot is not None and view.snapshot.epoch == done[0]
            for g in range(2):
                assert {len(v) for v in curves(screen.query_one(f"#loss-{g}", LossPlot)).values()} == {done[0] + 1}
            await pilot.press("r")
            await drawn(pilot)
            assert epochs(screen) == [0] * 6
            for before, v in zip(initial, screen.variants, strict=True):
                assert all(np.array_equal(a, b) for a, b in zip(before, v.playground.snapshot().weights, strict=True))
            assert "epoch 0 " in status(screen)
    run(go())


def test_overfitting_lab_one_plot_per_variant_with_train_test_and_best_epoch() -> None:
    lab = load_lab("overfitting")

    async def go() -> None:
        app = Host(RunsLab(lab))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            screen = app.screen
            assert [v.label for v in screen.query(VariantView)] == ["plain", "dropout 0.3", "L2 λ=0.01", "batch norm"]
            layers = [v.playground.experiment.model.layers for v in screen.variants]
            assert [layer.dropout for layer in layers[1][:2]] == [0.3, 0.3]
            assert screen.variants[2].playground.experiment.train.l2 == 0.01
            assert [layer.norm for layer in layers[3][:2]] == ["batch", "batch"]
            screen.advance(40)
            await drawn(pilot)
            assert epochs(screen) == [40] * 4
            for i, v in enumerate(screen.variants):
                plot = screen.query_one(f"#loss-0-{i}", LossPlot)
                shown = curves(plot)
                assert shown["train"] == tuple(v.playground.train_loss) and shown["test"] == tuple(v.playground.test_loss)
                assert plot.best_epoch == v.playground.best_epoch() and plot.monitor == "test_loss"
            # the plain net overfits: its test loss has turned up after its best epoch
            plain = screen.variants[0].playground
            best = plain.best_epoch()
            assert best is not None and 1 < best < 40 and plain.test_loss[-1] > plain.test_loss[best]
            assert plain.train_loss[-1] < plain.train_loss[best]
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, RunsLab)
    run(go())


def test_learning_rate_lab_after_60_epochs_orders_the_curves() -> None:
    """What the lab shows after 60 epochs, as numbers with room for rounding (the snapshot is of epoch 1).

    α = 10 is chaotic: its curve after 60 epochs differs in the first digit from one BLAS
    kernel to another, so only its shape is checked: it jumps around, far above α = 0.03.
    """

    async def go() -> None:
        app = Host(RunsLab(load_lab("learning-rate")))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            screen = app.screen
            assert screen.advance(60)
            await drawn(pilot)
            assert epochs(screen) == [60] * 6 and not any(v.stopped for v in screen.variants)
            loss = {v.label: np.array(v.playground.train_loss) for v in screen.variants}
            for g, group in enumerate(load_lab("learning-rate").groups):
                shown = curves(screen.query_one(f"#loss-{g}", LossPlot))
                assert set(shown) == {label for label, _ in group.variants}
                for label, values in shown.items():
                    assert np.array_equal(values, loss[label])
            small, good, large = loss["too small α=0.0003"], loss["good α=0.03"], loss["too large α=10"]
            sgd, adam = loss["SGD α=0.003"], loss["Adam α=0.003"]
            start = good[0]
            assert all(np.array_equal(c[0], start) for c in loss.values())  # same net, data and initial weights
            for smooth in (small, good, sgd, adam):
                assert np.all(np.diff(smooth) < 0)  # small steps: the loss goes down every epoch
            assert small[-1] > 0.9 * start  # too small: it creeps
            assert good[-1] < 0.2 * start  # good: most of the way down
            assert np.sum(np.diff(large) > 0) >= 10 and large.max() > 2 * start  # too large: it jumps around
            assert large[30:].min() > 4 * good[-1]  # … and stays far above the good rate
            assert adam[-1] < 0.25 * sgd[-1] and sgd[-1] < 0.9 * start  # Adam at the same α gets much further
            decaying = loss["decay α=3·0.9ᵉ"]
            alphas = next(v for v in screen.variants if v.label == "decay α=3·0.9ᵉ").playground.trainer.rates
            assert alphas == [3.0 * 0.9**e for e in range(60)]  # the schedule's α, epoch by epoch
            # large and decaying: down fastest at first, then it settles below the good constant rate
            assert decaying[6] < 0.5 * good[6] and decaying[-1] < 0.5 * good[-1] and np.all(np.diff(decaying[-20:]) <= 1e-9)
    run(go())


def test_overfitting_lab_after_150_epochs_regularisation_narrows_the_gap() -> None:
    """The overfitting lab at 150 epochs, as numbers (the snapshot is of epoch 1)."""

    async def go() -> None:
        app = Host(RunsLab(load_lab("overfitting")))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            screen = app.screen
            assert screen.advance(150)
            await drawn(pilot)
            assert epochs(screen) == [150] * 4
            gap, last, best = {}, {}, {}
            for i, v in enumerate(screen.variants):
                pg = v.playground
                plot = screen.query_one(f"#loss-0-{i}", LossPlot)
                assert plot.best_epoch == pg.best_epoch() is not None
                best[v.label] = pg.test_loss[pg.best_epoch()]
                last[v.label] = pg.test_loss[-1]
                gap[v.label] = pg.test_loss[-1] - pg.train_loss[-1]
            plain = "plain"
            assert last[plain] > 2 * best[plain]  # the plain net has overfitted: its test loss went back up
            for label in gap:
                if label != plain:
                    assert gap[label] < 0.75 * gap[plain] and last[label] < last[plain]
            assert last["L2 λ=0.01"] < 1.05 * best["L2 λ=0.01"]  # L2 holds its test loss near its best
    run(go())


def test_a_diverged_variant_shows_why_and_stops_while_the_others_go_on() -> None:
    base = load_lab("learning-rate")
    mse = ("train.loss=mse", "model.layers[3].activation=linear")
    lab = dataclasses.replace(base, groups=(Group("mse, linear output", "overlay", (
        ("α=10", (*mse, "train.learning_rate=10")), ("α=0.01", (*mse, "train.learning_rate=0.01")))),))

    async def go() -> None:
        app = Host(RunsLab(lab))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            screen = app.screen
            for _ in range(6):
                await pilot.press("n")
            await drawn(pilot)
            wild, calm = screen.variants
            assert wild.stopped and not calm.stopped
            assert wild.playground.trainer.epoch < 6 and calm.playground.trainer.epoch == 6
            view = screen.query_one("#variant-0-0", VariantView)
            assert "paused: training diverged" in str(view.caption.render())
            assert "1 stopped" in status(screen)
            await pilot.press("space")
            await pilot.pause(0.3)
            await pilot.press("space")
            await app.workers.wait_for_complete()
            assert calm.playground.trainer.epoch > 6 and wild.playground.trainer.epoch < 6
            await pilot.press("r")
            assert not wild.stopped and epochs(screen) == [0, 0]
    run(go())


def test_escape_while_playing_stops_training_and_closes_the_lab() -> None:
    async def go() -> None:
        app = Host(RunsLab(load_lab("overfitting")))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            screen = app.screen
            await pilot.press("space")
            await pilot.pause(0.3)
            await pilot.press("escape")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert not isinstance(app.screen, RunsLab) and not screen.playing
            stopped = epochs(screen)
            await pilot.pause(0.3)
            assert epochs(screen) == stopped
    run(go())


def test_play_stops_by_itself_at_the_labs_epochs() -> None:
    lab = dataclasses.replace(load_lab("overfitting"), epochs=4)

    async def go() -> None:
        app = Host(RunsLab(lab))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            screen = app.screen
            await pilot.press("space")
            await app.workers.wait_for_complete()
            await drawn(pilot)
            assert not screen.playing and epochs(screen) == [4] * 4
            assert "epoch 4 · ⏸ paused" in status(screen)
            await pilot.press("n")  # one epoch is one epoch, past the lab's epochs too
            assert epochs(screen) == [5] * 4
    run(go())


def test_pause_and_play_again_at_once_keeps_playing_and_the_old_worker_says_nothing() -> None:
    """The replaced worker's thread runs on to its next epoch; its end must not stop the new one."""
    lab = dataclasses.replace(load_lab("overfitting"), epochs=0)

    async def go() -> None:
        app = Host(RunsLab(lab))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            screen = app.screen
            screen.action_toggle_play()
            await pilot.pause(0.2)
            first = screen.job
            screen.action_toggle_play()  # pause …
            assert not screen.playing and "paused" in status(screen)
            screen.action_toggle_play()  # … and play again before the first worker has noticed
            assert screen.playing and screen.job == first + 1
            await pilot.pause(0.5)
            assert screen.playing and "playing" in status(screen)
            at = max(epochs(screen))
            await pilot.pause(0.5)
            assert max(epochs(screen)) > at  # still training
            screen.action_toggle_play()
            await pilot.pause()
            await app.workers.wait_for_complete()
            await drawn(pilot)
            assert not screen.playing and len(set(epochs(screen))) == 1
    run(go())

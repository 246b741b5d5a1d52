"""The controls added for judging a model, driven with Pilot: validation split, class balance,
normalisation per layer, early stopping; and the best-epoch marker on the loss plot."""

from __future__ import annotations

import asyncio

from textual.widgets import Select

from tuinn.course.lessons import lesson
from tuinn.session.playground import default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.loss_plot import LossPlot

from .test_app import choose, settle

SIZE = (160, 48)


def test_validation_balance_norm_and_early_stop_controls_change_the_experiment() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            pg = app.playground
            await choose(pilot, app, "early_stopping", 25)
            es = pg.experiment.train.early_stopping
            assert es is not None and (es.patience, es.monitor) == (25, "test_loss")
            await choose(pilot, app, "validation_fraction", 0.2)
            assert pg.experiment.data.validation_fraction == 0.2
            assert len(pg.trainer.val_idx) == 100  # 20 % of 500
            assert pg.experiment.train.early_stopping.monitor == "validation_loss"  # follows the new split
            await choose(pilot, app, "balance", "oversample")
            assert pg.experiment.data.balance == "oversample"
            assert pg.trainer.balance_report["method"] == "oversample"
            await choose(pilot, app, "norm", "batch")
            assert pg.experiment.model.layers[0].norm == "batch"
            await choose(pilot, app, "early_stopping", 0)
            assert pg.experiment.train.early_stopping is None
            # regression has no classes to balance
            await choose(pilot, app, "problem", "regression")
            assert app.query_one("#balance", Select).disabled
    asyncio.run(go())


def test_loss_plot_marks_the_best_epoch_and_the_early_stop() -> None:
    async def go() -> None:
        exp = lesson(9)[0].experiment  # the overfitting lesson: a big net on 30 noisy training points
        app = TuinnApp(exp)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await choose(pilot, app, "early_stopping", 10)
            app.playground_screen.action_toggle_play()
            for _ in range(100):
                await pilot.pause(0.1)
                if not app.playground.running:
                    break
            pg = app.playground
            assert pg.stopped_epoch is not None
            await settle(pilot, 0.6)
            plot = app.query_one(LossPlot)
            best = pg.best_epoch()
            assert plot.best_epoch == best and plot.stopped_epoch == pg.stopped_epoch
            subtitle = str(plot.border_subtitle)
            assert f"best {best} (test loss)" in subtitle and f"stopped {pg.stopped_epoch}" in subtitle
            assert "early stopping" in str(app.query_one("#status").render())
    asyncio.run(go())

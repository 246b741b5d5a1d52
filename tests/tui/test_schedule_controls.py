"""The learning-rate schedule in the playground (#18 §1): the decay control, α in the status line,
the α overlay on the loss plot (``y``), and the session's set_schedule rules.

Budget: about 2 s (one app, a dozen epochs of the default net).
"""

from __future__ import annotations

import asyncio

import numpy as np

from tests.tui.test_app import SIZE, choose, settle
from tuinn.session.playground import Playground, default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.loss_plot import LossPlot, rate_line


def test_set_schedule_is_live_refuses_an_unknown_name_and_the_next_alpha_follows_it() -> None:
    pg = Playground(default_experiment())
    pg.run_epochs(3)
    assert pg.set_schedule("step", step_size=2, gamma=0.5) == "live"
    assert pg.trainer.epoch == 3  # no restart
    assert pg.snapshot().learning_rate == pg.experiment.train.learning_rate * 0.5  # ⌊3/2⌋ = 1 step down
    pg.run_epochs(2)
    assert pg.trainer.rates[-2:] == [0.015, 0.0075]
    assert pg.snapshot().learning_rates[-2:] == (0.015, 0.0075)
    assert pg.set_schedule("warmup") == "refused" and "schedule must be one of" in pg.message
    pg.set_schedule("step", gamma=2.0)
    assert "train.schedule.gamma: must be ≤ 1" in pg.message and pg.experiment.train.schedule.gamma == 0.5  # nothing changed


def test_plateau_in_the_playground_lowers_alpha_when_the_loss_stalls() -> None:
    pg = Playground(default_experiment())
    pg.set_schedule("plateau", patience=0, factor=0.5, threshold=0.5)  # "better" needs halving the loss: it stalls at once
    pg.run_epochs(4)
    assert pg.trainer.rates == [0.03, 0.03, 0.015, 0.0075]


def test_rate_line_puts_the_largest_alpha_at_the_top_and_zero_at_the_bottom() -> None:
    x, y, top = rate_line([0.4, 0.2, float("nan"), 0.1], last=10, low=1.0, high=3.0, log=False)
    assert top == 0.4 and x.tolist() == [7.0, 8.0, 10.0]  # the NaN epoch (unknown α) is left out
    np.testing.assert_allclose(y, [3.0, 2.0, 1.5])
    _, y, _ = rate_line([0.4, 0.2], last=2, low=0.01, high=1.0, log=True)
    np.testing.assert_allclose(y, [1.0, 0.1])  # half of α: half of the two decades


def test_the_decay_control_the_status_line_and_the_overlay_key() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await choose(pilot, app, "schedule", "exponential")
            assert app.playground.experiment.train.schedule.name == "exponential"
            for _ in range(3):
                await pilot.press("n")
                await settle(pilot)
            alpha = 0.03 * 0.95**3
            assert f"α {alpha:g} exponential ·" in str(app.query_one("#status").render())
            plot = app.query_one(LossPlot)
            assert "α (top" not in plot.border_subtitle
            await pilot.press("y")
            await settle(pilot)
            assert plot.show_rate and "α (top 0.03)" in plot.border_subtitle
            await pilot.press("y")
            await settle(pilot)
            assert not plot.show_rate and "α (top" not in plot.border_subtitle
    asyncio.run(go())

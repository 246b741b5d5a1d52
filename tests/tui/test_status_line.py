"""The status line stays one readable line: short numbers for a diverging loss, and the warning on screen."""

from __future__ import annotations

import asyncio
import re

from tuinn.config.experiments import resolve
from tuinn.config.spec import loads
from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.status_line import StatusLine, number

from .test_app import settle


def test_numbers_stay_short() -> None:
    """A loss of 7e88 written with 4 decimals took 94 characters and pushed the warning off the status line."""
    assert number(0.12345) == "0.1235" and number(9999.5) == "9999.5000"
    assert number(6.926e88) == "6.926e+88" and number(float("inf")) == "inf" and number(float("nan")) == "nan"


def test_the_blowup_warning_is_on_the_status_line_at_160_columns() -> None:
    exp = loads(resolve("reg-plane")[0])
    exp.train.optimizer, exp.train.batch_size, exp.train.learning_rate = "sgd", "full", 1000.0

    async def go() -> None:
        app = TuinnApp(exp)
        async with app.run_test(size=(160, 48)) as pilot:
            await settle(pilot)
            await pilot.press(*["n"] * 11)
            await settle(pilot)
            status = app.query_one(StatusLine)
            line, warning = status.render_line(0).text, status.render_line(1).text  # the warning has a line of its own
            assert "epoch 11" in line and re.search(r"loss train \d\.\d+e\+\d\d ", line), line
            assert warning.strip().startswith("⚠ warning: the training loss"), warning
    asyncio.run(go())

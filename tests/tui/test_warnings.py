"""Every pause and refusal is said in full at 80 columns: a notification with the whole
reason, a second status line with its start (cut with "… m: full text"), and `m`, the
screen of the last warnings in full."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from tuinn.config.experiments import resolve
from tuinn.config.spec import loads
from tuinn.tui.app import TuinnApp
from tuinn.tui.screens.messages_screen import MessagesScreen
from tuinn.tui.widgets.status_line import MORE, StatusLine, warning_line

from .test_app import choose, settle
from .test_keyboard import wait_until

NARROW = (80, 24)


def test_a_warning_line_is_cut_to_its_width_with_the_key_of_the_full_text() -> None:
    assert warning_line("paused: short", 40) == "⚠ paused: short"
    long = "paused: training diverged in epoch 1: the loss became inf (learning rate 1000 is probably too large)"
    cut = warning_line(long, 48)
    assert cell_len(cut) <= 48 and cut.startswith("⚠ paused: training diverged") and cut.endswith(MORE), cut
    assert cell_len(warning_line(long, 10)) <= 10


def status_rows(app: TuinnApp) -> list[str]:
    status = app.query_one(StatusLine)
    return [status.render_line(y).text.strip() for y in range(status.size.height)]


def notifications(app: TuinnApp) -> list[str]:
    return [n.message for n in app._notifications]


async def full_text_screen(pilot, app: TuinnApp) -> str:  # type: ignore[no-untyped-def]
    """What `m` shows (and close it)."""
    await pilot.press("m")
    await settle(pilot)
    assert isinstance(app.screen, MessagesScreen)
    text = str(app.screen.query_one("#messages-text").render())
    await pilot.press("escape")
    await settle(pilot)
    return text


def test_a_refused_backend_and_a_divergence_pause_are_readable_at_80_columns(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """One app for both (an app start is most of a test's time): torch made unimportable, then a run that diverges."""
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` fails, find_spec says it is not there
    exp = loads(resolve("reg-plane")[0])
    exp.train.optimizer, exp.train.batch_size, exp.train.learning_rate = "sgd", 1, 1000.0  # inf in the first epoch

    async def go() -> None:
        app = TuinnApp(exp)
        async with app.run_test(size=NARROW) as pilot:
            await settle(pilot)
            pg = app.playground
            assert status_rows(app)[1:] == [] and not notifications(app)
            # The PyTorch backend without torch: refused, said whole in a notification, cut on the status line.
            await choose(pilot, app, "backend", "torch")
            refusal = pg.edit_error
            assert "needs PyTorch, which is not installed" in refusal and pg.experiment.train.backend != "torch"
            assert refusal in notifications(app)
            rows = status_rows(app)
            assert len(rows) == 2 and rows[1].startswith("⚠ train.backend: 'torch' needs") and rows[1].endswith(MORE), rows
            assert "pip install 'tuinn[torch]'" not in rows[1]  # the tail is cut at 80 columns …
            assert "pip install 'tuinn[torch]'" in await full_text_screen(pilot, app)  # … and one key away
            # A divergence pause while playing.
            await pilot.press("space")
            await wait_until(pilot, lambda: pg.message.startswith("paused"), "divergence pause")
            await app.workers.wait_for_complete()
            await settle(pilot)
            pause = pg.message
            assert "diverged" in pause and "learning rate 1000 is probably too large" in pause
            assert pause in notifications(app)
            rows = status_rows(app)
            assert rows[0].startswith("⏸ paused") and rows[1].startswith("⚠ paused: training diverged"), rows
            shown = await full_text_screen(pilot, app)
            assert pause in shown and refusal in shown and shown.index(refusal) < shown.index(pause)  # newest last
            # A refusal of the screen's own (a load that failed) goes the same three ways.
            assert not app.playground_screen.load(tmp_path / "missing.toml")
            await settle(pilot)
            failed = pg.message
            assert failed.startswith("not loaded:") and "missing.toml" in failed and failed in notifications(app)
            assert status_rows(app)[1].startswith("⚠ not loaded:")
            assert failed in await full_text_screen(pilot, app)
    asyncio.run(go())

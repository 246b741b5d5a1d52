"""The playground's grid view, driven with Pilot: `#` and the palette open it, `space` trains every cell, `escape` returns.

The grid trains copies of the playground's experiment: the playground itself stays at
the epoch and weights it had. The snapshot is of the untrained grid at 100×30 (the
smallest terminal it is laid out for): epoch 0 depends on the seed and the code only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np
import pytest

from tuinn.session.grid import GridSession, default_axes
from tuinn.session.playground import default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.screens.grid_screen import GridScreen
from tuinn.tui.widgets.grid_cell import GridCell

from .host import Host
from .snapshot_harness import pin_environment, prepare
from .test_app import settle

SMALL = (100, 30)


async def wait_until(pilot, ready: Callable[[], bool], seconds: float = 3.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if ready():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


def test_hash_and_the_palette_open_the_grid_space_trains_every_cell_escape_returns() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot)
            await pilot.press("n")  # the playground at epoch 1: the grid must leave it there
            await settle(pilot)
            before = app.playground.trainer.model.get_parameters()

            await pilot.press("number_sign")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, GridScreen) and screen.grid.shape == (3, 3)
            cells = list(screen.query(GridCell))
            assert len(cells) == 9 and all(c.size.width >= 30 and c.boundary.size.height >= 5 for c in cells)
            assert all(c.snapshot is not None and c.snapshot.epoch == 0 for c in cells)

            await pilot.press("space")
            await wait_until(pilot, lambda: screen.grid.epoch >= 3)
            await pilot.press("space")
            await app.workers.wait_for_complete()
            await settle(pilot)
            screen.refresh_view()
            epoch = screen.grid.epoch
            assert not screen.playing and all(p.playground.trainer.epoch == epoch for p in screen.grid.points)
            assert all(c.snapshot is not None and c.snapshot.epoch == epoch for c in cells)  # every cell drew its epoch
            assert f"epoch {epoch}" in str(screen.query_one("#grid-status").render())
            assert sum(c.has_class("best") for c in cells) == 1

            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is app.playground_screen
            after = app.playground.trainer.model.get_parameters()
            assert app.playground.trainer.epoch == 1 and all(np.array_equal(after[k], before[k]) for k in before)

            # the palette offers it by name with its key (typing through the palette is test_app's: ~2 s a search)
            commands = {c.title: c for c in app.get_system_commands(app.playground_screen)}
            assert commands["Grid of experiments"].help == "key: #"
            app.call_later(commands["Grid of experiments"].callback)  # as the palette runs a chosen command
            await settle(pilot)
            assert isinstance(app.screen, GridScreen) and app.screen is not screen and app.screen.grid.epoch == 0
            await pilot.press("n")
            await settle(pilot)
            assert app.screen.grid.epoch == 1 and app.playground.trainer.epoch == 1
    asyncio.run(go())


def test_other_axes_are_typed_and_a_bad_value_keeps_the_grid() -> None:
    async def go() -> None:
        base = default_experiment()
        screen = GridScreen(base, GridSession(base, default_axes(base, synthetic=True)))
        app = Host(screen)
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot)
            for answer, shape in (("data.noise=0,oops", (3, 3)), ("train.l2=0,0.01 train.batch_size=5,10", (2, 2))):
                await pilot.press("a")
                await settle(pilot)
                prompt = app.screen
                prompt.query_one("#prompt-input").value = answer  # type: ignore[attr-defined]
                await pilot.press("enter")
                await settle(pilot)
                assert app.screen is screen and screen.grid.shape == shape
                assert len(screen.query(GridCell)) == shape[0] * shape[1]
            assert {n.message.split(":")[0] for n in app._notifications} == {"grid not changed"}
            assert "--grid data.noise=oops" in next(iter(app._notifications)).message
            await pilot.press("n")
            await settle(pilot)
            assert screen.grid.epoch == 1
    asyncio.run(go())


def test_untrained_grid_at_100x30(snap_compare: Callable[..., bool], monkeypatch: pytest.MonkeyPatch) -> None:
    pin_environment(monkeypatch)
    base = default_experiment()
    app = Host(GridScreen(base, GridSession(base, default_axes(base, synthetic=True))), title="tuinn")

    async def drawn(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        app.screen.refresh_view()  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(app, terminal_size=SMALL, run_before=prepare(app, drawn))

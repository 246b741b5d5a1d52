"""Crashes found by fuzzing the TUI, each driven with Pilot: a log-scale loss plot that
re-renders (a resize), and what plotext itself does that made it crash; pagedown in the
same burst of input as ctrl+p."""

from __future__ import annotations

import asyncio
import math

from textual import events
from textual.command import CommandList, CommandPalette
from textual_plotext.plot import Plot

from tuinn.course.labs import load_lab
from tuinn.session.playground import default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.screens.labs.runs_lab import RunsLab
from tuinn.tui.widgets.loss_plot import LossPlot

from .host import Host

SIZE = (160, 48)


def run(coro) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(coro)


def curve_dots(plot: LossPlot) -> int:
    """How many braille cells with dots the plot shows now (0: no curve drawn)."""
    return sum(1 for ch in str(plot.render()) if "\u2801" <= ch <= "\u28ff")


def test_plotext_still_takes_the_log_of_its_stored_data_on_every_build() -> None:
    """Pins upstream plotext issue #209, the reason LossPlot hands plotext fresh data on every render.

    When this fails, a plotext release has fixed it: the workaround in
    ``tuinn/tui/widgets/plotext_base.py`` may then go (and this test with it).
    """
    plt = Plot()
    values = [10.0, 5.0, 0.5]
    plt.plot([0.0, 1.0, 2.0], values)
    plt.yscale("log")
    plt.plotsize(40, 12)
    plt.build()
    assert values == [10.0, 5.0, 0.5]  # the caller's list is not touched ...
    stored = plt.monitor.y[0]
    assert [round(v, 12) for v in stored] == [round(math.log10(v), 12) for v in values]  # ... plotext's own copy is
    try:
        plt.build()
    except ValueError as exc:  # log10 of log10(0.5) < 0
        assert "math domain error" in str(exc)
    else:
        raise AssertionError("plotext built twice on a log scale without failing: issue #209 looks fixed")


def test_playground_log_scale_survives_renders_and_a_resize() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            plot = app.query_one(LossPlot)
            await pilot.press("o", "n", "n")
            await pilot.pause(0.3)
            assert plot.log_scale and app.playground.trainer.epoch == 2
            first = curve_dots(plot)
            second = curve_dots(plot)
            assert first > 0 and second == first  # a second build draws the same curve
            await pilot.resize_terminal(120, 40)
            await pilot.pause(0.3)
            await pilot.resize_terminal(*SIZE)
            await pilot.pause(0.3)
            assert app.is_running and curve_dots(plot) > 0
            await pilot.press("n")
            await pilot.pause(0.3)
            assert app.playground.trainer.epoch == 3 and curve_dots(plot) > 0
    run(go())


def test_learning_rate_lab_log_scale_survives_a_resize() -> None:
    async def go() -> None:
        app = Host(RunsLab(load_lab("learning-rate")))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
            app.screen.refresh_view()
            await pilot.pause()
            overlaid = [p for p in app.screen.query(LossPlot) if p.log_scale]
            assert overlaid and all(curve_dots(p) > 0 for p in overlaid)
            await pilot.resize_terminal(130, 44)
            await pilot.pause(0.3)
            await pilot.resize_terminal(*SIZE)
            await pilot.pause(0.3)
            assert app.is_running and all(curve_dots(p) > 0 for p in overlaid)
    run(go())


def test_pagedown_in_the_same_burst_as_ctrl_p_waits_for_the_list_and_the_palette_still_works() -> None:
    """Both keys posted at once, as a terminal delivers a fast burst (Pilot's press would wait between them)."""

    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.post_message(events.Key("ctrl+p", None))
            app.post_message(events.Key("pagedown", None))
            await pilot.pause(0.3)
            assert app.is_running and isinstance(app.screen, CommandPalette)
            commands = app.screen.query_one(CommandList)
            # The early pagedown waited for the list's layout; Textual's own batching may have reset
            # the highlight since (results come in 0.25 s batches), so page down again, now laid out.
            await pilot.press("pagedown")
            await pilot.pause(0.1)
            paged = commands.highlighted or 0
            assert commands.option_count > 1 and paged > 0
            await pilot.press("pageup")
            await pilot.pause(0.1)
            assert (commands.highlighted or 0) < paged
            assert app.playground.experiment.data.source != "moons"
            await pilot.press(*"moons")
            await pilot.pause(0.3)  # the palette searches in the background
            await pilot.press("enter")
            await pilot.pause(0.3)
            assert not isinstance(app.screen, CommandPalette)
            assert app.playground.experiment.data.source == "moons"  # the command chosen in the palette ran
    run(go())


def test_a_prompt_opened_while_the_app_quits_does_not_crash() -> None:
    """`q` then `c` in one burst on the step-through: the chain prompt is pushed while the app
    is already closing, before its children exist (its on_mount query raised NoMatches)."""

    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("s")
            await pilot.pause()
            for key in ("q", "c"):
                app.post_message(events.Key(key, key))
            await pilot.pause(0.3)
        assert app.return_code == 0

    run(go())

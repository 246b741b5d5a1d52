"""The Features panel: a focused toggle keeps its label visible, a 1-D source hides the features
that need x2, each feature has its picture (faded while off; a click toggles it)."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.widgets import Checkbox

from tuinn.config.experiments import resolve
from tuinn.config.spec import FEATURES, Experiment, loads
from tuinn.session.playground import Playground, default_experiment
from tuinn.tui.render.colormap import SHADES
from tuinn.tui.render.neuron_maps import feature_picture
from tuinn.tui.widgets.edit import Edit
from tuinn.tui.widgets.feature_picture import FeaturePicture
from tuinn.tui.widgets.features_panel import FeaturesPanel


class PanelApp(App[None]):
    def __init__(self, exp: Experiment) -> None:
        super().__init__()
        self.session = Playground(exp)
        self.edits: list[Edit] = []

    def compose(self) -> ComposeResult:
        yield FeaturesPanel(self.session)

    def on_edit(self, message: Edit) -> None:
        self.edits.append(message)


def screen_row(app: App[None], y: int) -> str:
    """Row ``y`` of the screen as the terminal shows it."""
    return "".join(seg.text for seg in app.screen._compositor.render_full_update().strips[y])  # type: ignore[attr-defined]


def test_a_focused_toggle_shows_its_label() -> None:
    async def main() -> None:
        app = PanelApp(default_experiment())
        async with app.run_test(size=(40, 20)) as pilot:
            await pilot.pause()
            box = app.query_one("#feature-2", Checkbox)
            box.focus()
            await pilot.pause()
            assert app.focused is box
            assert box.region.height == 1 and box.content_region.height == 1  # no two-row border around it
            region = box.region
            row = screen_row(app, region.y)
            assert "x1^2" in row[region.x : region.right], row
            await pilot.press("space")  # and it still works by keyboard
            await pilot.pause()
            assert app.edits and app.edits[-1].value == ["x1", "x2", "x1^2"]

    asyncio.run(main())


def test_a_one_dimensional_source_hides_the_features_of_x2() -> None:
    async def main() -> None:
        app = PanelApp(loads(*resolve("sine")))
        async with app.run_test(size=(40, 20)) as pilot:
            await pilot.pause()
            shown = [name for i, name in enumerate(FEATURES) if app.query_one(f"#feature-row-{i}").display]
            assert shown == ["x1", "x1^2", "sin(x1)"]
            app.session.set_source("circle")  # a 2-D source brings them back
            app.query_one(FeaturesPanel).sync()
            await pilot.pause()
            assert all(app.query_one(f"#feature-row-{i}").display for i in range(len(FEATURES)))
            assert app.query_one("#feature-1", Checkbox).value  # x2 ticked again

    asyncio.run(main())


def test_feature_pictures_show_the_feature_and_toggle_it() -> None:
    x1 = feature_picture("x1", (4, 4), (-6.0, 6.0, -6.0, 6.0))
    assert (x1 == x1[0]).all() and x1[0, 0] < SHADES // 2 < x1[0, -1]  # orange left, blue right
    x2 = feature_picture("x2", (4, 4), (-6.0, 6.0, -6.0, 6.0))
    assert x2[0, 0] > SHADES // 2 > x2[-1, 0]  # blue at the top
    square = feature_picture("x1^2", (4, 4), (-6.0, 6.0, -6.0, 6.0))
    assert square[0].tolist() == [SHADES - 1, square[0, 1], square[0, 1], SHADES - 1] and square[0, 1] < SHADES - 1
    sine = feature_picture("sin(x1)", (4, 4), (-6.0, 6.0, -6.0, 6.0))
    assert [v > SHADES // 2 for v in sine[0]] == [True, False, True, False]  # stripes: sin(−4.5), sin(−1.5), …

    async def main() -> None:
        app = PanelApp(default_experiment())
        async with app.run_test(size=(40, 20)) as pilot:
            await pilot.pause()
            pictures = list(app.query(FeaturePicture))
            assert [p.feature for p in pictures] == list(FEATURES)
            assert [p.on for p in pictures] == [True, True] + [False] * 5
            off, on = pictures[2].render_line(0), pictures[0].render_line(0)
            assert all(seg.text == "▀" * len(seg.text) for seg in [*on, *off])
            x1_colours = [seg.style.color.get_truecolor() for seg in on]
            assert x1_colours[0].red > x1_colours[0].blue and x1_colours[-1].blue > x1_colours[-1].red
            assert await pilot.click("#feature-picture-4")  # x1*x2
            await pilot.pause()
            assert app.edits[-1].value == ["x1", "x2", "x1*x2"]
            app.session.set_features(["x1", "x2", "x1*x2"])
            app.query_one(FeaturesPanel).sync()
            await pilot.pause()
            assert pictures[4].on and pictures[4].render_line(0) != off

    asyncio.run(main())

"""Your own points in the playground's decision boundary, by keyboard and by mouse (Pilot).

The point lands in the cell of the cursor or of the click: its data coordinates are the cell's
centre, and the picture then draws a training point of the chosen class in that very cell.
Cost: one app run at 120×36, no training (≈4 s on a loaded machine, most of it the app's start).
"""

from __future__ import annotations

import asyncio

import numpy as np

from tests.tui.test_app import settle
from tuinn.session.playground import default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.decision_boundary import CURSOR_GLYPH, DecisionBoundary

SIZE = (120, 36)


def cursor_drawn(boundary: DecisionBoundary) -> bool:
    return any(CURSOR_GLYPH in seg.text for y in range(boundary.size.height) for seg in boundary.render_line(y))


def test_points_added_and_removed_by_keyboard_and_by_mouse_land_in_the_cell_of_the_cursor_or_the_click() -> None:
    """One app run (its start is most of the cost): the keyboard part, then the mouse part."""

    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            pg, boundary = app.playground, app.query_one(DecisionBoundary)
            assert not cursor_drawn(boundary)  # no cursor without the focus
            await pilot.press("6", "t")  # the boundary's jump key; t hides the test points, so a cell shows the training point
            await settle(pilot)
            assert boundary.has_focus and cursor_drawn(boundary)
            start = boundary.cursor_cell()
            assert start is not None
            await pilot.press("right", "right", "right", "up")
            await settle(pilot)
            col, row = boundary.cursor_cell()  # type: ignore[misc]
            assert (col, row) == (start[0] + 3, start[1] - 1)
            n = len(pg.trainer.dataset.points)
            await pilot.press("k", "a")
            await settle(pilot)
            ds = pg.trainer.dataset
            assert len(ds.points) == n + 1 and ds.labels[-1] == 1 and pg.experiment.data.source == "inline"
            np.testing.assert_allclose(ds.points[-1], boundary.cell_point(col, row))
            assert boundary._marks[row, col] == 1  # a training point of class 1, in the cursor's cell
            await pilot.press("shift+left", "a")
            await settle(pilot)
            assert len(pg.trainer.dataset.points) == n + 2
            np.testing.assert_allclose(pg.trainer.dataset.points[-1], boundary.cell_point(col - 5, row))
            await pilot.press("x")
            await settle(pilot)
            pts = pg.trainer.dataset.points
            assert len(pts) == n + 1 and not np.any(np.all(np.isclose(pts, boundary.cell_point(col - 5, row)), axis=1))
            assert pg.trainer.epoch == 0 and pg.message == ""

            # The mouse: a left click adds a point (class 1, still chosen) in the cell clicked, a right click removes it.
            gx, gy, w, h = boundary.picture_region()
            col, row = w // 4, h // 3
            n = len(pg.trainer.dataset.points)
            where = (1 + gx + col, 1 + gy + row)  # the border, then the y axis
            await pilot.click("#boundary", offset=where)
            await settle(pilot)
            ds = pg.trainer.dataset
            assert len(ds.points) == n + 1 and ds.labels[-1] == 1
            np.testing.assert_allclose(ds.points[-1], boundary.cell_point(col, row))
            assert boundary._marks[row, col] == 1
            await pilot.click("#boundary", offset=where, button=3)
            await settle(pilot)
            pts = pg.trainer.dataset.points
            assert len(pts) == n and not np.any(np.all(np.isclose(pts, boundary.cell_point(col, row)), axis=1))
            await pilot.click("#boundary", offset=(1 + gx + 2, 1 + gy + h))  # on the x axis: no point
            await settle(pilot)
            assert len(pg.trainer.dataset.points) == n
    asyncio.run(go())


def test_the_point_keys_are_written_in_the_readme_and_the_help() -> None:
    from pathlib import Path

    from tuinn.tui.screens.help_screen import HELP

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Your own points"):readme.index("## Coming from TF Playground")]
    for binding in DecisionBoundary.BINDINGS:
        for key in binding.key.split(","):
            if binding.show and key != "backspace":
                assert f"`{key}`" in section and f"`{key}`" in HELP, key

"""SVG snapshots of every lesson at 160×48, in seeded state.

A playground lesson trains one epoch headless from its preset's seed before the picture;
a lab lesson is photographed as it opens (paused, epoch 0). Each picture depends on the
lesson's data file, the seed and the code only, not on how the machine's BLAS kernels
round (more epochs would: see test_lab_snapshots_runs.py; the collapse lab's printed
rounding error is pinned the same way as there). Update with ``pytest --snapshot-update``
after a deliberate change, and look at the new SVGs before committing them.
"""

from __future__ import annotations

import pytest

from tuinn.course.lessons import lesson, lessons
from tuinn.tui.app import TuinnApp
from tuinn.tui.lab_app import LabApp

from . import fixed_state
from .snapshot_harness import Snap


@pytest.fixture(autouse=True)
def pinned_rounding(monkeypatch: pytest.MonkeyPatch) -> None:
    """The collapse lab's lesson shows its rounding error pinned (see fixed_state.pin_rounding_error)."""
    fixed_state.pin_rounding_error(monkeypatch)


@pytest.mark.parametrize("number", [les.number for les in lessons()])
def test_lesson(snap: Snap, number: int) -> None:
    les, shown = lesson(number)
    app = LabApp(les.lab, lesson=les) if les.lab else TuinnApp(les.experiment, lesson=les, shown=shown)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        if isinstance(app, TuinnApp):
            app.playground.run_epochs(1)
            app._shown_version = -1
            app.refresh_view()
        await pilot.pause()

    assert snap(app, run_before=run_before)

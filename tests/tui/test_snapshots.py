"""SVG snapshots of the whole playground at 160×48, after one seeded epoch (DESIGN.md §5).

Only seeded, single-stepped state is photographed: the app is paused, `n` trains exactly
one epoch, and the view is redrawn from that state before the screenshot, so the picture
depends on the seed and the code only. Update with ``pytest --snapshot-update`` after a
deliberate change of the screen, and look at the new SVGs before committing them.
"""

from __future__ import annotations

from tests.specs import blobs_3
from tuinn.config.experiments import resolve
from tuinn.config.spec import Experiment, loads
from tuinn.session.playground import default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.status_line import StatusLine

from .snapshot_harness import Snap


async def one_epoch(pilot) -> None:  # type: ignore[no-untyped-def]
    """Press `n` once, then draw that state (what the 18 fps timer would do next) and check it."""
    app = pilot.app
    await pilot.pause()
    assert app.playground.snapshot().epoch == 0
    await pilot.press("n")
    await pilot.pause()
    app.refresh_view()
    await pilot.pause()
    s = app.playground.snapshot()
    assert s.epoch == 1 and not s.running and not s.message
    assert len(s.train_loss) == 2  # the loss before training and after the one epoch
    status = str(app.query_one(StatusLine).content)
    assert "⏸ paused" in status and "epoch 1 " in status


def after_one_epoch(snap: Snap, exp: Experiment) -> bool:
    return snap(TuinnApp(exp), run_before=one_epoch)


def test_default_screen_after_one_step(snap: Snap) -> None:
    """TensorFlow Playground's default (circle, 2-4-2-1 tanh, seed 0) after one epoch."""
    assert after_one_epoch(snap, default_experiment())


def test_multiclass_after_one_step(snap: Snap) -> None:
    """Three blobs, softmax output: the boundary in class colours, one epoch of Adam."""
    exp = blobs_3()
    assert exp.model.layers[-1].units == 3 and exp.data.classes == 3
    assert after_one_epoch(snap, exp)


def test_regression_after_one_step(snap: Snap) -> None:
    """The built-in reg-plane experiment (2-8-8-1, linear output, MSE) after one epoch."""
    exp = loads(*resolve("reg-plane"))
    assert after_one_epoch(snap, exp)

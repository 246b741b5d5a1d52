"""SVG snapshots of the whole playground at 160×48, after one seeded epoch (DESIGN.md §5).

Only seeded, single-stepped state is photographed: the app is paused, `n` trains exactly
one epoch, and the view is redrawn from that state before the screenshot, so the picture
depends on the seed and the code only. Update with ``pytest --snapshot-update`` after a
deliberate change of the screen, and look at the new SVGs before committing them.
"""

from __future__ import annotations

import pytest
import textual.constants

from tuinn.config.experiments import resolve
from tuinn.config.spec import Experiment, loads
from tuinn.session.playground import default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.status_line import StatusLine

SIZE = (160, 48)
THEME = "textual-dark"

MULTICLASS = """
name = "blobs-3"
description = "three blobs, 2-8-3 tanh/softmax, cce, adam"
seed = 0

[data]
source = "blobs"
classes = 3
samples = 300

[[model.layers]]
units = 8
activation = "tanh"

[[model.layers]]
units = 3
activation = "softmax"

[train]
loss = "cce"
optimizer = "adam"
learning_rate = 0.03
batch_size = 10
"""


@pytest.fixture(autouse=True)
def pinned_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The picture must not depend on the environment the tests run in.

    Textual reads TEXTUAL_ANIMATIONS (and TEXTUAL_THEME) when it is imported, before
    this fixture runs, so the constant that App.__init__ copies is pinned as well; the
    theme is pinned on the app (:func:`snap`). NO_COLOR, read by App.__init__, turns
    every colour off.
    """
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setattr(textual.constants, "TEXTUAL_ANIMATIONS", "none")
    monkeypatch.delenv("NO_COLOR", raising=False)


async def one_epoch(pilot) -> None:  # type: ignore[no-untyped-def]
    """Press `n` once, then draw that state (what the 18 fps timer would do next) and check it."""
    app = pilot.app
    assert app.animation_level == "none" and app.theme == THEME and not app.no_color
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


def snap(snap_compare, exp: Experiment) -> bool:  # type: ignore[no-untyped-def]
    app = TuinnApp(exp)
    app.theme = THEME
    return snap_compare(app, terminal_size=SIZE, run_before=one_epoch)


def test_default_screen_after_one_step(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """TensorFlow Playground's default (circle, 2-4-2-1 tanh, seed 0) after one epoch."""
    assert snap(snap_compare, default_experiment())


def test_multiclass_after_one_step(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Three blobs, softmax output: the boundary in class colours, one epoch of Adam."""
    exp = loads(MULTICLASS, "blobs-3 (test)")
    assert exp.model.layers[-1].units == 3 and exp.data.classes == 3
    assert snap(snap_compare, exp)


def test_regression_after_one_step(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The built-in reg-plane experiment (2-8-8-1, linear output, MSE) after one epoch."""
    exp = loads(*resolve("reg-plane"))
    assert snap(snap_compare, exp)

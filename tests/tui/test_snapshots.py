"""SVG snapshots of the whole playground at 160×48, after one seeded epoch (DESIGN.md §5).

Only seeded, single-stepped state is photographed: the app is paused, `n` trains exactly
one epoch, and the view is redrawn from that state before the screenshot, so the picture
depends on the seed and the code only. Update with ``pytest --snapshot-update`` after a
deliberate change of the screen, and look at the new SVGs before committing them.
"""

from __future__ import annotations

import os

import pytest

from tuinn.config import Experiment, loads
from tuinn.experiments import resolve
from tuinn.playground import default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.widgets.status_line import StatusLine

SIZE = (160, 48)

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
def no_animations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


async def one_epoch(pilot) -> None:  # type: ignore[no-untyped-def]
    """Press `n` once, then draw that state (what the 18 fps timer would do next) and check it."""
    app = pilot.app
    assert os.environ["TEXTUAL_ANIMATIONS"] == "none"
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
    return snap_compare(TuinnApp(exp), terminal_size=SIZE, run_before=one_epoch)


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

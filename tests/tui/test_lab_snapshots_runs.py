"""SVG snapshots of the learning-rate, overfitting and linear-collapse labs at 160×48.

As in test_snapshots.py, only seeded state is photographed: the lab opens paused, trains a
fixed number of epochs headless (:meth:`RunsLab.advance`, every variant in lock-step from
the lab's seed) and is drawn from that state before the picture, so each picture depends
on the data files, the seed and the code only. Update with ``pytest --snapshot-update``
after a deliberate change, and look at the new SVGs before committing them.
"""

from __future__ import annotations

import pytest
import textual.constants
from textual.app import App

from tuinn.labs import load_lab
from tuinn.tui.screens.labs.collapse_lab import CollapseLab
from tuinn.tui.screens.labs.runs_lab import RunsLab

SIZE = (160, 48)
THEME = "textual-dark"


@pytest.fixture(autouse=True)
def pinned_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Animations off and colours on, whatever the environment says (see test_snapshots.py)."""
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setattr(textual.constants, "TEXTUAL_ANIMATIONS", "none")
    monkeypatch.delenv("NO_COLOR", raising=False)


class Host(App[None]):
    """A bare app that opens one lab screen."""

    def __init__(self, screen: RunsLab) -> None:
        super().__init__()
        self.lab_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.lab_screen)


def shoot(snap_compare, screen: RunsLab, epochs: int) -> bool:  # type: ignore[no-untyped-def]
    app = Host(screen)
    app.theme = THEME

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        assert app.animation_level == "none" and app.theme == THEME and not app.no_color
        await pilot.pause()
        assert app.screen is screen and not screen.playing and screen.epoch == 0
        assert screen.advance(epochs)
        assert [v.playground.trainer.epoch for v in screen.variants] == [epochs] * len(screen.variants)
        assert not any(v.stopped for v in screen.variants)
        screen.refresh_view()
        await pilot.pause()

    return snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_learning_rate_after_60_epochs(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Three SGD learning rates and SGD vs Adam, train losses overlaid on a log axis."""
    assert shoot(snap_compare, RunsLab(load_lab("learning-rate")), 60)


def test_overfitting_after_150_epochs(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Plain, dropout, L2, batch norm: train and test curves with each one's best epoch."""
    assert shoot(snap_compare, RunsLab(load_lab("overfitting")), 150)


def test_linear_collapse_after_40_epochs(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The linear net's single layer (exact) and the tanh net's best single layer (far off)."""
    assert shoot(snap_compare, CollapseLab(load_lab("linear-collapse")), 40)

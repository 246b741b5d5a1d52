"""SVG snapshots of the learning-rate, overfitting and linear-collapse labs at 160×48.

As in test_snapshots.py, only seeded, single-stepped state is photographed: the lab opens
paused, trains one epoch headless (:meth:`RunsLab.advance`, every variant from the lab's
seed) and is drawn from that state before the picture, so each picture depends on the
data files, the seed and the code only, not on how the machine's BLAS kernels round.
Many epochs would: SGD with α = 10 is chaotic, its loss after 60 epochs differs in the
first digit between ``OPENBLAS_CORETYPE=Haswell`` and ``SkylakeX``. The trained states
are checked numerically, with tolerances, in test_lab_runs.py and test_lab_collapse.py.
The collapse lab prints the linear net's rounding error itself (max |z_net − z_single|,
4.4e-16 or 8.9e-16 by kernel): its pictures show a fixed value instead
(:func:`fixed_state.pin_rounding_error`). Update with ``pytest --snapshot-update`` after
a deliberate change, and look at the new SVGs before committing them.
"""

from __future__ import annotations

import pytest
import textual.constants
from textual.app import App

from tuinn.course.labs import load_lab
from tuinn.tui.screens.labs.collapse_lab import CollapseLab
from tuinn.tui.screens.labs.runs_lab import RunsLab

from . import fixed_state

SIZE = (160, 48)
THEME = "textual-dark"


@pytest.fixture(autouse=True)
def pinned_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Animations off and colours on, whatever the environment says (see test_snapshots.py)."""
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setattr(textual.constants, "TEXTUAL_ANIMATIONS", "none")
    monkeypatch.delenv("NO_COLOR", raising=False)
    fixed_state.pin_rounding_error(monkeypatch)


class Host(App[None]):
    """A bare app that opens one lab screen."""

    def __init__(self, screen: RunsLab) -> None:
        super().__init__()
        self.lab_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.lab_screen)


def shoot(snap_compare, screen: RunsLab, epochs: int = 1) -> bool:  # type: ignore[no-untyped-def]
    assert epochs in (0, 1), "more epochs would photograph accumulated rounding (see the module's docstring)"
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


def test_learning_rate_after_one_epoch(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Three SGD learning rates and SGD vs Adam, train losses overlaid on a log axis."""
    assert shoot(snap_compare, RunsLab(load_lab("learning-rate")))


def test_overfitting_after_one_epoch(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Plain, dropout, L2, batch norm: train and test curves with each one's best epoch."""
    assert shoot(snap_compare, RunsLab(load_lab("overfitting")))


def test_linear_collapse_after_one_epoch(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The linear net's single layer (exact) and the tanh net's best single layer (far off)."""
    assert shoot(snap_compare, CollapseLab(load_lab("linear-collapse")))

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

from tuinn.course.labs import load_lab
from tuinn.tui.screens.labs.collapse_lab import CollapseLab
from tuinn.tui.screens.labs.runs_lab import RunsLab

from . import fixed_state
from .host import Host
from .snapshot_harness import Snap


@pytest.fixture(autouse=True)
def pinned_rounding(monkeypatch: pytest.MonkeyPatch) -> None:
    """The collapse lab's rounding error is shown pinned (:func:`fixed_state.pin_rounding_error`)."""
    fixed_state.pin_rounding_error(monkeypatch)


def shoot(snap: Snap, screen: RunsLab, epochs: int = 1) -> bool:
    assert epochs in (0, 1), "more epochs would photograph accumulated rounding (see the module's docstring)"
    app = Host(screen)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        assert app.screen is screen and not screen.playing and screen.epoch == 0
        assert screen.advance(epochs)
        assert [v.playground.trainer.epoch for v in screen.variants] == [epochs] * len(screen.variants)
        assert not any(v.stopped for v in screen.variants)
        screen.refresh_view()
        await pilot.pause()

    return snap(app, run_before=run_before)


def test_learning_rate_after_one_epoch(snap: Snap) -> None:
    """Three SGD learning rates and SGD vs Adam, train losses overlaid on a log axis."""
    assert shoot(snap, RunsLab(load_lab("learning-rate")))


def test_overfitting_after_one_epoch(snap: Snap) -> None:
    """Plain, dropout, L2, batch norm: train and test curves with each one's best epoch."""
    assert shoot(snap, RunsLab(load_lab("overfitting")))


def test_linear_collapse_after_one_epoch(snap: Snap) -> None:
    """The linear net's single layer (exact) and the tanh net's best single layer (far off)."""
    assert shoot(snap, CollapseLab(load_lab("linear-collapse")))

"""SVG snapshots of the latent-space and weights screens at 160×48, from seeded state.

As in test_snapshots.py, a picture never depends on accumulated rounding: the app is
paused and ``app.playground.run_epochs(1)`` trains one epoch from the seed at most (the
background job "train N seeds" trains each seed that one epoch too), or the network is
given fixed weights (:mod:`tests.tui.fixed_state`: a spiral net trained once and frozen)
where the picture is about a trained network. Many epochs of training end in different
weights with other BLAS kernels (``OPENBLAS_CORETYPE``); those states are checked
numerically in test_latent.py. Update with ``pytest --snapshot-update`` after a
deliberate change, and look at the new SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.screen import Screen
from textual.widgets import Select

from tests.specs import spirals_3
from tuinn.analysis import latent
from tuinn.config.experiments import resolve
from tuinn.config.spec import Experiment, loads
from tuinn.session.playground import default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.screens.latent_screen import LatentScreen
from tuinn.tui.screens.weights_screen import WeightsScreen

from . import fixed_state
from .snapshot_harness import Snap


@pytest.fixture(autouse=True)
def no_umap(monkeypatch: pytest.MonkeyPatch) -> None:
    """No umap whatever is installed: the note of a missing umap is part of a picture."""
    monkeypatch.setattr(latent, "umap_available", lambda: False)


def shoot(snap: Snap, exp: Experiment, screen: type, epochs: int, keys: tuple[str, ...] = (), seeds: int | None = None,
          weights: str | None = None, check: Callable[[Screen[None]], None] | None = None) -> bool:
    """Train ``epochs`` (0 or 1) epochs or load the frozen ``weights``, open ``screen``, press ``keys``, photograph."""
    assert epochs in (0, 1), "more epochs would photograph accumulated rounding (see the module's docstring)"
    assert not (epochs and weights)
    app = TuinnApp(exp)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        assert not app.playground.running
        if weights:
            fixed_state.set_weights(app.playground, fixed_state.load(weights))
        app.playground.run_epochs(epochs)
        assert app.playground.trainer.epoch == epochs
        app.push_screen(screen(app.playground))
        await pilot.pause()
        if seeds is not None:
            app.screen.query_one("#seeds-n", Select).value = seeds
            await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await app.workers.wait_for_complete()
        await pilot.pause()
        if check is not None:
            check(app.screen)

    return snap(app, run_before=run_before)


def trained_spiral(screen: Screen[None]) -> None:
    """The frozen weights are those of a trained net: the classes sit apart in the picture."""
    assert isinstance(screen, LatentScreen) and screen.view is not None and screen.layer_index == 3
    assert screen.view.separation is not None and screen.view.separation > 0.8  # chance: 1/3


def test_latent_spirals_last_hidden_layer(snap: Snap) -> None:
    """The acceptance picture: three spiral arms, apart in the last hidden layer of a trained net (frozen weights)."""
    assert shoot(snap, spirals_3(), LatentScreen, 0, weights="spirals-3", check=trained_spiral)


def test_latent_kmeans_and_umap_note(snap: Snap) -> None:
    """k = 3 clusters coloured, their agreement with the classes, and the note of a missing umap (frozen weights)."""

    def clustered(screen: Screen[None]) -> None:
        trained_spiral(screen)
        assert isinstance(screen, LatentScreen) and screen.clusters == 3 and screen.view is not None
        assert screen.view.cluster_agreement is not None and screen.view.cluster_agreement > 0.5
        assert screen.view.note == latent.UMAP_MISSING

    assert shoot(snap, spirals_3(), LatentScreen, 0, keys=("k", "k", "p"), weights="spirals-3",
                 check=clustered)


def test_latent_regression(snap: Snap) -> None:
    """reg-plane after one epoch: points coloured by binned target value, with the value ranges in the legend."""
    assert shoot(snap, loads(*resolve("reg-plane")), LatentScreen, 1)


def test_weights_after_three_seeds(snap: Snap) -> None:
    """The Playground's default after one epoch: both bar charts, then 3 seeds × 1 epoch and their agreement."""
    assert shoot(snap, default_experiment(), WeightsScreen, 1, keys=("n",), seeds=3)

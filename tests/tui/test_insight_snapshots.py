"""SVG snapshots of the latent-space and weights screens at 160×48, from seeded state.

As in test_snapshots.py: the app is paused, ``app.playground.run_epochs(n)`` trains a
fixed number of epochs from the seed, the screen is pushed and drawn, and background
jobs ("train N seeds") run to completion before the picture, so each picture depends on
the seed and the code only. Update with ``pytest --snapshot-update`` after a deliberate
change, and look at the new SVGs before committing them.
"""

from __future__ import annotations

import pytest
import textual.constants
from textual.widgets import Select

from tuinn import latent
from tuinn.config import Experiment, loads
from tuinn.experiments import resolve
from tuinn.playground import default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.screens.latent_screen import LatentScreen
from tuinn.tui.screens.weights_screen import WeightsScreen

from .test_latent import SPIRALS

SIZE = (160, 48)
THEME = "textual-dark"



@pytest.fixture(autouse=True)
def pinned_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Animations off, colours on, and no umap whatever is installed (the note is part of a picture)."""
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setattr(textual.constants, "TEXTUAL_ANIMATIONS", "none")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(latent, "umap_available", lambda: False)


def shoot(snap_compare, exp: Experiment, screen: type, epochs: int, keys: tuple[str, ...] = (), seeds: int | None = None) -> bool:  # type: ignore[no-untyped-def]
    app = TuinnApp(exp)
    app.theme = THEME

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        assert app.animation_level == "none" and app.theme == THEME and not app.no_color
        await pilot.pause()
        assert not app.playground.running
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

    return snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_latent_spirals_last_hidden_layer(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The acceptance picture: three spiral arms, apart in the last hidden layer after 100 epochs."""
    assert shoot(snap_compare, loads(SPIRALS, "spirals (test)"), LatentScreen, 100)


def test_latent_kmeans_and_umap_note(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """k = 3 clusters coloured, their agreement with the classes, and the note of a missing umap."""
    assert shoot(snap_compare, loads(SPIRALS, "spirals (test)"), LatentScreen, 100, keys=("k", "k", "p"))


def test_latent_regression(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """reg-plane: points coloured by binned target value, with the value ranges in the legend."""
    assert shoot(snap_compare, loads(*resolve("reg-plane")), LatentScreen, 20)


def test_weights_after_three_seeds(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The Playground's default after 5 epochs: both bar charts, then 3 seeds × 5 epochs and their agreement."""
    assert shoot(snap_compare, default_experiment(), WeightsScreen, 5, keys=("n",), seeds=3)

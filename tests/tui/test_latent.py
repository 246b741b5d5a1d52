"""The latent-space screen driven with Pilot: every key, the spiral acceptance test, UMAP
present and missing, k-means (on the UI thread and in a worker), the splits, regression
colours and a one-unit layer."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from textual.widgets import Static

from tests.specs import spirals_3
from tuinn.analysis import latent
from tuinn.analysis.evaluation import split_index
from tuinn.config.spec import Experiment, loads
from tuinn.session.playground import default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.screens import latent_screen
from tuinn.tui.screens.latent_screen import CLUSTER_STEPS, LatentScreen
from tuinn.tui.widgets.scatter_plot import ScatterPlot, class_color

SIZE = (160, 48)

REGRESSION = """
name = "reg-small"
seed = 0

[data]
source = "reg-plane"
samples = 200

[[model.layers]]
units = 1
activation = "tanh"

[[model.layers]]
units = 1
activation = "linear"

[train]
loss = "mse"
optimizer = "adam"
learning_rate = 0.03
batch_size = 10
"""


def run(coro) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(coro)


def info(screen: LatentScreen) -> str:
    return str(screen.query_one("#latent-info", Static).content)


async def open_screen(pilot, app: TuinnApp, epochs: int = 0) -> LatentScreen:  # type: ignore[no-untyped-def]
    await pilot.pause()
    if epochs:
        app.playground.run_epochs(epochs)
    screen = LatentScreen(app.playground)
    app.push_screen(screen)
    await pilot.pause()
    assert app.screen is screen
    return screen


@pytest.fixture
def no_umap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever is installed here, the screen sees no umap package."""
    monkeypatch.setattr(latent, "umap_available", lambda: False)


def test_spirals_last_hidden_layer_separates_the_classes(no_umap: None) -> None:
    """Acceptance: on a 3-class spiral the default view is the last hidden layer, with the classes apart,
    and k-means (k = 3) finds groups that agree with the classes. After 100 epochs (numbers only: the
    weights differ with the machine's BLAS kernels, so the snapshot of this screen uses frozen weights)."""
    async def go() -> None:
        exp = spirals_3()
        app = TuinnApp(exp)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, app, epochs=100)
            assert screen.layer_index == 3 == len(exp.model.layers) - 1
            view = screen.view
            assert view is not None and view.method == "pca" and view.layer == 3
            assert view.separation is not None and view.separation > 0.8  # chance: 1/3
            expected = latent.latent_view(app.playground.trainer, 3)
            assert view.separation == expected.separation
            text = info(screen)
            assert f"separation  {view.separation:.2f} (chance 0.33)" in text
            e1, e2 = view.explained
            assert f"PC1 {100 * e1:.1f} % + PC2 {100 * e2:.1f} % = {100 * (e1 + e2):.1f} %" in text
            assert "layer 3, hidden (3 linear)" in text
            plot = screen.query_one(ScatterPlot)
            assert [e.label for e in plot.legend] == ["class 0", "class 1", "class 2"]
            assert [e.color for e in plot.legend] == [class_color(k) for k in range(3)]  # as on the boundary
            assert sum(e.count for e in plot.legend) == 300
            assert np.array_equal(plot.coords, view.coords)
            # k = 3 on the trained layer: the network's own groups agree with the classes
            # (ARI 0.66-0.80 with different BLAS kernels: the snapshot of this screen uses frozen weights)
            await pilot.press("k", "k", "p")
            view = screen.view
            assert screen.clusters == 3 and view.clusters is not None and len(np.unique(view.clusters)) == 3
            assert view.cluster_agreement is not None and view.cluster_agreement > 0.5
            assert view.note == latent.UMAP_MISSING
            text = " ".join(info(screen).split())
            assert f"k = 3 · agreement with the classes: ARI {view.cluster_agreement:.2f}" in text
            assert "UMAP needs the optional umap extra" in text
    run(go())


def test_arrows_and_brackets_walk_the_layers_s_the_splits_and_escape_goes_back(no_umap: None) -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())  # 2-4-2-1: layers 0 … 3
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, app, epochs=2)
            assert screen.layer_index == 2
            assert screen.focused is None  # nothing swallows the keys
            await pilot.press("right")
            assert screen.layer_index == 3 and screen.view.layer == 3
            assert "layer 3, output (1 sigmoid)" in info(screen)
            await pilot.press("right")  # stays on the output
            assert screen.layer_index == 3
            for expected in (2, 1, 0, 0):
                await pilot.press("left")
                assert screen.layer_index == expected
            assert "inputs (2)" in info(screen)
            assert np.allclose(screen.view.coords, latent.pca(app.playground.trainer.x, 2).coords)
            await pilot.press("right_square_bracket")
            assert screen.layer_index == 1
            await pilot.press("left_square_bracket")
            assert screen.layer_index == 0
            layers = str(screen.query_one("#latent-layers", Static).content).splitlines()
            assert layers[0].startswith("▶ inputs") and len(layers) == 4
            keys = {b.binding.key for b in screen.active_bindings.values()}
            assert {"left", "right", "p", "k", "s", "escape"} <= keys
            assert "space" not in keys  # the playground's keys are off while inspecting
            epoch = app.playground.trainer.epoch
            await pilot.press("n")  # not "one epoch" here
            assert app.playground.trainer.epoch == epoch
            t = app.playground.trainer
            assert screen.split == "whole" and len(screen.view.coords) == len(t.x)
            for name in ("train", "test", "whole"):  # s: the splits that hold samples (no validation here)
                await pilot.press("s")
                assert screen.split == name
                n = len(split_index(t, name))
                assert len(screen.view.coords) == n
                assert f"{n} from the" in info(screen)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, LatentScreen)
    run(go())


def test_p_without_umap_notifies_and_stays_pca(no_umap: None) -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, app, epochs=1)
            await pilot.press("p")
            await pilot.pause()
            assert screen.view.method == "pca" and screen.view.note == latent.UMAP_MISSING
            assert any(n.message == latent.UMAP_MISSING for n in app._notifications)
            text = " ".join(info(screen).split())
            assert "UMAP needs the optional umap extra" in text and "PC1" in text
            await pilot.press("right")  # the note stays while UMAP is asked for
            assert screen.view.note == latent.UMAP_MISSING
            await pilot.press("p")
            assert screen.view.method == "pca" and screen.view.note == ""
            assert "note" not in info(screen)
    run(go())


def test_p_with_umap_installed_projects_in_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []

    def fake_umap(x: np.ndarray, seed: int) -> np.ndarray:
        calls.append((x.shape[1], seed))
        return np.column_stack([x[:, 0], -x[:, 1]])

    monkeypatch.setattr(latent, "umap_available", lambda: True)
    monkeypatch.setattr(latent, "umap_embed", fake_umap)

    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, app, epochs=1)
            await pilot.press("left")  # layer 1: 4 tanh units
            await pilot.press("p")
            await app.workers.wait_for_complete()
            await pilot.pause()
            view = screen.view
            assert view.method == "umap" and view.note == "" and view.explained is None
            assert calls == [(4, 0)]
            acts = latent.layer_outputs(latent.engine_network(app.playground.trainer), app.playground.trainer.x, 1)
            assert np.allclose(view.coords, np.column_stack([acts[:, 0], -acts[:, 1]]))
            assert "UMAP (nonlinear" in info(screen)
            assert "UMAP" in str(screen.query_one(ScatterPlot).border_title)
            await pilot.press("p")
            assert screen.view.method == "pca"
    run(go())


def test_k_cycles_kmeans_and_shows_its_agreement_with_the_classes(no_umap: None, monkeypatch: pytest.MonkeyPatch) -> None:
    async def go() -> None:
        app = TuinnApp(spirals_3())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, app, epochs=10)
            assert screen.clusters == 0 and screen.view.clusters is None
            assert "off" in info(screen)
            seen = []
            for _ in CLUSTER_STEPS:
                await pilot.press("k")
                seen.append(screen.clusters)
                if screen.clusters:
                    view = screen.view
                    assert view.clusters is not None and len(np.unique(view.clusters)) == screen.clusters
                    expected = latent.latent_view(app.playground.trainer, 3, clusters=screen.clusters)
                    assert view.cluster_agreement == pytest.approx(expected.cluster_agreement)
                    assert f"ARI {view.cluster_agreement:.2f}" in " ".join(info(screen).split())
                    legend = [e.label for e in screen.query_one(ScatterPlot).legend]
                    assert legend == [f"cluster {c + 1}" for c in range(screen.clusters)]
            assert seen == [2, 3, 4, 5, 6, 8, 0]
            assert screen.query_one(ScatterPlot).legend[0].label == "class 0"

            # From KMEANS_THREAD_POINTS points on (lowered here), k-means leaves the UI thread; same result.
            monkeypatch.setattr(latent_screen, "KMEANS_THREAD_POINTS", 100)
            assert screen.slow() == ""  # k-means off: nothing slow
            screen.action_cycle_clusters()
            assert screen.computing == "k-means" and "computing   k-means …" in info(screen)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert screen.computing == "" and screen.view.clusters is not None
            expected = latent.latent_view(app.playground.trainer, 3, clusters=2)
            assert np.array_equal(screen.view.clusters, expected.clusters)
            assert screen.view.cluster_agreement == pytest.approx(expected.cluster_agreement)
    run(go())


def test_regression_colours_by_binned_target_and_a_one_unit_layer_still_draws(no_umap: None) -> None:
    async def go() -> None:
        exp: Experiment = loads(REGRESSION, "reg (test)")
        app = TuinnApp(exp)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, app, epochs=2)
            assert screen.layer_index == 1  # the one-unit hidden layer
            view = screen.view
            assert view.labels is None and view.separation is None
            assert np.all(view.coords[:, 1] == 0.0) and np.ptp(view.coords[:, 0]) > 0  # PCA pads to 2-D
            assert view.explained[1] == 0.0
            plot = screen.query_one(ScatterPlot)
            assert len(plot.legend) == 5 and sum(e.count for e in plot.legend) == len(view.values)
            lo, hi = float(view.values.min()), float(view.values.max())
            assert plot.legend[0].label.startswith(f"{lo:.3g}…") and plot.legend[-1].label.endswith(f"…{hi:.3g}")
            assert "target value" in info(screen)
            assert f"{lo:.3g} to " in info(screen) and f" to {hi:.3g} ({plot.legend[-1].count})" in info(screen)
            assert "x: PC1 (100.0 %)" in plot.render().plain  # drawn, on the x axis
            await pilot.press("k")
            assert "no classes to compare with" in info(screen)
    run(go())


"""The weights screen driven with Pilot: both bar charts as `importances` orders them,
"train N seeds" to completion (equal to `insight` with the same arguments), cancel by `n`
and by escape, where the epoch count comes from, and Pima's column names on the bars."""

from __future__ import annotations

import asyncio
import copy
import os
from pathlib import Path

import numpy as np
import pytest
from textual.widgets import ProgressBar, Select, Static

from tuinn.analysis.importance import importances, insight, ranking
from tuinn.config.experiments import resolve
from tuinn.config.spec import Experiment, loads
from tuinn.session.playground import Playground, default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.screens.weights_screen import DEFAULT_SEEDS, SEED_CHOICES, WeightsScreen, agreement_lines
from tuinn.tui.widgets.importance_bars import ImportanceBars
from tuinn.tui.widgets.seed_table import SeedTable, top_names

SIZE = (160, 48)

#: Small and fast: every seed trains 3 epochs of 200 points.
TINY = """
name = "tiny-circle"
seed = 0

[data]
source = "circle"
samples = 200
features = ["x1", "x2", "x1^2", "x2^2"]

[[model.layers]]
units = 4
activation = "tanh"

[[model.layers]]
units = 1
activation = "sigmoid"

[train]
loss = "bce"
optimizer = "adam"
learning_rate = 0.03
batch_size = 10
epochs = 3
"""


def run(coro) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(coro)


def tiny() -> Experiment:
    return loads(TINY, "tiny (test)")


async def open_screen(pilot, app: TuinnApp, epochs: int = 0, playground: Playground | None = None) -> WeightsScreen:  # type: ignore[no-untyped-def]
    await pilot.pause()
    pg = playground or app.playground
    if epochs:
        pg.run_epochs(epochs)
    screen = WeightsScreen(pg)
    app.push_screen(screen)
    await pilot.pause()
    assert app.screen is screen
    return screen


def status(screen: WeightsScreen) -> str:
    return str(screen.query_one("#seeds-epochs", Static).content)


def test_bars_follow_importances_with_the_feature_names() -> None:
    async def go() -> None:
        app = TuinnApp(tiny())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, app, epochs=2)
            expected = importances(app.playground.trainer, "train")
            features = ["x1", "x2", "x1^2", "x2^2"]
            assert list(app.playground.trainer.dataset.feature_names) == features
            for method in ("weights", "gradient"):
                bars = screen.query_one(f"#bars-{method}", ImportanceBars)
                assert np.allclose(bars.values, expected[method])
                assert bars.order == ranking(expected[method])
                assert bars.bar_labels() == [features[i] for i in ranking(expected[method])]
                lines = bars.render().plain.splitlines()
                assert [line.split()[0] for line in lines[:4]] == bars.bar_labels()  # drawn in that order
                assert lines[0].rstrip().endswith(f"{expected[method].max():.3g}")
            assert "|W|" in str(screen.query_one("#bars-weights").border_title)
            assert "∂ŷ/∂x" in str(screen.query_one("#bars-gradient").border_title)
            assert screen.focused is None  # the Select does not catch `n`
            keys = {b.binding.key for b in screen.active_bindings.values()}
            assert {"n", "escape"} <= keys and "space" not in keys
            select = screen.query_one("#seeds-n", Select)
            assert select.value == DEFAULT_SEEDS and SEED_CHOICES == (3, 5, 10)
            assert "× 2 epochs (the playground's current epoch)" in status(screen)
            assert "seeds 0…4" in status(screen)
    run(go())


def test_n_trains_the_seeds_and_matches_insight() -> None:
    async def go() -> None:
        exp = tiny()
        app = TuinnApp(copy.deepcopy(exp))
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, app)  # epoch 0: each model trains train.epochs = 3
            assert "× 3 epochs (train.epochs: the playground is at epoch 0)" in status(screen)
            screen.query_one("#seeds-n", Select).value = 3
            await pilot.pause()
            assert screen.n_seeds == 3 and "seeds 0…2" in status(screen)
            await pilot.press("n")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert screen.state == "done"
            expected = insight(exp, 3, epochs=3, k=3)
            result = screen.result
            assert result is not None
            assert [s["seed"] for s in result["seeds"]] == [0, 1, 2]
            assert result["agreement"] == expected["agreement"]
            for got, want in zip(result["seeds"], expected["seeds"], strict=True):
                assert got["rank_gradient"] == want["rank_gradient"] and got["rank_weights"] == want["rank_weights"]
                assert got["test"]["accuracy"] == pytest.approx(want["test"]["accuracy"])
            table = screen.query_one(SeedTable)
            feats = expected["features"]
            assert table.cells == [(str(s["seed"]), f"{s['test']['accuracy']:.3f}", top_names(s["rank_gradient"], feats),
                                    top_names(s["rank_weights"], feats)) for s in expected["seeds"]]
            assert table.row_count == 3
            text = " ".join(str(screen.query_one("#seeds-agreement", Static).content).split())
            for method in ("gradient", "weights"):
                first, rest = agreement_lines(expected["agreement"][method], 3, feats)
                assert f"{first} {rest}" in text
            top = expected["agreement"]["gradient"]
            assert f"{feats[top['top1']]} first in {round(3 * top['top1_share'])}/3" in text
            bar = screen.query_one(ProgressBar)
            assert bar.total == 9 and bar.progress == 9
            assert not screen.query_one("#seeds-n", Select).disabled
            assert app.playground.trainer.epoch == 0  # the playground's own model is untouched
    run(go())


def test_n_again_cancels_a_running_job_and_escape_cancels_then_leaves() -> None:
    async def go() -> None:
        exp = tiny()
        epochs = 200_000  # long enough to be cancelled while it runs (the seeds train together: ~2000 epochs took < 0.3 s)
        exp.train.epochs = epochs
        app = TuinnApp(exp)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, app)
            await pilot.press("n")
            await pilot.pause(0.3)
            assert screen.state == "running" and screen.query_one("#seeds-n", Select).disabled
            await pilot.press("n")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert screen.state == "cancelled" and screen.result is None
            assert screen.query_one(SeedTable).row_count < DEFAULT_SEEDS
            assert "cancelled" in str(screen.query_one("#seeds-agreement", Static).content)
            assert screen.query_one(ProgressBar).progress < DEFAULT_SEEDS * epochs
            await pilot.press("n")  # and again: a fresh run starts
            await pilot.pause(0.2)
            assert screen.state == "running"
            await pilot.press("escape")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert not isinstance(app.screen, WeightsScreen)
            assert not any(w.is_running for w in app.workers)
    run(go())


def test_the_playground_default_has_two_inputs_and_a_run_of_five() -> None:
    """Default N = 5 on TensorFlow Playground's default, at its current epoch."""
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, app, epochs=2)
            assert screen.epochs() == (2, "the playground's current epoch")
            await pilot.press("n")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert screen.state == "done" and len(screen.result["seeds"]) == 5
            assert screen.result["epochs"] == 2
            assert screen.query_one(SeedTable).row_count == 5
    run(go())


PIMA = Path(os.environ.get("TUINN_DATA_DIR", "/nonexistent")) / "pima-indians-diabetes.csv"


@pytest.mark.skipif("TUINN_DATA_DIR" not in os.environ or not PIMA.exists(), reason="needs the Pima CSV in TUINN_DATA_DIR")
def test_pima_bars_carry_the_column_names() -> None:
    async def go() -> None:
        exp = loads(*resolve("pima-mlp"))
        # The screen reads whatever playground it is given; this one is built here so that
        # the test does not depend on the main screen's handling of tabular data.
        pg = Playground(exp)
        for _ in range(5):
            pg.trainer.run_epoch()
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, app, playground=pg)
            names = ["pregnancies", "glucose", "blood_pressure", "skin_thickness", "insulin", "bmi", "pedigree", "age"]
            expected = importances(pg.trainer, "train")
            for method in ("weights", "gradient"):
                bars = screen.query_one(f"#bars-{method}", ImportanceBars)
                assert sorted(bars.bar_labels()) == sorted(names)
                assert bars.bar_labels() == [names[i] for i in ranking(expected[method])]
                plain = bars.render().plain
                assert "glucose" in plain and "bmi" in plain and "blood_pressure" in plain
            assert "× 5 epochs" in status(screen)
    run(go())


def test_the_select_is_driven_by_keys_and_gives_the_keys_back() -> None:
    async def go() -> None:
        app = TuinnApp(tiny())
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_screen(pilot, app)
            select = screen.query_one("#seeds-n", Select)
            select.focus()
            await pilot.press("enter", "down", "enter")  # 5 → 10
            await pilot.pause()
            assert select.value == 10 and screen.n_seeds == 10
            assert "seeds 0…9" in status(screen)
            assert screen.focused is None  # `n` reaches the screen again
            assert "n" in {b.binding.key for b in screen.active_bindings.values()}
    run(go())

"""No control shows a stale value: after a load (ctrl+o, as a user does it), the palette, or a
weight typed in, every control and the status line show what the session holds.

Each control's displayed value is compared with the experiment spec, computed here from
the spec alone (not through the panels' own code): the Select's value and the label it
draws, the feature toggles, the per-layer controls of the first layer.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from textual.widgets import Checkbox, Select
from textual.widgets._select import SelectCurrent

from tuinn.config.experiments import builtin_names, resolve
from tuinn.config.spec import FEATURES, Experiment, load, loads
from tuinn.errors import DataError
from tuinn.session.playground import Playground, default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.screens.prompt import Prompt
from tuinn.tui.widgets.network_diagram import NetworkDiagram
from tuinn.tui.widgets.status_line import StatusLine

from .test_app import choose, settle

SIZE = (160, 48)
EXPERIMENTS = Path(__file__).parents[2] / "tuinn" / "config" / "experiments"

#: Every control away from its default (blobs: the classes control is on; off-list values for
#: the learning rate, patience and dropout, which the controls must show as they are).
EVERY_CONTROL = """
name = "every-control"
seed = 4

[data]
source = "blobs"
classes = 4
samples = 300
noise = 0.2
test_fraction = 0.3
validation_fraction = 0.2
balance = "oversample"
features = ["x1", "x2", "sin(x1)"]

[[model.layers]]
units = 6
activation = "relu"
norm = "layer"
dropout = 0.25

[[model.layers]]
units = 4
activation = "softmax"

[train]
loss = "cce"
optimizer = "adam"
learning_rate = 0.05
batch_size = 50
l2 = 0.01
early_stopping = {monitor = "validation_loss", patience = 20}
"""


def expected_controls(exp: Experiment) -> dict[str, Any]:
    """What each control must show for ``exp``, read from the spec alone."""
    t, d, first = exp.train, exp.data, exp.model.layers[0]
    regression = t.loss in ("mse", "mae") and exp.model.layers[-1].activation == "linear"
    return {
        "source": d.source, "noise": d.noise, "test_fraction": d.resolved_test_fraction, "batch_size": t.batch_size,
        "classes": d.classes, "validation_fraction": d.validation_fraction, "balance": d.balance,
        "learning_rate": t.learning_rate, "optimizer": t.optimizer,
        "regularization": "l1" if t.l1 else "l2" if t.l2 else "none", "reg_rate": t.l1 or t.l2,
        "early_stopping": t.early_stopping.patience if t.early_stopping else 0,
        "problem": "regression" if regression else "classification",
        "backend": "numpy" if t.backend == "auto" else t.backend,
        "layer": 1, "activation": first.activation, "norm": first.norm, "dropout": first.dropout,
    }


def shown_value(select: Select) -> tuple[Any, str]:
    """The Select's value and the label it draws."""
    return select.value, str(select.query_one(SelectCurrent).label)


def check_every_control(app: TuinnApp, exp: Experiment) -> None:
    for key, want in expected_controls(exp).items():
        select = app.query_one(f"#{key}", Select)
        value, label = shown_value(select)
        prompts = {v: str(p) for p, v in select._options}
        assert value == want and label == prompts[want], (exp.name, key, value, label, want)
    if exp.data.synthetic:
        features = exp.data.features or ["x1", "x2"]
        for i, name in enumerate(FEATURES):
            assert app.query_one(f"#feature-{i}", Checkbox).value == (name in features), (exp.name, name)


async def load_through_ctrl_o(pilot, app: TuinnApp, path: Path) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+o")
    await settle(pilot)
    assert isinstance(app.screen, Prompt)
    app.screen.query_one("#prompt-input").value = str(path)
    await pilot.press("enter")
    await settle(pilot)


def loadable(path: Path) -> Experiment:
    """The experiment in ``path``; skipped when its data is not here (Pima needs TUINN_DATA_DIR)."""
    exp = load(path)
    try:
        Playground(exp)
    except DataError as exc:
        pytest.skip(f"{path.name}: {exc}")
    return exp


@pytest.mark.parametrize("name", builtin_names())
def test_loading_a_built_in_experiment_redraws_every_control(name: str, tmp_path: Path) -> None:
    path = EXPERIMENTS / f"{name}.toml"
    exp = loadable(path)
    start = tmp_path / "every.toml"
    start.write_text(EVERY_CONTROL, encoding="utf-8")

    async def go() -> None:
        app = TuinnApp(load(start))  # every control away from its default before the load
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            check_every_control(app, app.playground.experiment)
            await load_through_ctrl_o(pilot, app, path)
            assert app.playground.experiment.name == exp.name and not app.playground.message
            check_every_control(app, exp)
    asyncio.run(go())


def test_loading_a_file_that_sets_every_control_redraws_them_all(tmp_path: Path) -> None:
    path = tmp_path / "every.toml"
    path.write_text(EVERY_CONTROL, encoding="utf-8")
    exp = load(path)

    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            check_every_control(app, app.playground.experiment)
            await load_through_ctrl_o(pilot, app, path)
            assert app.playground.experiment.name == "every-control"
            check_every_control(app, exp)
            # touching "reg. rate" keeps the loaded kind (L2), it does not drop it
            await choose(pilot, app, "reg_rate", 0.1)
            t = app.playground.experiment.train
            assert (t.l1, t.l2) == (0.0, 0.1) and app.query_one("#regularization", Select).value == "l2"
    asyncio.run(go())


def test_a_data_source_chosen_in_the_palette_shows_its_problem() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.query_one("#problem", Select).value == "classification"
            await pilot.press("ctrl+p")
            await settle(pilot)
            await pilot.press(*"Data: reg-gauss")
            await pilot.pause(0.4)  # the palette searches in the background
            await pilot.press("enter")
            await settle(pilot)
            assert app.playground.experiment.data.source == "reg-gauss"
            check_every_control(app, app.playground.experiment)
            assert app.query_one("#problem", Select).value == "regression"
            assert app.query_one("#source", Select).value == "reg-gauss"
    asyncio.run(go())


def test_a_typed_weight_shows_the_loss_and_accuracy_of_the_new_weights() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("n", "n", "n")
            await settle(pilot)
            before = str(app.query_one(StatusLine).content)
            app.query_one(NetworkDiagram).select_link(1, 0, 1)
            await pilot.press("v")
            await settle(pilot)
            app.screen.query_one("#prompt-input").value = ""
            await pilot.press(*"-6", "enter")
            await settle(pilot)
            t = app.playground.trainer
            assert t.model.get_parameters()["1.W"][0, 1] == -6.0 and t.epoch == 3
            loss = {name: float(t.model.evaluate_loss(t.x[idx], t.y[idx])) for name, idx in (("train", t.train_idx), ("test", t.test_idx))}
            accuracy = {}
            for name, idx in (("train", t.train_idx), ("test", t.test_idx)):
                p = t.probabilities(t.outputs(t.x[idx]))[:, 0]
                accuracy[name] = float(np.mean((p >= 0.5).astype(int) == t.dataset.labels[idx]))
            status = str(app.query_one(StatusLine).content)
            assert status != before
            assert f"loss train {loss['train']:.4f} test {loss['test']:.4f}" in status, status
            assert f"acc train {accuracy['train']:.3f} test {accuracy['test']:.3f}" in status, status
    asyncio.run(go())


def test_the_panels_hold_no_value_of_their_own_after_a_session_change() -> None:
    """A change made on the session directly (as a lesson, a lab or a script does) reaches every control."""

    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            pg = app.playground
            pg.set_source("blobs")
            pg.set_classes(5)
            pg.set_noise(0.35)
            pg.set_learning_rate(0.3)
            pg.set_regularization("l1", 0.003)
            pg.set_early_stopping(50)
            pg.select_layer(2)  # the output layer of 2-4-2-5
            await settle(pilot)
            want = expected_controls(pg.experiment)
            last = pg.experiment.model.layers[1]
            want.update(layer=2, activation=last.activation, norm=last.norm, dropout=last.dropout)
            for key, value in want.items():
                assert app.query_one(f"#{key}", Select).value == value, key
    asyncio.run(go())


def test_the_builtin_experiments_parse() -> None:
    """The list the parametrised test runs over is the real one (a rename would not skip silently)."""
    names = builtin_names()
    assert {"playground", "xor", "reg-gauss", "sine"} <= set(names)
    for name in names:
        assert (EXPERIMENTS / f"{name}.toml").is_file()
        assert loads(*resolve(name)).name == name


def test_a_refused_change_is_said_once_and_the_controls_keep_the_spec() -> None:
    from tuinn.session.edits import OUTPUT_LAYER_FIXED

    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await choose(pilot, app, "layer", 3)  # the output layer: its neuron buttons are disabled,
            assert app.query_one("#add_neuron").disabled
            app.playground.add_neuron(3)  # and the session refuses the edit from anywhere else
            await settle(pilot)
            said = [n.message for n in app._notifications]
            assert said.count(OUTPUT_LAYER_FIXED) == 1, said
            assert [s.units for s in app.playground.experiment.model.layers] == [4, 2, 1]
            assert app.query_one("#layer", Select).value == 3
    asyncio.run(go())


def test_the_weight_editor_refuses_nan_inf_and_words_with_a_message() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            before = app.playground.trainer.model.get_parameters()["1.W"].copy()
            for typed in ("nan", "inf", "-Infinity", "lots"):
                app.query_one(NetworkDiagram).select_link(1, 0, 1)
                await pilot.press("v")
                await settle(pilot)
                app.screen.query_one("#prompt-input").value = typed  # typing it key by key costs a Pilot wait per key
                await pilot.press("enter")
                await settle(pilot)
                said = [str(n.message) for n in app._notifications]
                assert any(repr(typed) in m and ("finite" in m or "not a number" in m) for m in said), said
                assert np.array_equal(app.playground.trainer.model.get_parameters()["1.W"], before)
    asyncio.run(go())

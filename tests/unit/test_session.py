"""The playground session driven headless (no Textual): every typed change, whether it
applies live (the epoch kept) or restarts at epoch 0, and the rules it carries."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tuinn.config.spec import load, to_dict
from tuinn.errors import TuinnError
from tuinn.session.edits import OUTPUT_LAYER_FIXED
from tuinn.session.playground import Playground, default_experiment


def trained(epochs: int = 2) -> Playground:
    pg = Playground(default_experiment())  # circle, 2-4-2-1 tanh/sigmoid, bce
    pg.run_epochs(epochs)
    assert pg.trainer.epoch == epochs
    return pg


def layers(pg: Playground) -> list[tuple[int, str]]:
    return [(s.units, s.activation) for s in pg.experiment.model.layers]


#: (change, what it declares, a check of the spec and the trainer after it)
CHANGES: list[tuple[str, Callable[[Playground], Any], str, Callable[[Playground], bool]]] = [
    ("learning rate", lambda pg: pg.set_learning_rate(0.1), "live",
     lambda pg: pg.experiment.train.learning_rate == 0.1 and pg.trainer.model.learning_rate == 0.1),
    ("batch size", lambda pg: pg.set_batch_size(30), "live",
     lambda pg: pg.experiment.train.batch_size == 30 and pg.trainer.batch_size == 30),
    ("L2", lambda pg: pg.set_regularization("l2", 0.01), "live",
     lambda pg: (pg.experiment.train.l1, pg.experiment.train.l2) == (0.0, 0.01) and pg.trainer.network.l2 == 0.01),
    ("early stopping", lambda pg: pg.set_early_stopping(25), "live",
     lambda pg: (pg.experiment.train.early_stopping.patience, pg.experiment.train.early_stopping.monitor) == (25, "test_loss")),
    ("weight", lambda pg: pg.edit_weight(1, 0, 1, 4.5), "live", lambda pg: pg.trainer.model.get_parameters()["1.W"][0, 1] == 4.5),
    ("source", lambda pg: pg.set_source("xor"), "restart", lambda pg: pg.experiment.data.source == "xor"),
    ("noise", lambda pg: pg.set_noise(0.2), "restart", lambda pg: pg.experiment.data.noise == 0.2),
    ("test fraction", lambda pg: pg.set_test_fraction(0.3), "restart",
     lambda pg: pg.experiment.data.test_fraction == 0.3 and len(pg.trainer.test_idx) == 150),
    ("validation", lambda pg: pg.set_validation_fraction(0.2), "restart", lambda pg: len(pg.trainer.val_idx) == 100),
    ("balance", lambda pg: pg.set_balance("oversample"), "restart", lambda pg: pg.trainer.balance_report["method"] == "oversample"),
    ("features", lambda pg: pg.set_features(["x1", "x2", "x1^2"]), "restart", lambda pg: pg.trainer.dataset.n_inputs == 3),
    ("optimizer", lambda pg: pg.set_optimizer("adam"), "restart", lambda pg: pg.trainer.model.optimizer.name == "adam"),
    ("activation", lambda pg: pg.set_activation(2, "relu"), "restart", lambda pg: layers(pg) == [(4, "tanh"), (2, "relu"), (1, "sigmoid")]),
    ("dropout", lambda pg: pg.set_dropout(1, 0.2), "restart", lambda pg: pg.experiment.model.layers[0].dropout == 0.2),
    ("norm", lambda pg: pg.set_norm(1, "batch"), "restart", lambda pg: pg.experiment.model.layers[0].norm == "batch"),
    ("add layer", lambda pg: pg.add_layer(), "restart", lambda pg: layers(pg) == [(4, "tanh"), (2, "tanh"), (2, "tanh"), (1, "sigmoid")]),
    ("remove layer", lambda pg: pg.remove_layer(), "restart", lambda pg: layers(pg) == [(4, "tanh"), (1, "sigmoid")]),
    ("add neuron", lambda pg: pg.add_neuron(1), "restart", lambda pg: [u for u, _ in layers(pg)] == [5, 2, 1]),
    ("remove neuron", lambda pg: pg.remove_neuron(2), "restart", lambda pg: [u for u, _ in layers(pg)] == [4, 1, 1]),
    ("regenerate", lambda pg: pg.regenerate(), "restart", lambda pg: pg.experiment.seed == 1),
    ("reset", lambda pg: pg.reset(), "restart", lambda pg: pg.experiment.seed == 0),
    ("problem", lambda pg: pg.set_problem("regression"), "restart",
     lambda pg: pg.experiment.train.loss == "mse" and pg.snapshot().kind == "regression"),
]


@pytest.mark.parametrize(("name", "change", "applies", "check"), CHANGES, ids=[c[0] for c in CHANGES])
def test_each_change_says_live_or_restart_and_does_it(name: str, change: Callable[[Playground], Any], applies: str,
                                                      check: Callable[[Playground], bool]) -> None:
    pg = trained(2)
    version = pg.spec_version
    assert change(pg) == applies
    assert not pg.message, pg.message
    assert check(pg), name
    assert pg.trainer.epoch == (2 if applies == "live" else 0)
    assert pg.spec_version > version  # the views learn that they must redraw their controls


def test_a_change_while_training_waits_for_the_end_of_the_epoch() -> None:
    pg = trained(1)
    pg.running = True
    assert pg.set_noise(0.3) == "restart"
    assert pg.experiment.data.noise == 0.0 and pg.trainer.epoch == 1  # queued
    pg.run_epochs(1)  # applied first, then one epoch from the restart
    assert pg.experiment.data.noise == 0.3 and pg.trainer.epoch == 1


def test_a_regression_source_makes_the_problem_a_regression_and_back() -> None:
    pg = trained(1)
    pg.set_source("reg-gauss")
    e = pg.experiment
    assert (e.train.loss, e.model.layers[-1].activation, e.model.layers[-1].units, e.data.balance) == ("mse", "linear", 1, "none")
    assert pg.snapshot().kind == "regression"
    pg.set_source("spiral")
    assert (pg.experiment.train.loss, pg.experiment.model.layers[-1].activation) == ("bce", "sigmoid")


def test_a_one_dimensional_source_has_the_one_input_x1() -> None:
    pg = trained(1)
    pg.set_features(["x1", "x2", "x1^2"])
    pg.set_source("sine")
    assert pg.experiment.data.features == ["x1"] and pg.snapshot().kind == "curve"
    pg.set_source("circle")
    assert pg.experiment.data.features == ["x1", "x2"]


def test_more_classes_of_a_multiclass_source_widen_the_output() -> None:
    pg = trained(1)
    pg.set_source("blobs")
    assert pg.set_classes(4) == "restart"
    e = pg.experiment
    assert (e.data.classes, e.model.layers[-1].units, e.model.layers[-1].activation, e.train.loss) == (4, 4, "softmax", "cce")
    assert pg.snapshot().kind == "multiclass"


def test_the_early_stopping_monitor_follows_the_held_out_split() -> None:
    pg = trained(1)
    pg.set_early_stopping(10)
    assert pg.experiment.train.early_stopping.monitor == "test_loss"
    pg.set_validation_fraction(0.2)
    assert pg.experiment.train.early_stopping.monitor == "validation_loss"
    pg.set_validation_fraction(0.0)
    assert pg.experiment.train.early_stopping.monitor == "test_loss"
    assert pg.set_early_stopping(0) == "live" and pg.experiment.train.early_stopping is None


def test_the_output_layer_size_is_refused_not_a_crash() -> None:
    pg = trained(2)
    before = to_dict(pg.experiment)
    version = pg.spec_version
    assert pg.add_neuron(3) == "refused" and pg.remove_neuron(3) == "refused"
    assert pg.message == pg.edit_error == OUTPUT_LAYER_FIXED
    assert to_dict(pg.experiment) == before and pg.trainer.epoch == 2
    assert pg.spec_version > version  # the refusal is shown
    assert pg.set_regularization("l3") == "refused" and "regularization" in pg.message
    pg.set_noise(0.1)  # a change made: nothing to complain about
    assert pg.edit_error == "" and pg.message == ""


def test_an_invalid_change_leaves_the_experiment_and_says_why() -> None:
    pg = trained(2)
    before = to_dict(pg.experiment)
    pg.set_learning_rate(-1.0)
    assert pg.message and "learning_rate" in pg.message
    assert to_dict(pg.experiment) == before and pg.trainer.epoch == 2


def test_regularisation_kind_and_rate_are_kept_apart() -> None:
    pg = trained(1)
    assert pg.regularization_kind == "none"
    pg.set_regularization("l2")  # a kind with the current rate (0): still L2 when the rate comes
    assert pg.regularization_kind == "l2" and pg.experiment.train.l2 == 0.0
    pg.set_reg_rate(0.03)
    assert (pg.experiment.train.l1, pg.experiment.train.l2) == (0.0, 0.03)
    pg.set_regularization("l1")  # the kind changes, the rate stays
    assert (pg.experiment.train.l1, pg.experiment.train.l2) == (0.03, 0.0)
    pg.set_regularization("none")
    assert (pg.experiment.train.l1, pg.experiment.train.l2) == (0.0, 0.0) and pg.regularization_kind == "none"


def test_a_loaded_l2_stays_l2_when_its_rate_changes(tmp_path: Path) -> None:
    path = tmp_path / "l2.toml"
    path.write_text(CIRCLE_L2, encoding="utf-8")
    pg = trained(1)
    pg.set_regularization("l1", 0.3)
    assert pg.load(path) == "restart"
    assert pg.regularization_kind == "l2" and pg.regularization_rate == 0.01
    pg.set_reg_rate(0.1)
    assert (pg.experiment.train.l1, pg.experiment.train.l2) == (0.0, 0.1)


def test_selecting_a_layer_picks_what_the_per_layer_controls_change() -> None:
    pg = trained(1)
    version = pg.spec_version
    pg.select_layer(2)
    assert pg.selected_layer == 2 and pg.spec_version > version and pg.trainer.epoch == 1
    pg.remove_layer()  # 4-1: layer 2 is now the output layer
    assert pg.selected_layer == 2 and len(pg.experiment.model.layers) == 2
    pg.remove_layer()  # the output layer alone: the selection follows it
    assert pg.selected_layer == 1 and len(pg.experiment.model.layers) == 1
    pg.remove_layer()  # no hidden layer left to remove: nothing changes
    assert len(pg.experiment.model.layers) == 1 and not pg.message


def test_editing_a_weight_evaluates_the_losses_of_the_new_weights() -> None:
    pg = trained(3)
    n = len(pg.train_loss)
    old = pg.train_loss[-1]
    assert pg.edit_weight(1, 0, 1, 4.5) == "live"
    t = pg.trainer
    fresh = float(t.model.evaluate_loss(t.x[t.train_idx], t.y[t.train_idx]))
    fresh_test = float(t.model.evaluate_loss(t.x[t.test_idx], t.y[t.test_idx]))
    assert len(pg.train_loss) == n  # the epoch's entry replaced, not a new epoch
    assert pg.train_loss[-1] == fresh != old and pg.test_loss[-1] == fresh_test
    s = pg.snapshot()
    assert s.train_loss[-1] == fresh and s.weights[0][0, 1] == 4.5


def test_switching_the_backend_keeps_weights_epoch_and_history() -> None:
    pytest.importorskip("torch")
    pg = trained(2)
    weights = [w.copy() for w in pg.snapshot().weights]
    history = list(pg.train_loss)
    assert pg.set_backend("torch") == "live"
    assert pg.trainer.model.name == "torch" and pg.trainer.epoch == 2 and pg.train_loss == history
    assert all(np.array_equal(a, b) for a, b in zip(weights, pg.snapshot().weights, strict=True))


def test_save_then_load_restores_the_spec_the_weights_and_the_epoch(tmp_path: Path) -> None:
    pg = trained(3)
    pg.set_noise(0.1)
    pg.run_epochs(3)
    spec = copy.deepcopy(to_dict(pg.experiment))
    weights = [w.copy() for w in pg.snapshot().weights]
    assert pg.save(tmp_path / "saved") == tmp_path / "saved"
    other = Playground(default_experiment())
    assert other.load(tmp_path / "saved") == "restart"
    assert to_dict(other.experiment) == spec and other.trainer.epoch == 3
    assert all(np.array_equal(a, b) for a, b in zip(weights, other.snapshot().weights, strict=True))
    assert other.load(tmp_path / "saved" / "config.toml") == "restart" and other.trainer.epoch == 0


def test_loading_a_broken_file_changes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[train]\nlearning_rate = -3\n", encoding="utf-8")
    pg = trained(2)
    before = to_dict(pg.experiment)
    with pytest.raises(TuinnError):
        pg.load(bad)
    assert to_dict(pg.experiment) == before and pg.trainer.epoch == 2


def test_loading_an_experiment_file_takes_all_its_settings(tmp_path: Path) -> None:
    path = tmp_path / "every.toml"
    path.write_text(CIRCLE_L2, encoding="utf-8")
    pg = trained(1)
    pg.load(path)
    assert to_dict(pg.experiment) == to_dict(load(path))
    assert pg.trainer.epoch == 0 and pg.trainer.batch_size == 50 and len(pg.trainer.test_idx) == 150


CIRCLE_L2 = """
name = "circle-l2"
seed = 3

[data]
source = "circle"
samples = 500
noise = 0.2
test_fraction = 0.3

[[model.layers]]
units = 4
activation = "tanh"

[[model.layers]]
units = 1
activation = "sigmoid"

[train]
loss = "bce"
optimizer = "sgd"
learning_rate = 0.03
batch_size = 50
l2 = 0.01
early_stopping = {monitor = "test_loss", patience = 10}
"""


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_weight_that_is_not_finite_is_refused(value: float) -> None:
    pg = trained(2)
    before = pg.trainer.model.get_parameters()["1.W"].copy()
    losses = list(pg.train_loss)
    assert pg.edit_weight(1, 0, 1, value) == "refused"
    assert "finite" in pg.message and "w1[1,2]" in pg.message
    assert np.array_equal(pg.trainer.model.get_parameters()["1.W"], before) and pg.train_loss == losses


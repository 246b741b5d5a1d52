"""The playground's overfitting aids, headless: the best epoch of the held-out loss and early
stopping that pauses where `tuinn train` would stop (same rule, same epochs, same weights)."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config.spec import EarlyStopping, loads
from tuinn.session.playground import Playground
from tuinn.training.trainer import Trainer

OVERFIT = """
name = "overfit"
seed = 3
[data]
source = "gauss"
samples = 60
noise = 0.5
test_fraction = 0.5
[[model.layers]]
units = 24
activation = "relu"
[[model.layers]]
units = 24
activation = "relu"
[[model.layers]]
units = 1
activation = "sigmoid"
[train]
loss = "bce"
optimizer = "adam"
learning_rate = 0.03
batch_size = 10
epochs = 400
"""


def test_best_epoch_is_the_lowest_test_loss_after_epoch_0() -> None:
    pg = Playground(loads(OVERFIT))
    pg.run_epochs(60)
    losses = np.asarray(pg.test_loss)
    assert len(losses) == 61
    assert pg.monitor() == "test_loss"
    best = pg.best_epoch()
    assert best == 1 + int(np.argmin(losses[1:]))
    assert best < 60  # this net overfits: the test loss turns up before epoch 60
    snap = pg.snapshot()
    assert snap.best_epoch == best and snap.monitor == "test_loss" and snap.stopped_epoch is None


def test_best_epoch_uses_the_validation_split_when_there_is_one() -> None:
    exp = loads(OVERFIT)
    exp.data.validation_fraction = 0.2
    pg = Playground(exp)
    pg.run_epochs(10)
    assert pg.monitor() == "validation_loss"
    assert pg.best_epoch() == 1 + int(np.argmin(np.asarray(pg.validation_loss)[1:]))


@pytest.mark.parametrize("monitor", ["test_loss", "test_accuracy"])
def test_early_stopping_pauses_where_tuinn_train_stops(monitor: str) -> None:
    exp = loads(OVERFIT)
    exp.train.early_stopping = EarlyStopping(monitor=monitor, patience=8)
    pg = Playground(exp)
    pg.running = True
    pg.run_epochs(400)
    assert not pg.running and pg.stopped_epoch is not None
    assert pg.stopped_epoch < 400
    assert "early stopping" in pg.message and f"{monitor.replace('_', ' ')} has not improved for 8 epochs" in pg.message

    trainer = Trainer(loads(OVERFIT))
    trainer.experiment.train.early_stopping = EarlyStopping(monitor=monitor, patience=8)
    fit = trainer.fit(400)
    assert fit.stopped_early and fit.epochs_run == pg.stopped_epoch
    assert f"best epoch {fit.best_epoch} " in pg.message
    # The playground keeps the weights of the epoch it stopped at (tuinn train restores the best).
    stopped = trainer.history[-1]
    assert pg.test_loss[-1] == pytest.approx(stopped.splits["test"]["loss"], rel=1e-12)
    assert pg.snapshot().stopped_epoch == pg.stopped_epoch


def test_changing_early_stopping_live_clears_the_stop_mark() -> None:
    exp = loads(OVERFIT)
    exp.train.early_stopping = EarlyStopping(monitor="test_loss", patience=3)
    pg = Playground(exp)
    pg.running = True
    pg.run_epochs(200)
    assert pg.stopped_epoch is not None
    epoch = pg.trainer.epoch
    pg.edit_spec(lambda e: setattr(e.train, "early_stopping", None), restart=False)
    assert pg.stopped_epoch is None and pg.trainer.epoch == epoch  # live: no restart
    pg.running = True
    pg.run_epochs(5)
    assert pg.trainer.epoch == epoch + 5 and pg.stopped_epoch is None

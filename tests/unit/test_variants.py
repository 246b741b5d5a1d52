"""The lock-step loop of side-by-side variants, headless: every variant advances by the same
epochs per tick, a diverged one stops with its reason while the others go on, and a reset
from another thread never leaves the variants at different epochs."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tuinn.course.labs import load_lab
from tuinn.session.variants import LockStep, SideBySide

MSE = ["train.loss=mse", "model.layers[3].activation=linear"]


def sides() -> SideBySide:
    lab = load_lab("learning-rate")
    assert lab.experiment is not None
    return SideBySide(lab.experiment, [("α=10", [*MSE, "train.learning_rate=10"]), ("α=0.01", [*MSE, "train.learning_rate=0.01"]),
                                       ("α=0.03", [*MSE, "train.learning_rate=0.03"])])


def test_a_diverged_variant_stops_with_its_reason_and_the_others_go_on() -> None:
    side = sides()
    wild, calm, other = side.variants
    assert side.steps.advance(6)
    assert wild.stopped and wild.playground.message.startswith("paused: training diverged")
    assert wild.playground.trainer.epoch < 6
    assert calm.playground.trainer.epoch == other.playground.trainer.epoch == 6 == side.epoch
    assert side.steps.stopped == [wild]
    side.run_epochs(2)
    assert calm.playground.trainer.epoch == other.playground.trainer.epoch == 8 and wild.playground.trainer.epoch < 6
    alone = LockStep([wild])
    assert not alone.advance(1)  # nothing left to train


def test_the_variants_train_as_they_would_alone() -> None:
    side = sides()
    side.steps.advance(3)
    alone = sides().variants[1].playground
    alone.run_epochs(3)
    mine = side.variants[1].playground.trainer.model.get_parameters()
    assert all(np.array_equal(mine[k], v) for k, v in alone.trainer.model.get_parameters().items())


def test_a_reset_from_another_thread_lands_between_two_ticks(monkeypatch: pytest.MonkeyPatch) -> None:
    side = sides()
    first, second = side.variants[1].playground, side.variants[2].playground
    first.run_epochs(1)
    second.run_epochs(1)
    resetting: list[threading.Thread] = []
    train_second = second.run_epochs

    def mid_tick(n: int = 1) -> None:
        # The first variant has trained this tick; a reset asked for now must wait for the tick's end.
        thread = threading.Thread(target=side.steps.reset)
        thread.start()
        resetting.append(thread)
        thread.join(0.5)
        train_second(n)

    monkeypatch.setattr(second, "run_epochs", mid_tick)
    side.steps.advance(1)
    monkeypatch.undo()
    resetting[0].join()
    assert first.trainer.epoch == second.trainer.epoch == 0  # not 0 and 2: the reset came after the tick

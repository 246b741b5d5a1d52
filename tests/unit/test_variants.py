"""The lock-step loop of side-by-side variants, headless: every variant advances by the same
epochs per tick, those of one shape on the batched engine and each as it would alone, a
diverged one stops with its reason while the others go on, and a reset from another
thread never leaves the variants at different epochs."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tuinn.session.lockstep as lockstep
from tuinn.course.labs import load_lab
from tuinn.session.playground import Playground
from tuinn.session.variants import LockStep, SideBySide, Variant, variant_experiment

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


def assert_as_alone(variant: Variant, base, epochs: int) -> None:
    """The variant's weights, epoch, losses and stop are those of its playground trained alone (1e-12)."""
    alone = Playground(variant_experiment(base, variant.overrides, variant.label))
    alone.run_epochs(epochs)
    mine, theirs = variant.playground, alone
    assert mine.trainer.epoch == theirs.trainer.epoch and mine.trainer.steps == theirs.trainer.steps, variant.label
    assert variant.stopped == theirs.message.startswith("paused"), (variant.label, mine.message, theirs.message)
    for key, value in theirs.trainer.model.get_parameters().items():
        np.testing.assert_allclose(mine.trainer.model.get_parameters()[key], value, rtol=1e-12, atol=1e-14, err_msg=f"{variant.label} {key}")
    for split in ("train", "test"):
        np.testing.assert_allclose(list(getattr(mine, f"{split}_loss")), list(getattr(theirs, f"{split}_loss")), rtol=1e-12,
                                   err_msg=f"{variant.label} {split}")
    assert list(mine.rate_history) == pytest.approx(list(theirs.rate_history), rel=1e-15)


def test_the_variants_train_as_they_would_alone() -> None:
    side = sides()
    assert side.steps.batched == 3 and not side.steps.alone  # one shape: one batched network
    side.steps.advance(3)
    for variant in side.variants:
        assert_as_alone(variant, side.base, 3)


@pytest.mark.parametrize(("name", "batched"), [("learning-rate", 5), ("overfitting", 2), ("linear-collapse", 0)])
def test_each_labs_variants_stack_where_they_share_a_shape_and_train_as_alone(name: str, batched: int) -> None:
    """As the runs lab builds them: every group's variants in one lock-step.

    learning-rate: the five SGD variants (three rates, α 0.003, the decaying α) stack, Adam
    steps alone; overfitting: plain and L2 stack, dropout (its masks) and batch norm alone;
    linear-collapse: linear and tanh layers differ, nothing stacks.
    """
    lab = load_lab(name)
    assert lab.experiment is not None
    sides = [SideBySide(lab.experiment, [(label, list(sets)) for label, sets in group.variants]) for group in lab.groups]
    steps = LockStep([v for side in sides for v in side.variants])
    assert steps.batched == batched and len(steps.alone) == len(steps.members) - batched
    assert steps.advance(5)
    for side in sides:
        for variant in side.variants:
            assert_as_alone(variant, side.base, 5)


def test_a_member_trained_outside_the_lock_step_is_restacked_from_its_own_state() -> None:
    side = sides()
    calm = side.variants[1]
    side.steps.advance(2)
    calm.playground.run_epochs(1)  # the stack's copy of its weights is stale now
    side.steps.advance(2)
    assert calm.playground.trainer.epoch == 5 and side.variants[2].playground.trainer.epoch == 4
    assert_as_alone(calm, side.base, 5)  # plain SGD: no optimizer state to lose in the rebuild


def test_a_reset_from_another_thread_lands_between_two_ticks(monkeypatch: pytest.MonkeyPatch) -> None:
    side = sides()
    first, second = side.variants[1].playground, side.variants[2].playground
    first.run_epochs(1)
    second.run_epochs(1)
    resetting: list[threading.Thread] = []
    record = lockstep.record

    def mid_tick(pg: Playground) -> bool:
        # The first variant has recorded this tick's epoch; a reset asked for now must wait for the tick's end.
        if pg is second:
            thread = threading.Thread(target=side.steps.reset)
            thread.start()
            resetting.append(thread)
            thread.join(0.5)
        return record(pg)

    monkeypatch.setattr(lockstep, "record", mid_tick)
    side.steps.advance(1)
    monkeypatch.undo()
    resetting[0].join()
    assert first.trainer.epoch == second.trainer.epoch == 0  # not 0 and 2: the reset came after the tick

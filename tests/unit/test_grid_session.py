"""The playground's live grid (tuinn.session.grid): each point trains as it would alone.

The grid trains the points that stack on one batched network, an epoch at a time, and
writes each model's weights back into its own trainer after every epoch; the points'
weights and loss histories must be those of the point's own ``Trainer.run_epoch``
(1e-12), for SGD and for Adam with L2, dropout and a step schedule. A few epochs only:
the comparison is with the same arithmetic, not with a stored state.
"""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config.experiments import resolve
from tuinn.config.spec import loads
from tuinn.errors import TuinnError
from tuinn.session.grid import GridSession, default_axes, label_of, parse_axes, point_experiment
from tuinn.session.playground import default_experiment
from tuinn.session.variants import variant_experiment
from tuinn.training.sweep import Axis
from tuinn.training.trainer import Trainer

EPOCHS = 4


def alone(exp, epochs: int) -> tuple[Trainer, list[float]]:
    """The point trained by itself, and its test loss after each epoch."""
    t = Trainer(exp)
    test = []
    for _ in range(epochs):
        t.run_epoch()
        test.append(float(t.model.evaluate_loss(t.x[t.test_idx], t.y[t.test_idx])))
    return t, test


def assert_same_as_alone(grid: GridSession, epochs: int) -> None:
    for p in grid.points:
        single, test = alone(point_experiment(grid.base, p.values), epochs)
        mine, theirs = p.playground.trainer.model.get_parameters(), single.model.get_parameters()
        for key in theirs:
            np.testing.assert_allclose(mine[key], theirs[key], rtol=1e-12, atol=1e-14, err_msg=f"{p.label} {key}")
        assert p.playground.trainer.epoch == single.epoch == epochs
        assert p.playground.trainer.steps == single.steps
        np.testing.assert_allclose(list(p.playground.test_loss)[1:], test, rtol=1e-12)


def test_default_grid_is_three_rates_by_three_noise_levels_and_each_point_trains_as_alone() -> None:
    base = default_experiment()
    axes = default_axes(base, synthetic=True)
    assert axes == [Axis("train.learning_rate", ("0.01", "0.03", "0.09")), Axis("data.noise", ("0", "0.25", "0.5"))]
    grid = GridSession(base, axes)
    assert grid.shape == (3, 3) and grid.batched == 9 and not grid.alone
    assert grid.best() is None  # nothing trained yet: no best
    assert grid.advance(EPOCHS)
    assert_same_as_alone(grid, EPOCHS)
    # each noise level has the data the playground would make with it (the circle's noise moves labels): a row shares it
    data = [np.hstack([p.playground.trainer.x, p.playground.trainer.y]) for p in grid.points]
    assert np.array_equal(data[0], data[2]) and not np.array_equal(data[0], data[3]) and not np.array_equal(data[3], data[6])
    assert all(np.array_equal(d, np.hstack([t.x, t.y])) for d, t in
               zip(data[::3], (Trainer(point_experiment(base, p.values)) for p in grid.points[::3]), strict=True))
    best = grid.best()
    assert best is not None and best.held_out_loss() == min(p.held_out_loss() for p in grid.points)


def test_adam_l2_dropout_and_a_schedule_train_as_alone_and_reset_goes_back_to_epoch_0() -> None:
    base = variant_experiment(default_experiment(), ['train.optimizer="adam"', "train.l2=0.001", "model.layers[1].dropout=0.2",
                                                     'train.schedule={name="step", step_size=2, gamma=0.5}'], "adam")
    grid = GridSession(base, parse_axes("train.learning_rate=0.003,0.03 train.l2=0,0.01"))
    assert grid.batched == 4
    start = [p.playground.trainer.model.get_parameters() for p in grid.points]
    assert grid.advance(EPOCHS)
    assert_same_as_alone(grid, EPOCHS)
    grid.reset()
    assert grid.epoch == 0 and grid.batched == 4
    for p, before in zip(grid.points, start, strict=True):
        after = p.playground.trainer.model.get_parameters()
        assert all(np.array_equal(after[k], before[k]) for k in before)
    assert grid.advance(1)
    assert_same_as_alone(grid, 1)


def test_points_that_cannot_stack_step_alone_with_the_same_result() -> None:
    base = variant_experiment(default_experiment(), ['model.layers[1].norm="batch"'], "bn")
    grid = GridSession(base, parse_axes("train.learning_rate=0.01,0.1"))
    assert grid.batched == 0 and len(grid.alone) == 2
    assert grid.advance(2)
    assert_same_as_alone(grid, 2)


def test_a_diverging_point_stops_with_its_last_finite_weights_and_the_others_go_on() -> None:
    text, source = resolve("reg-plane")
    base = loads(text.replace('optimizer = "adam"', 'optimizer = "sgd"'), source)  # SGD at α = 10 overflows in a few epochs
    grid = GridSession(base, parse_axes("train.learning_rate=0.01,10"))
    assert grid.batched == 2
    assert grid.advance(12)
    ok, wild = grid.points
    assert wild.stopped and "diverged" in wild.playground.message and not ok.stopped
    assert all(np.isfinite(v).all() for v in wild.playground.trainer.model.get_parameters().values())
    assert ok.playground.trainer.epoch == 12 and wild.playground.trainer.epoch < 12
    assert len(wild.playground.train_loss) == wild.playground.trainer.epoch + 1
    assert grid.best() is ok and grid.stopped == [wild]
    single, _ = alone(point_experiment(base, ok.values), 12)  # the other model is untouched by its neighbour's NaNs
    for key, value in single.model.get_parameters().items():
        np.testing.assert_allclose(ok.playground.trainer.model.get_parameters()[key], value, rtol=1e-12, atol=1e-14)


def test_early_stopping_stops_a_point_alone_and_it_trains_no_further() -> None:
    base = variant_experiment(default_experiment(), ["train.early_stopping={patience=1}"], "es")
    grid = GridSession(base, parse_axes("train.learning_rate=0.03,3"))  # α = 3 jumps about: its test loss soon rises
    assert grid.batched == 0  # early stopping is per point: they step alone
    for _ in range(20):
        grid.advance(1)
    calm, wild = grid.points
    assert wild.stopped and wild.playground.stopped_epoch is not None and "early stopping" in wild.playground.message
    assert wild.playground.trainer.epoch == wild.playground.stopped_epoch < 20  # not trained past its stop
    assert not calm.stopped and calm.playground.trainer.epoch == 20


def test_the_base_experiment_is_not_changed() -> None:
    base = default_experiment()
    before = repr(base)
    GridSession(base, default_axes(base, synthetic=True)).advance(1)
    assert repr(base) == before


@pytest.mark.parametrize(("text", "says"), [
    ("train.learning_rate=0.1,abc", "train.learning_rate=abc"),
    ("data.noise=0,0.9", "data.noise=0.9"),
    ("train.learning_rate=0.1,0.1", "repeated"),
    ("nonsense", "expected KEY=V1,V2"),
    ("seed=1,2 data.noise=0,0.1 train.l2=0,0.1", "at most 2 axes"),
    ("seed=1,2,3,4,5 data.noise=0,0.1,0.2,0.3", "20 points"),
])
def test_bad_axes_are_one_line_naming_the_value(text: str, says: str) -> None:
    with pytest.raises(TuinnError) as got:
        GridSession(default_experiment(), parse_axes(text))
    message = str(got.value)
    assert says in message and "\n" not in message, message


def test_labels_use_short_names() -> None:
    assert label_of({"train.learning_rate": "0.03", "data.noise": "0.25"}) == "α 0.03 · noise 0.25"
    assert label_of({"model.layers[1].units": "8"}) == "model.layers[1].units 8"
    assert label_of({"train.optimizer": '"adam"', "seed": "'x'"}) == "opt adam · seed x"

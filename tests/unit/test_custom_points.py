"""Your own points (issue 18 §3), headless: the session adds and removes points, the data becomes
inline data with its split row by row, training goes on from the same weights, and the saved file
reads back (the playground, ``tuinn train``) as exactly those points. Bad inline data is one line, exit 2.

Cost: one 500-point session per test module, a save, a 1-epoch ``tuinn train`` in-process (≈1 s in all).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.inprocess import run_tuinn
from tuinn.config.experiments import resolve
from tuinn.config.spec import load, loads
from tuinn.session.custom_points import VALUE_STEPS, nearest, without_row
from tuinn.session.playground import Playground, default_experiment
from tuinn.training.trainer import Trainer


def test_an_added_point_trains_with_the_same_weights_and_every_other_point_keeps_its_split() -> None:
    pg = Playground(default_experiment())
    pg.run_epochs(2)
    before = pg.trainer.dataset
    params = pg.trainer.model.get_parameters()
    test_points = before.points[pg.trainer.test_idx].copy()
    trainer = pg.trainer
    assert pg.add_point(1.25, -2.5) == "live"
    assert pg.trainer is trainer  # the same run (views that follow it keep their history)
    ds = pg.trainer.dataset
    assert pg.experiment.data.source == "inline" and pg.message == ""
    assert len(ds.points) == len(before.points) + 1
    np.testing.assert_array_equal(ds.points[-1], [1.25, -2.5])
    assert ds.labels[-1] == 0 and len(ds.points) - 1 in pg.trainer.train_idx  # class 0 by default; added points train
    np.testing.assert_array_equal(ds.points[pg.trainer.test_idx], test_points)
    assert ds.feature_names == before.feature_names and pg.extent == (-6.0, 6.0, -6.0, 6.0)
    assert pg.trainer.epoch == 2
    for key, value in params.items():
        np.testing.assert_array_equal(pg.trainer.model.get_parameters()[key], value)
    pg.run_epochs(1)
    assert pg.trainer.epoch == 3 and len(pg.train_loss) == 4


def test_a_point_added_while_training_waits_for_the_end_of_the_epoch() -> None:
    pg = Playground(default_experiment())
    pg.running = True  # as the training thread sets it: edits queue until the next epoch starts
    n = len(pg.trainer.dataset.points)
    pg.add_point(0.0, 0.0)
    assert len(pg.trainer.dataset.points) == n
    pg.run_epochs(1)
    assert len(pg.trainer.dataset.points) == n + 1 and pg.trainer.epoch == 1


def test_the_class_key_cycles_and_removing_takes_the_nearest_point() -> None:
    pg = Playground(default_experiment())
    assert pg.place_name() == "class 0" and pg.cycle_place() == "class 1" and pg.cycle_place() == "class 0"
    pg.cycle_place()
    pg.add_point(0.5, 0.5)
    assert pg.trainer.dataset.labels[-1] == 1
    n = len(pg.trainer.dataset.points)
    target = pg.trainer.dataset.points[7].copy()
    pg.remove_point(*(target + 0.01))
    pts = pg.trainer.dataset.points
    assert len(pts) == n - 1 and not np.any(np.all(pts == target, axis=1))


def test_the_last_point_of_a_class_stays() -> None:
    exp = loads("""
[data]
source = "inline"
task = "classification"
x = [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]
y = [[0], [1], [1]]
[model]
layers = [{units = 2}, {units = 1, activation = "sigmoid"}]
[train]
loss = "bce"
""")
    pg = Playground(exp)
    assert pg.remove_point(0.0, 0.0) == "live"
    assert "last point of class 0" in pg.message and len(pg.trainer.dataset.points) == 3
    pg.remove_point(2.0, 2.0)
    assert pg.message == "" and len(pg.trainer.dataset.points) == 2


def test_data_with_more_than_two_inputs_is_refused() -> None:
    exp = loads('[data]\nsource = "inline"\nx = [[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]]\ny = [[0.0], [1.0]]\n'
                '[model]\nlayers = [{units = 1, activation = "linear"}]\n')
    pg = Playground(exp)
    assert pg.add_point(0.0, 0.0) == "refused" and "3 inputs" in pg.message


def test_regression_places_a_step_of_the_largest_target_and_a_curve_the_height_clicked() -> None:
    text, source = resolve("reg-plane")
    pg = Playground(loads(text, source))
    m = float(np.max(np.abs(pg.trainer.dataset.values)))
    pg.add_point(1.0, 1.0)
    assert pg.trainer.dataset.values[-1, 0] == pytest.approx(VALUE_STEPS[0] * m, rel=1e-3)
    text, source = resolve("sine")
    pg = Playground(loads(text, source))
    assert pg.place_name() == "the height you click"
    pg.neuron = (1, 0)  # a neuron's output is drawn: the height clicked is not a target
    assert pg.add_point(0.5, 0.75) == "refused" and "escape" in pg.message
    pg.neuron = None
    pg.add_point(0.5, 0.75)
    ds = pg.trainer.dataset
    np.testing.assert_array_equal(ds.points[-1], [0.5])
    np.testing.assert_array_equal(ds.values[-1], [0.75])


def test_without_row_renumbers_the_held_out_rows_after_it() -> None:
    from tuinn.data.spec import DataSpec

    d = DataSpec(source="inline", x=[[0.0], [1.0], [2.0], [3.0]], y=[[0.0]] * 4, test_rows=[2, 4], validation_rows=[3])
    out = without_row(d, 1)  # row 2 (from 1) goes
    assert out.x == [[0.0], [2.0], [3.0]] and out.test_rows == [3] and out.validation_rows == [2]
    pts = np.array([[0.0, 0.0], [5.0, 0.5]])
    assert nearest(pts, 3.0, 0.0, (1.0, 1.0)) == 1 and nearest(pts, 3.0, 0.0, (100.0, 1.0)) == 0  # each axis measured by its span


def test_saved_custom_data_reads_back_as_the_same_points_and_split_and_tuinn_train_trains_on_them(tmp_path: Path) -> None:
    pg = Playground(default_experiment())
    pg.add_point(2.0, 3.0)
    pg.cycle_place()
    pg.add_point(-4.0, 1.5)
    pg.remove_point(*pg.trainer.dataset.points[pg.trainer.test_idx[0]])
    folder = pg.save(tmp_path / "custom")
    saved = tomllib.loads((folder / "config.toml").read_text())["data"]
    assert saved["source"] == "inline" and "test_fraction" not in saved and saved["x"][-1] == [-4.0, 1.5] and saved["y"][-1] == [1.0]
    ds, trainer = pg.trainer.dataset, pg.trainer
    for reread in (Trainer(load(folder / "config.toml")), Playground(load(folder / "config.toml")).trainer):
        np.testing.assert_array_equal(reread.dataset.points, ds.points)
        np.testing.assert_array_equal(reread.dataset.labels, ds.labels)
        for a, b in ((reread.train_idx, trainer.train_idx), (reread.test_idx, trainer.test_idx), (reread.val_idx, trainer.val_idx)):
            np.testing.assert_array_equal(a, b)
    assert Playground(load(folder / "config.toml")).extent == pg.extent
    out = tmp_path / "run"
    result = run_tuinn("train", str(folder / "config.toml"), "--epochs", "1", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    ran = tomllib.loads((out / "config.toml").read_text())["data"]
    assert (ran["x"], ran["y"], ran["test_rows"]) == (saved["x"], saved["y"], saved["test_rows"])
    other = Playground(default_experiment())
    other.load(folder)  # ctrl+o of the saved folder: the points and the weights
    np.testing.assert_array_equal(other.trainer.dataset.points, ds.points)


@pytest.mark.parametrize(("rows", "key", "words"), [
    ("test_rows = [9]", "data.test_rows[0]", "row 9 does not exist"),
    ("test_rows = [1, 1]", "data.test_rows[1]", "listed twice"),
    ("test_rows = [1]\nvalidation_rows = [1]", "data.validation_rows[0]", "in data.test_rows too"),
    ("test_rows = [1, 2, 3]", "data.test_rows", "leave some to train on"),
    ("test_rows = [1]\ntest_fraction = 0.5", "data.test_fraction", "given by data.test_rows"),
    ("test_rows = [1.5]", "data.test_rows[0]", "must be an integer"),
    ('features = ["x1", "bogus"]', "data.features[1]", "unknown feature"),
    ('y = [[0], [1], [0.5]]\ntask = "classification"', "data.y", "class index"),
])
def test_bad_inline_data_is_one_line_naming_the_key_and_exit_2(tmp_path: Path, rows: str, key: str, words: str) -> None:
    spec = tmp_path / "bad.toml"
    y = "" if rows.startswith("y =") else "y = [[0], [1], [0]]\n"
    spec.write_text(f'[data]\nsource = "inline"\nx = [[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]]\n{y}{rows}\n'
                    '[model]\nlayers = [{units = 1, activation = "linear"}]\n')
    result = run_tuinn("train", str(spec), "--epochs", "1", "--out", str(tmp_path / "run"), "--quiet")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0] and words in lines[0], result.stderr
    assert not (tmp_path / "run").exists()

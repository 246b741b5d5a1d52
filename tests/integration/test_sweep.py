"""`tuinn sweep`: the ranked grid, its sweep.json, equality with `tuinn train`, and bad grids.

One small sweep (2 learning rates × 2 widths × 2 seeds, Adam with dropout and L2, 12
epochs of 5 steps) is shared by the tests; two of its runs, one from each architecture
group, are trained again with `tuinn train --set …` and must reach the same held-out
loss (1e-9 relative: the batched engine equals the single one to rounding).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from tests.inprocess import Result, run_tuinn
from tuinn.training.sweep import split_values

BASE = ["--epochs", "12", "--set", "data.samples=100", "--set", "data.noise=0.1", "--set", "train.optimizer=adam",
        "--set", "model.layers[1].dropout=0.2", "--set", "train.l2=0.001"]
GRID = ["--grid", "train.learning_rate=0.01,0.1", "--grid", "model.layers[1].units=3,4", "--seeds", "2"]


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    out = tmp_path_factory.mktemp("sweep") / "s"
    result = run_tuinn("sweep", "playground", *GRID, *BASE, "--json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return result, out


def test_sweep_json_is_the_ranked_grid_with_mean_and_std_over_seeds(swept: tuple[Result, Path]) -> None:
    result, out = swept
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, "with --json, stdout holds only the JSON object"
    payload = json.loads(lines[0])
    assert payload == json.loads((out / "sweep.json").read_text())
    assert payload["grid"] == {"train.learning_rate": ["0.01", "0.1"], "model.layers[1].units": ["3", "4"]}
    assert payload["seeds"] == [0, 1] and payload["epochs"] == [12]
    assert sorted(payload["groups"]) == [4, 4], "two widths: two architectures, each batched"
    points = payload["points"]
    assert len(points) == 4
    assert {tuple(p["values"].values()) for p in points} == {("0.01", "3"), ("0.01", "4"), ("0.1", "3"), ("0.1", "4")}
    means = [p["held_out_loss"]["mean"] for p in points]
    assert means == sorted(means)
    for p in points:
        losses = [r["metrics"]["test"]["loss"] for r in p["runs"]]
        assert [r["seed"] for r in p["runs"]] == [0, 1]
        assert losses[0] != losses[1], "seeds differ"
        assert p["held_out_loss"]["mean"] == pytest.approx(np.mean(losses), rel=1e-12)
        assert p["held_out_loss"]["std"] == pytest.approx(np.std(losses, ddof=1), rel=1e-12)
        assert p["held_out_accuracy"]["mean"] == pytest.approx(np.mean([r["metrics"]["test"]["accuracy"] for r in p["runs"]]))
    assert "sorted by test loss" in result.stderr and "0.01" in result.stderr


@pytest.mark.parametrize(("values", "seed"), [({"train.learning_rate": "0.1", "model.layers[1].units": "3"}, 1),
                                              ({"train.learning_rate": "0.01", "model.layers[1].units": "4"}, 0)])
def test_a_sweep_point_equals_tuinn_train_of_that_point(swept: tuple[Result, Path], tmp_path: Path,
                                                         values: dict[str, str], seed: int) -> None:
    payload = json.loads((swept[1] / "sweep.json").read_text())
    point = next(p for p in payload["points"] if p["values"] == values)
    swept_loss = next(r for r in point["runs"] if r["seed"] == seed)["metrics"]["test"]["loss"]
    sets = [a for k, v in values.items() for a in ("--set", f"{k}={v}")]
    train = run_tuinn("train", "playground", *BASE, *sets, "--set", f"seed={seed}", "--json", "--quiet", "--out", str(tmp_path / "t"))
    assert train.returncode == 0, train.stderr
    trained_loss = json.loads(train.stdout.strip().splitlines()[-1])["test"]["loss"]
    assert math.isclose(swept_loss, trained_loss, rel_tol=1e-9, abs_tol=0.0)


def test_a_diverged_run_is_reported_and_ranked_last(tmp_path: Path) -> None:
    linear = 'model.layers=[{units=2,activation="linear"},{units=1,activation="linear"}]'
    r = run_tuinn("sweep", "reg-plane", "--set", linear, "--set", "train.optimizer=sgd", "--set", "data.samples=60",
                  "--set", "train.kfold=3", "--grid", "train.learning_rate=3,0.01", "--epochs", "5", "--out", str(tmp_path / "s"))
    assert r.returncode == 0, r.stderr
    points = json.loads((tmp_path / "s" / "sweep.json").read_text())["points"]
    assert [p["values"]["train.learning_rate"] for p in points] == ["0.01", "3"]
    assert points[0]["diverged"] == [] and points[1]["diverged"][0]["seed"] == 0
    assert points[1]["held_out_loss"]["mean"] is None
    assert "seed 0 in epoch" in r.stdout
    assert "note: train.kfold is not run by a sweep" in r.stdout


@pytest.mark.parametrize(("args", "named"), [
    (["--grid", "train.learning_rat=0.1,0.2"], "--grid train.learning_rat=0.1: unknown key"),
    (["--grid", "train.learning_rate=0.1,-1"], "--grid train.learning_rate=-1: must be > 0"),
    (["--grid", "data.noise=0,abc"], "--grid data.noise=abc: must be a number"),
    (["--grid", "train.optimizer=sgd,lbfgs"], "--grid train.optimizer=lbfgs: unknown optimizer"),
    (["--grid", "train.learning_rate"], "--grid 'train.learning_rate': expected KEY=V1,V2"),
    (["--grid", "train.learning_rate=0.1,,0.2"], "an empty value"),
    (["--grid", "data.noise=0.1,0.1"], "a value is repeated"),
    (["--grid", "data.noise=0", "--grid", "data.noise=0.1"], "--grid data.noise: given twice"),
    (["--grid", "model.layers[7].units=2"], "--grid model.layers[7].units: there are 3 layers"),
    (["--grid", "model.layers[1].norm=none,batch"], "--grid model.layers[1].norm=batch: model.layers[1].norm = 'batch'"),
    (["--grid", "seed=1,2", "--seeds", "2"], "--grid seed"),
    ([], "needs at least one --grid"),
    (["--grid", "data.noise=0", "--seeds", "0"], "--seeds"),
])
def test_bad_grids_are_one_line_exit_2_and_write_nothing(tmp_path: Path, args: list[str], named: str) -> None:
    r = run_tuinn("sweep", "playground", *args, cwd=tmp_path)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and named in r.stderr, r.stderr
    assert r.stdout == "" and list(tmp_path.iterdir()) == []


def test_values_split_at_top_level_commas_only() -> None:
    assert split_values("0.1, 0.2") == ["0.1", "0.2"]
    assert split_values('[{units=4},{units=1}],[{units=8, activation="relu"},{units=1}]') == [
        "[{units=4},{units=1}]", '[{units=8, activation="relu"},{units=1}]']
    assert split_values('"a,b",c') == ['"a,b"', "c"]


def test_class_weights_and_one_shared_dataset_match_tuinn_train(tmp_path: Path) -> None:
    """Runs that share their data (only the learning rate differs) with per-sample class weights: the shared-X path."""
    common = ["--epochs", "6", "--set", "data.samples=80", "--set", "data.balance=weights", "--set", "data.test_fraction=0.3"]
    r = run_tuinn("sweep", "gauss", "--grid", "train.learning_rate=0.05,0.2", *common, "--out", str(tmp_path / "s"))
    assert r.returncode == 0, r.stderr
    points = json.loads((tmp_path / "s" / "sweep.json").read_text())["points"]
    swept = next(p for p in points if p["values"] == {"train.learning_rate": "0.2"})["runs"][0]["metrics"]["test"]["loss"]
    train = run_tuinn("train", "gauss", *common, "--set", "train.learning_rate=0.2", "--json", "--quiet", "--out", str(tmp_path / "t"))
    assert train.returncode == 0, train.stderr
    assert math.isclose(swept, json.loads(train.stdout.strip().splitlines()[-1])["test"]["loss"], rel_tol=1e-9, abs_tol=0.0)


def test_a_stopped_sweep_leaves_no_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tuinn.training.sweep as sweep_module

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep_module, "train_group", interrupted)
    r = run_tuinn("sweep", "playground", "--grid", "data.noise=0,0.1", "--epochs", "2", cwd=tmp_path)
    assert r.returncode == 130
    runs = tmp_path / "runs"
    assert runs.is_dir(), "the sweep folder had been made (under runs/) before training started"
    assert list(runs.iterdir()) == [], "and is gone again"

"""`tuinn train` end to end: files, progress, resume, Ctrl-C, the shipped examples."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from tests.inprocess import Result, run_tuinn

DATA = os.environ.get("TUINN_DATA_DIR")
HAVE_PIMA = bool(DATA) and (Path(DATA) / "pima-indians-diabetes.csv").is_file()


def tuinn(*args: str, cwd: Path | None = None, check: bool = True) -> Result:
    out = run_tuinn(*args, cwd=cwd)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def weights(run: Path) -> dict[str, np.ndarray]:
    return load_file(run / "model.safetensors")


def test_default_example_prints_progress_and_writes_a_run(tmp_path: Path) -> None:
    out = tuinn("train", "playground", "--epochs", "5", cwd=tmp_path)
    assert "Epoch 1/5" in out.stdout and "Epoch 5/5" in out.stdout
    assert "test_loss" in out.stdout and "accuracy" in out.stdout
    runs = list((tmp_path / "runs").iterdir())
    assert len(runs) == 1 and runs[0].name.startswith("playground-")
    run = runs[0]
    assert {p.name for p in run.iterdir()} == {"config.toml", "metrics.jsonl", "model.safetensors", "results.json"}
    lines = (run / "metrics.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["epoch"] for r in records] == [1, 2, 3, 4, 5]
    for r in records:
        assert {"train_loss", "test_loss", "train_accuracy", "test_accuracy", "seconds"} <= set(r)
        assert "test_auc" not in r  # per epoch: loss and accuracy only, unless --metrics all (results.json: the full report)
    # config.toml is the fully resolved spec: it reproduces the run.
    again = tuinn("train", str(run / "config.toml"), "--out", str(tmp_path / "again"), "--quiet")
    assert again.returncode == 0
    a, b = weights(run), weights(tmp_path / "again")
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_json_is_the_last_line_of_stdout(tmp_path: Path) -> None:
    out = tuinn("train", "xor", "--epochs", "3", "--json", "--out", str(tmp_path / "r"))
    payload = json.loads(out.stdout.strip().splitlines()[-1])
    assert payload["epochs_run"] == 3 and payload["cv"] is None and payload["validation"] is None
    assert payload["run_dir"] == str(tmp_path / "r")
    for split in ("train", "test"):
        assert {"loss", "accuracy", "precision", "sensitivity", "specificity", "f1", "auc", "confusion"} <= set(payload[split])
    assert "Epoch" not in out.stdout  # human output went to stderr


def test_stop_and_resume_gives_bit_identical_weights(tmp_path: Path) -> None:
    common = ["--set", "model.layers[1].dropout=0.2", "--quiet"]
    tuinn("train", "xor", "--epochs", "4", "--out", str(tmp_path / "a"), *common)
    tuinn("train", "--resume", str(tmp_path / "a"), "--epochs", "10", "--quiet")
    tuinn("train", "xor", "--epochs", "10", "--out", str(tmp_path / "b"), *common)
    a, b = weights(tmp_path / "a"), weights(tmp_path / "b")
    assert sorted(a) == sorted(b)
    for k in b:
        assert np.array_equal(a[k], b[k]), k
    assert len((tmp_path / "a" / "metrics.jsonl").read_text().splitlines()) == 10


def test_ctrl_c_saves_the_last_epoch_and_resume_matches(tmp_path: Path) -> None:
    run = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "tuinn", "train", "spiral", "--epochs", "300", "--out", str(run), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    metrics = run / "metrics.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not metrics.exists() or len(metrics.read_text().splitlines()) < 3):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" in err and "model.safetensors" in err
    saved_epochs = len(metrics.read_text().splitlines())
    assert saved_epochs >= 3
    tuinn("train", "--resume", str(run), "--epochs", str(saved_epochs + 3), "--quiet")
    tuinn("train", "spiral", "--epochs", str(saved_epochs + 3), "--out", str(tmp_path / "straight"), "--quiet")
    a, b = weights(run), weights(tmp_path / "straight")
    for k in b:
        assert np.array_equal(a[k], b[k]), k


def test_early_stopping_restores_the_best_epoch(tmp_path: Path) -> None:
    out = tuinn("train", "circle", "--epochs", "200", "--set", 'train.early_stopping={monitor="test_loss", patience=3}',
                "--set", "data.samples=60", "--set", "model.layers[1].units=32", "--json", "--quiet", "--out", str(tmp_path / "r"))
    payload = json.loads(out.stdout.strip().splitlines()[-1])
    records = [json.loads(line) for line in (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()]
    best = min(records, key=lambda r: r["test_loss"])
    assert payload["best_epoch"] == best["epoch"]
    assert payload["epochs_run"] == best["epoch"] + 3 < 200
    assert payload["test"]["loss"] == pytest.approx(best["test_loss"], rel=1e-12)


def test_eval_matches_the_run(tmp_path: Path) -> None:
    tuinn("train", "gauss", "--epochs", "5", "--out", str(tmp_path / "r"), "--quiet")
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    out = tuinn("eval", str(tmp_path / "r"), "--json")
    evaluated = json.loads(out.stdout)
    for split in ("train", "test"):
        assert evaluated[split]["loss"] == pytest.approx(results[split]["loss"], rel=1e-12)
        assert evaluated[split]["confusion"] == results[split]["confusion"]


@pytest.mark.parametrize(("name", "metric", "threshold"), [
    ("circle", "accuracy", 0.97), ("xor", "accuracy", 0.97), ("gauss", "accuracy", 0.97), ("spiral", "accuracy", 0.90),
    ("reg-plane", "r2", 0.95), ("reg-gauss", "r2", 0.95), ("sine", "r2", 0.95),
])
def test_shipped_synthetic_examples_learn(tmp_path: Path, name: str, metric: str, threshold: float) -> None:
    out = tuinn("train", name, "--json", "--quiet", "--out", str(tmp_path / "r"))
    payload = json.loads(out.stdout.strip().splitlines()[-1])
    assert payload["test"][metric] >= threshold


@pytest.mark.skipif(not HAVE_PIMA, reason="Pima data not available (set TUINN_DATA_DIR)")
@pytest.mark.parametrize(("name", "accuracy", "auc"), [("pima-logreg", (0.765, 0.785), 0.82), ("pima-mlp", (0.74, 1.0), 0.81)])
def test_pima_cross_validation_matches_published_results(tmp_path: Path, name: str, accuracy: tuple[float, float], auc: float) -> None:
    out = tuinn("train", name, "--json", "--quiet", "--out", str(tmp_path / "r"))
    cv = json.loads(out.stdout.strip().splitlines()[-1])["cv"]
    assert cv["folds"] == 10 and len(cv["accuracy"]["folds"]) == 10
    assert accuracy[0] <= cv["accuracy"]["mean"] <= accuracy[1]
    assert cv["auc"]["mean"] >= auc

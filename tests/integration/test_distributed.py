"""``tuinn train --nproc 2``: two processes (gloo over loopback) train what one process trains.

Each scenario is one launch of torch's launcher (two for stop and resume), checked by one
test against a single process run in-process:

* Adam with 3-fold cross-validation, batch 15 of 70 samples (each rank gets 8 or 7 of
  a batch: uneven slices): final weights within 1e-9 of one process's, one
  ``metrics.jsonl`` line per epoch with the same losses, the same ``cv.json``, and rank 1
  wrote nothing of its own.
* SGD, batch 23 of 70 (the last batch has one sample: rank 1's slice of it is empty),
  stopped by SIGTERM to the launcher after a few epochs and resumed on 2 processes to
  epoch 30: the weights equal an uninterrupted single process's 30 epochs.

The bad uses are refused before any process starts, in-process. Cost: about 25 CPU-seconds
(three launches of two workers, each worker ~2.5 CPU-s of Python start and torch import,
the references in-process); the two workers of a launch run side by side on 2 cores.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")

from tuinn.backends.world import World
from tuinn.cli import main
from tuinn.config.spec import loads
from tuinn.errors import TuinnError
from tuinn.training import checkpoint
from tuinn.training.distributed_run import check_world, fingerprint
from tuinn.training.trainer import Trainer

REPO = Path(__file__).resolve().parents[2]
EPOCHS = 30

#: float64 on torch, 70 training samples, no dropout, no batch norm: two processes must match one to rounding.
SPEC = """
name = "ddp"
seed = 1
[data]
source = "gauss"
samples = 100
test_fraction = 0.3
[[model.layers]]
units = 8
activation = "tanh"
[[model.layers]]
units = 1
activation = "sigmoid"
[train]
loss = "bce"
optimizer = "sgd"
learning_rate = 0.1
batch_size = 15
epochs = 30
backend = "torch"
dtype = "float64"
"""
# Each with a learning-rate schedule: every rank must apply it alike (plateau from the gathered losses, and across a resume).
ADAM = ["--set", 'train.optimizer="adam"', "--set", "train.learning_rate=0.01", "--kfold", "3",
        "--set", 'train.schedule={name="step", step_size=10, gamma=0.5}']
SGD_LAST_BATCH_OF_ONE = ["--set", "train.batch_size=23", "--set", 'train.schedule={name="plateau", patience=1, factor=0.5, threshold=0.1}']


def launch(spec: Path, out: Path, *args: str) -> subprocess.Popen[str]:
    """``tuinn train SPEC --nproc 2`` in a process of its own (the launcher and its two workers), to be signalled."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "tuinn", "train", str(spec), *args, "--nproc", "2", "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=out.parent)


def single(spec: Path, out: Path, *args: str) -> Path:
    """The same run in this process, one process."""
    assert main(["train", str(spec), *args, "--out", str(out), "--quiet"]) == 0
    return out


def two_processes(*args: str) -> int:
    """``tuinn train … --nproc 2`` with torch's launcher in this process (torch is imported here already:
    one import of it fewer than a launcher process of its own)."""
    import signal as signals

    before = signals.getsignal(signals.SIGINT)
    code = main(["train", *args, "--nproc", "2", "--quiet"])
    assert signals.getsignal(signals.SIGINT) is before  # the launcher's handlers are gone again
    return code


def weights(run: Path) -> dict[str, np.ndarray]:
    return checkpoint.load(run / "model.safetensors").state["params"]


def max_difference(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    assert a.keys() == b.keys()
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)


def metrics(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ddp") / "ddp.toml"
    path.write_text(SPEC, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def adam_kfold(spec: Path) -> tuple[Path, Path]:
    """(two processes, one process): Adam, 3-fold CV, 30 epochs."""
    one = single(spec, spec.parent / "adam-one", *ADAM)
    two = spec.parent / "adam-two"
    assert two_processes(str(spec), *ADAM, "--out", str(two)) == 0
    return two, one


@pytest.fixture(scope="module")
def interrupted(spec: Path) -> dict[str, Any]:
    """SGD on 2 processes stopped by SIGTERM after 3 epochs, then resumed on 2 processes to epoch 30."""
    run = spec.parent / "sgd-two"
    proc = launch(spec, run, *SGD_LAST_BATCH_OF_ONE, "--epochs", "100000")
    deadline = time.monotonic() + 60
    while not ((run / "metrics.jsonl").exists() and (run / "metrics.jsonl").read_text(encoding="utf-8").count("\n") >= 3):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[1] if proc.poll() is not None else "no epoch"
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, stopped_err = proc.communicate(timeout=60)
    saved = checkpoint.load(run / "model.safetensors").state["epoch"]
    lines_after_stop = len(metrics(run))
    target = max(EPOCHS, saved + 3)  # a loaded machine may let the run get past epoch 30 before the signal lands
    one = single(spec, spec.parent / "sgd-one", *SGD_LAST_BATCH_OF_ONE, "--epochs", str(target))
    resumed = two_processes("--resume", str(run), "--epochs", str(target))
    return {"run": run, "one": one, "stop_code": proc.returncode, "stop_err": stopped_err, "saved": saved,
            "lines_after_stop": lines_after_stop, "resumed": resumed, "target": target}


# One test per scenario: the suite runs under xdist (-n 4), which gives each worker its own
# module-scoped fixtures, so assertions spread over several tests could launch a scenario
# once per worker. The helpers below group what each scenario checks.


# ---------------------------------------------------------------- Adam, k-fold
def test_adam_and_kfold_on_two_processes_equal_one_process(adam_kfold: tuple[Path, Path]) -> None:
    two, one = adam_kfold
    same_weights(two, one)
    same_metrics_line_per_epoch(two, one)
    same_cv(two, one)
    assert sorted(p.name for p in two.iterdir()) == sorted(p.name for p in one.iterdir())  # rank 1 wrote nothing of its own


def same_weights(two: Path, one: Path) -> None:
    assert checkpoint.load(two / "model.safetensors").state["epoch"] == EPOCHS
    assert max_difference(weights(two), weights(one)) <= 1e-9


def same_metrics_line_per_epoch(two: Path, one: Path) -> None:
    lines, reference = metrics(two), metrics(one)
    assert [r["epoch"] for r in lines] == list(range(1, EPOCHS + 1))
    for mine, theirs in zip(lines, reference, strict=True):
        for key in ("batch_loss", "train_loss", "test_loss"):
            assert abs(mine[key] - theirs[key]) <= 1e-9, (mine["epoch"], key)
        assert mine["learning_rate"] == theirs["learning_rate"]
    assert [r["learning_rate"] for r in lines][::10] == [0.01, 0.005, 0.0025]  # the step schedule, on two processes


def same_cv(two: Path, one: Path) -> None:
    cv, reference = (json.loads((run / "cv.json").read_text(encoding="utf-8")) for run in (two, one))
    assert cv["folds"] == reference["folds"] == 3
    for metric in ("accuracy", "auc", "loss"):
        assert np.allclose(cv[metric]["folds"], reference[metric]["folds"], rtol=0, atol=1e-12), metric
    assert (two / "folds.jsonl").read_text(encoding="utf-8").count("\n") == 3
    results = json.loads((two / "results.json").read_text(encoding="utf-8"))
    assert results["epochs_run"] == EPOCHS and results["cv"]["folds"] == 3


# ---------------------------------------------------------------- SGD, stop and resume
def test_sgd_stopped_by_sigterm_and_resumed_on_two_processes(interrupted: dict[str, Any], tmp_path: Path) -> None:
    stopped_and_saved(interrupted)
    resumed_like_one_process(interrupted)
    resumes_in_one_process(interrupted, tmp_path)


def stopped_and_saved(interrupted: dict[str, Any]) -> None:
    """SIGTERM to the launcher stops both processes; rank 0 saves and says so in one line."""
    assert interrupted["stop_code"] == 143, interrupted["stop_err"]
    lines = [line for line in interrupted["stop_err"].splitlines() if line.strip()]
    assert len(lines) == 1 and "interrupted (SIGTERM)" in lines[0] and "--resume" in lines[0], lines
    assert interrupted["saved"] >= 3
    assert interrupted["lines_after_stop"] == interrupted["saved"]  # metrics.jsonl trimmed to the checkpoint


def resumed_like_one_process(interrupted: dict[str, Any]) -> None:
    """Resumed on two processes, the weights equal an uninterrupted single process's."""
    assert interrupted["resumed"] == 0
    run, target = interrupted["run"], interrupted["target"]
    assert json.loads((run / "results.json").read_text(encoding="utf-8"))["epochs_run"] == target
    assert [r["epoch"] for r in metrics(run)] == list(range(1, target + 1))
    assert max_difference(weights(run), weights(interrupted["one"])) <= 1e-9
    rates = [r["learning_rate"] for r in metrics(run)]
    assert rates == [r["learning_rate"] for r in metrics(interrupted["one"])] and len(set(rates)) > 1  # plateau lowered α alike


def resumes_in_one_process(interrupted: dict[str, Any], tmp_path: Path) -> None:
    """The checkpoint is a single process's: a copy of the 2-process run and the 1-process run both go on 3 epochs alike."""
    import shutil

    two, one = tmp_path / "two", tmp_path / "one"
    shutil.copytree(interrupted["run"], two)
    shutil.copytree(interrupted["one"], one)
    more = str(interrupted["target"] + 3)
    for run in (two, one):
        assert main(["train", "--resume", str(run), "--epochs", more, "--quiet"]) == 0
    assert checkpoint.load(two / "model.safetensors").state["epoch"] == int(more)
    assert max_difference(weights(two), weights(one)) <= 1e-9


# ---------------------------------------------------------------- bad use
def test_numpy_backend_under_torchrun_is_refused_before_the_group_starts(spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in (("WORLD_SIZE", "2"), ("RANK", "0"), ("LOCAL_RANK", "0")):
        monkeypatch.setenv(name, value)
    out = tmp_path / "run"
    assert main(["train", str(spec), "--set", 'train.backend="numpy"', "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "torch backend" in err[0] and "2 processes" in err[0]
    assert not out.exists()


def test_more_processes_than_samples_in_a_batch_is_refused(spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", str(spec), "--nproc", "16", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "16 processes" in err[0] and "15 samples" in err[0]
    assert not out.exists()


def test_nproc_without_torch_is_refused(spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import tuinn.backends

    monkeypatch.setattr(tuinn.backends, "torch_available", lambda: False)
    assert main(["train", str(spec), "--nproc", "2", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--nproc 2" in err[0] and "not installed" in err[0]


def test_the_checks_on_the_trainer_refuse_auto_numpy_and_batch_norm() -> None:
    world = World(size=2)
    small = loads(SPEC.replace('backend = "torch"', 'backend = "auto"'))
    with pytest.raises(TuinnError, match='"auto" chose numpy'):
        check_world(small, Trainer(small), world)
    normed = loads(SPEC.replace('activation = "tanh"', 'activation = "tanh"\nnorm = "batch"'))
    with pytest.raises(TuinnError, match="batch norm"):
        check_world(normed, Trainer(normed), world)
    full = loads(SPEC.replace("batch_size = 15", 'batch_size = "full"'))
    check_world(full, Trainer(full), world)  # 70 samples a batch: fine
    with pytest.raises(TuinnError, match="a batch holds 70 samples"):
        check_world(full, Trainer(full), World(size=71))


def test_ranks_whose_data_differ_are_told_apart() -> None:
    """Rank 0 sends its data's digest: another machine's different file at the same path is refused, not trained on."""
    exp = loads(SPEC)
    assert fingerprint(Trainer(exp)) == fingerprint(Trainer(loads(SPEC)))
    assert fingerprint(Trainer(exp)) != fingerprint(Trainer(loads(SPEC.replace("samples = 100", "samples = 101"))))


def test_the_world_comes_from_torchruns_environment() -> None:
    assert World.from_env({}) == World(1, 0, 0) and not World.from_env({}).distributed
    world = World.from_env({"WORLD_SIZE": "4", "RANK": "3", "LOCAL_RANK": "1"})
    assert world == World(4, 3, 1) and world.distributed and not world.main
    with pytest.raises(TuinnError, match="whole number"):
        World.from_env({"WORLD_SIZE": "two", "RANK": "0"})
    with pytest.raises(TuinnError, match="below the size"):
        World.from_env({"WORLD_SIZE": "2", "RANK": "2"})


def test_doctor_says_whether_gloo_and_nccl_are_there(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("DDP"))
    assert "gloo yes" in line and "NCCL" in line

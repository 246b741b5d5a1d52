"""Per-epoch bookkeeping of ``tuinn train`` (issue #17 part 1): cheap, bounded, and still what its readers need.

Each epoch reports the loss and accuracy of every split from one forward (the full
report only with ``--metrics all``; ``results.json`` always has it); the quick accuracy
is the full report's; the in-memory history is bounded; the printer shows at most ~10
epochs a second, the first and the last always.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tuinn import metrics
from tuinn.cli import main
from tuinn.cli.train import Printer
from tuinn.config.spec import from_dict
from tuinn.training import trainer as tr
from tuinn.training.run import read_spec
from tuinn.training.trainer import EpochResult, Trainer


def test_quick_accuracy_is_the_reports_accuracy() -> None:
    rng = np.random.default_rng(0)
    y2, y4 = rng.integers(0, 2, 50), rng.integers(0, 4, 50)
    p4 = rng.dirichlet(np.ones(4), 50)
    for y, p in ((y2, rng.random(50)), (y2, rng.random((50, 1))), (y2, rng.dirichlet(np.ones(2), 50)), (y4, p4)):
        for threshold in (0.5, 0.3):
            assert metrics.quick_accuracy(y, p, threshold) == metrics.classification_report(y, p, threshold)["accuracy"]
    assert np.isnan(metrics.quick_accuracy(np.array([], dtype=int), np.zeros(0)))


def _trainer(*sets: str) -> Trainer:
    raw, source = read_spec("playground", ["data.samples=80", *sets])
    return Trainer(from_dict(raw, source))


def test_an_epoch_reports_loss_and_accuracy_unless_all_is_asked() -> None:
    basic, full = _trainer(), _trainer()
    full.epoch_metrics = "all"
    a, b = basic.fit(2), full.fit(2)
    assert set(a.history[-1].splits["train"]) == {"loss", "accuracy"}
    assert {"loss", "accuracy", "auc", "f1", "confusion"} <= set(b.history[-1].splits["train"])
    for split, quick in a.history[-1].splits.items():
        assert quick == {k: b.history[-1].splits[split][k] for k in quick}  # the same numbers, from one forward
        assert quick["loss"] == basic.model.evaluate_loss(*basic.split(split))
    assert "auc" in basic.evaluate("test")  # what results.json reads: the full report


def test_the_history_in_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tr, "HISTORY_KEPT", 3)
    t = _trainer()
    fit = t.fit(5)
    assert [ep.epoch for ep in t.history] == [3, 4, 5] == [ep.epoch for ep in fit.history]
    assert fit.epochs_run == 5


def _ep(n: int) -> EpochResult:
    return EpochResult(n, 0.5, 0.001, {"train": {"loss": 0.5, "accuracy": 0.75}})


def _shown(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line.split(" - ")[0] for line in capsys.readouterr().out.splitlines() if line.startswith("Epoch ")]


def test_the_printer_shows_at_most_ten_epochs_a_second_and_always_the_last(capsys: pytest.CaptureFixture[str],
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from tuinn.cli import train as train_cli

    assert train_cli.SHOW_EVERY_S == 0.1
    monkeypatch.setattr(train_cli, "SHOW_EVERY_S", 1e9)  # no time passes between epochs: only the first and the last show
    printer = Printer(json_mode=False, quiet=False)
    printer.fit_started(200, 0)
    for n in range(1, 101):
        printer.epoch_finished(_ep(n), 200)
    printer.fit_stopped()  # stopped at 100 of 200 (early stopping, a signal): its last epoch is shown
    assert _shown(capsys) == ["Epoch 1/200", "Epoch 100/200"]
    printer = Printer(json_mode=False, quiet=False)
    printer.fit_started(3, 0)
    for n in (1, 2, 3):
        printer.epoch_finished(_ep(n), 3)
    printer.fit_stopped()
    assert _shown(capsys) == ["Epoch 1/3", "Epoch 3/3"]  # the last epoch once, not again at the stop
    monkeypatch.setattr(train_cli, "SHOW_EVERY_S", 0.0)  # every interval has passed: every epoch shows
    printer = Printer(json_mode=False, quiet=False)
    printer.fit_started(3, 0)
    for n in (1, 2, 3):
        printer.epoch_finished(_ep(n), 3)
    printer.fit_stopped()
    assert _shown(capsys) == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]


def test_metrics_all_writes_the_full_report_per_epoch(tmp_path: Path) -> None:
    for flag, expect_auc in (("all", True), ("basic", False)):
        out = tmp_path / flag
        assert main(["train", "xor", "--epochs", "2", "--set", "data.samples=60", "--metrics", flag, "--out", str(out),
                     "--quiet"]) == 0
        records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
        assert [r["epoch"] for r in records] == [1, 2]
        assert all(("test_auc" in r) == expect_auc and "test_accuracy" in r for r in records)
        assert "auc" in json.loads((out / "results.json").read_text())["test"]


def test_buffered_metrics_lines_reach_the_file_when_training_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash in the middle of a run (here: an error in epoch 4) still leaves the lines of epochs 1-3 in metrics.jsonl."""
    from tuinn.training import run_folder
    from tuinn.training.run import TrainingRun

    monkeypatch.setattr(run_folder, "SAVE_EVERY_S", 1e9)
    monkeypatch.setattr(run_folder, "FLUSH_EVERY_S", 1e9)  # nothing is appended between checkpoints
    real = Trainer.run_epoch

    def run_epoch(self: Trainer, *args: object) -> float:
        if self.epoch == 3:
            raise RuntimeError("boom")
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Trainer, "run_epoch", run_epoch)
    run = TrainingRun.open("xor", ["data.samples=40"], epochs=6, out=str(tmp_path / "r"))
    with pytest.raises(RuntimeError, match="boom"):
        run.train(Printer(json_mode=False, quiet=True))
    assert [json.loads(line)["epoch"] for line in (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()] == [1, 2, 3]

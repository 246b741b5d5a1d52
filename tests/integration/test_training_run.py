"""The headless run service (tuinn.training.run.TrainingRun) without the command line's printer.

Contract (issue 13 §2): the run folder service never prints — everything a person sees
reaches the caller as events — so the TUI can drive the same run. These tests drive it
with a recorder instead of ``tuinn.cli.train.Printer`` and check that nothing reached
stdout or stderr, that the events say what the files say, and that the checkpoint
cadence (epoch 0, epoch 1, then every SAVE_EVERY_S seconds, and the last) holds.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest

from tuinn.training import checkpoint, run_folder
from tuinn.training.run import Interruption, Trained, TrainingRun
from tuinn.training.trainer import EpochResult


class Recorder:
    """Every event of a run, in order."""

    def __init__(self, stop_in_epoch: int | None = None, signum: int = signal.SIGTERM) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.stop_in_epoch = stop_in_epoch
        self.signum = signum

    def folds_resumed(self, folds: list[dict[str, Any]], k: int) -> None:
        self.events.append(("folds_resumed", len(folds), k))

    def fold_finished(self, number: int, k: int, metrics: dict[str, Any]) -> None:
        self.events.append(("fold", number, k))

    def fit_started(self, total: int, completed: int) -> None:
        self.events.append(("fit_started", total, completed))

    def epoch_finished(self, ep: EpochResult, total: int) -> None:
        self.events.append(("epoch", ep.epoch, total))
        if ep.epoch == self.stop_in_epoch:
            signal.raise_signal(self.signum)

    def fit_stopped(self) -> None:
        self.events.append(("fit_stopped",))

    def warning(self, text: str) -> None:
        self.events.append(("warning", text))

    def interrupted(self, stop: Interruption) -> None:
        self.events.append(("interrupted", stop))


@pytest.fixture
def saved_epochs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The epoch of every checkpoint written, in order."""
    saved: list[int] = []
    real_save = checkpoint.save
    monkeypatch.setattr(checkpoint, "save", lambda path, spec, state, *a, **k: (saved.append(state["epoch"]), real_save(path, spec, state, *a, **k)))
    return saved


def test_a_run_reports_through_events_and_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], saved_epochs: list[int],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_folder, "SAVE_EVERY_S", 1e9)
    run = TrainingRun.open("xor", ["data.samples=60"], epochs=5, out=str(tmp_path / "r"))
    recorder = Recorder()
    trained = run.train(recorder)
    assert isinstance(trained, Trained) and not trained.fit.stopped_early and trained.cv is None
    results, payload = run.results(trained)
    run.folder.write_results(payload)
    assert capsys.readouterr() == ("", "")
    assert recorder.events == [("fit_started", 5, 0), *[("epoch", e, 5) for e in range(1, 6)], ("fit_stopped",)]
    assert saved_epochs == [0, 1, 5]
    records = [json.loads(line) for line in (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == [1, 2, 3, 4, 5]
    written = json.loads((tmp_path / "r" / "results.json").read_text())
    assert written["epochs_run"] == 5 and written["run_dir"] == str(tmp_path / "r")
    assert written["train"]["loss"] == pytest.approx(results["train"]["loss"])
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["config.toml", "metrics.jsonl", "model.safetensors", "results.json"]


def test_the_checkpoint_cadence_follows_the_clock(tmp_path: Path, saved_epochs: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Epoch 0 and 1 at once; after that an epoch is saved only when SAVE_EVERY_S has passed since the last save."""
    clock = {"now": 1000.0}
    monkeypatch.setattr(run_folder.time, "monotonic", lambda: clock["now"])
    run = TrainingRun.open("xor", ["data.samples=40"], epochs=8, out=str(tmp_path / "r"))

    class Ticking(Recorder):
        def epoch_finished(self, ep: EpochResult, total: int) -> None:
            super().epoch_finished(ep, total)
            clock["now"] += 4.0  # each epoch "takes" 4 s: with SAVE_EVERY_S = 10 every third epoch is due

    assert isinstance(run.train(Ticking()), Trained)
    assert saved_epochs == [0, 1, 4, 7, 8]


def test_a_stop_signal_is_an_interruption_the_caller_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = TrainingRun.open("xor", ["data.samples=60"], epochs=50, out=str(tmp_path / "r"))
    recorder = Recorder(stop_in_epoch=3, signum=signal.SIGTERM)
    stop = run.train(recorder)
    assert capsys.readouterr() == ("", "")
    assert isinstance(stop, Interruption)
    assert recorder.events[-2:] == [("fit_stopped",), ("interrupted", stop)]
    assert (stop.signal, stop.exit_code, stop.saved_epoch, stop.folds_done, stop.save_error) == ("SIGTERM", 143, 3, None, None)
    assert stop.checkpoint == tmp_path / "r" / "model.safetensors" and stop.run_dir == tmp_path / "r"
    assert checkpoint.load(stop.checkpoint).state["epoch"] == 3
    assert (tmp_path / "r" / "metrics.jsonl").read_text().count("\n") == 3
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the guard put the handler back


def test_a_resumed_kfold_run_reports_the_folds_it_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two folds kept in folds.jsonl (and a torn third): the run reports them, trains folds 3 and 4, and rewrites the file."""
    out = tmp_path / "r"
    first = TrainingRun.open("xor", ["data.samples=80"], epochs=2, kfold=4, out=str(out))
    assert isinstance(first.train(Recorder()), Trained)
    lines = (out / "folds.jsonl").read_text().splitlines()
    (out / "folds.jsonl").write_text("\n".join(lines[:2]) + "\n" + lines[2][:10])
    for name in ("cv.json", "model.safetensors"):
        (out / name).unlink()
    (out / "metrics.jsonl").write_text("")
    resumed = TrainingRun.open(None, [], resume=str(out))
    recorder = Recorder()
    trained = resumed.train(recorder)
    assert capsys.readouterr() == ("", "")
    assert isinstance(trained, Trained) and trained.cv is not None and trained.cv["folds"] == 4
    assert recorder.events[:3] == [("folds_resumed", 2, 4), ("fold", 3, 4), ("fold", 4, 4)]
    assert (out / "folds.jsonl").read_text().splitlines() == lines

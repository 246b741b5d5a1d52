"""`tuinn train` loses nothing: divergence at the last update, stop signals, early checkpoints, k-fold resume.

Contracts (issue 12, part 3): a run whose train or test loss becomes non-finite at any
point — the last epoch included — exits 3 and keeps the last weights whose losses were
all finite; SIGINT, SIGTERM and SIGHUP save the last finished epoch and exit 130, 143,
129; the first finished epoch is checkpointed at once; an interrupted k-fold run
resumes with its unfinished fold and ends with the same cv.json; ``--resume --epochs N``
with N ≤ the epochs trained changes nothing.
"""

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

from tuinn import cli
from tuinn.config.experiments import resolve
from tuinn.config.spec import loads
from tuinn.session.playground import Playground
from tuinn.training import checkpoint, run_folder
from tuinn.training.interrupts import Interrupted, SignalGuard

DIVERGING = ["--set", 'train.optimizer="sgd"', "--set", 'train.batch_size="full"', "--set", "train.learning_rate=1000.0"]


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for folders)."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


def tuinn_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------- divergence
def test_divergence_at_the_last_update_exits_3_and_keeps_finite_weights(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """reg-plane at α = 1000: the update of epoch 38 makes the losses infinite; before the fix this exited 0."""
    out = tmp_path / "r"
    code, _, err = tuinn_main(capsys, "train", "reg-plane", *DIVERGING, "--epochs", "38", "--quiet", "--out", str(out))
    assert code == 3, err
    lines = [line for line in err.splitlines() if line.startswith("tuinn: error:")]
    assert len(lines) == 1 and "diverged in epoch 38" in lines[0] and "epoch 37" in lines[0] and "model.safetensors" in lines[0]
    saved = checkpoint.load(out / "model.safetensors")
    assert saved.state["epoch"] == 37
    assert all(np.isfinite(v).all() for v in saved.state["params"].values())
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == list(range(1, 38))
    assert all(r["train_loss"] is not None and r["test_loss"] is not None for r in records)
    # tuinn eval on what was kept gives finite losses
    code, stdout, err = tuinn_main(capsys, "eval", str(out), "--json")
    assert code == 0, err
    payload = json.loads(stdout)
    assert np.isfinite(payload["train"]["loss"]) and np.isfinite(payload["test"]["loss"])


def test_a_loss_1000x_its_start_warns_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = tuinn_main(capsys, "train", "reg-plane", *DIVERGING, "--epochs", "20", "--quiet", "--out", str(tmp_path / "r"))
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("tuinn: warning:")]
    assert len(warnings) == 1, err
    assert "epoch 11" in warnings[0] and "starting value" in warnings[0] and "learning rate (1000)" in warnings[0]


def test_no_warning_for_a_healthy_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = tuinn_main(capsys, "train", "xor", "--epochs", "15", "--quiet", "--out", str(tmp_path / "r"))
    assert code == 0 and "warning" not in err


def _diverging_experiment():  # type: ignore[no-untyped-def]
    text, source = resolve("reg-plane")
    exp = loads(text, source)
    exp.train.optimizer = "sgd"
    exp.train.batch_size = "full"
    exp.train.learning_rate = 1000.0
    return exp


def test_playground_pauses_when_the_losses_after_an_epoch_are_not_finite() -> None:
    pg = Playground(_diverging_experiment())
    pg.running = True
    pg.run_epochs(60)
    assert not pg.running
    assert pg.message.startswith("paused:") and "diverged in epoch 38" in pg.message
    assert pg.trainer.epoch == 37
    assert len(pg.train_loss) == 38 and all(np.isfinite(pg.train_loss)) and all(np.isfinite(pg.test_loss))
    params = pg.trainer.model.get_parameters()
    assert all(np.isfinite(v).all() for v in params.values())


def test_playground_warns_when_the_loss_grows_1000x() -> None:
    pg = Playground(_diverging_experiment())
    pg.running = True
    pg.run_epochs(11)
    assert pg.running and pg.message.startswith("warning:") and "epoch 11" in pg.message


# ------------------------------------------------------------------- signals
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_stop_signals_save_the_last_epoch_and_resume_is_bit_identical(tmp_path: Path, sig: int, code: int) -> None:
    run_dir = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "tuinn", "train", "spiral", "--epochs", "400", "--out", str(run_dir), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    metrics = run_dir / "metrics.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not metrics.exists() or len(metrics.read_text().splitlines()) < 2):
        time.sleep(0.02)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"interrupted ({signal.Signals(sig).name})" in lines[0] and f"--resume {run_dir}" in lines[0]
    saved = checkpoint.load(run_dir / "model.safetensors").state["epoch"]
    assert saved == len(metrics.read_text().splitlines()) >= 2
    env = dict(os.environ)
    subprocess.run([sys.executable, "-m", "tuinn", "train", "--resume", str(run_dir), "--epochs", str(saved + 2), "--quiet"],
                   check=True, capture_output=True, env=env)
    subprocess.run([sys.executable, "-m", "tuinn", "train", "spiral", "--epochs", str(saved + 2), "--out", str(tmp_path / "straight"),
                    "--quiet"], check=True, capture_output=True, env=env)
    a, b = load_file(run_dir / "model.safetensors"), load_file(tmp_path / "straight" / "model.safetensors")
    assert sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in b)


def test_signal_guard_holds_a_signal_until_the_critical_block_ends() -> None:
    with SignalGuard() as guard:
        done = []
        with pytest.raises(Interrupted) as info:
            with guard.critical():
                signal.raise_signal(signal.SIGTERM)  # delivered to this thread before the call returns; the handler holds it
                done.append("write finished")
        assert done == ["write finished"] and info.value.exit_code == 143


def test_a_second_signal_during_the_final_save_waits_for_it() -> None:
    before = signal.getsignal(signal.SIGINT)  # pytest's (SIG_IGN when pytest itself was started in the background)
    with SignalGuard() as guard:
        with guard.shutting_down():
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)
        assert guard.received == [signal.SIGINT, signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is before  # the handler from before the guard is back


def test_a_second_ctrl_c_during_the_save_does_not_break_the_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C in epoch 3, and again while that save is being written: the save completes, exit 130."""
    real_save = checkpoint.save
    calls = {"n": 0}

    def save(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:  # epoch 0, epoch 1, then the save after the first Ctrl-C
            signal.raise_signal(signal.SIGINT)  # the second Ctrl-C, in the middle of the save
        return real_save(*args, **kwargs)

    def interrupt_in_epoch_3(ep):  # type: ignore[no-untyped-def]
        if ep.epoch == 3:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(checkpoint, "save", save)
    real_append = run_folder.RunFolder.append_epoch
    monkeypatch.setattr(run_folder.RunFolder, "append_epoch", lambda self, ep: (real_append(self, ep), interrupt_in_epoch_3(ep)))
    code, _, err = tuinn_main(capsys, "train", "xor", "--epochs", "50", "--quiet", "--out", str(tmp_path / "r"))
    assert code == 130, err
    assert calls["n"] == 3
    assert checkpoint.load(tmp_path / "r" / "model.safetensors").state["epoch"] == 3


def test_a_stop_between_an_epochs_end_and_its_line_still_gives_the_checkpoints_epoch_a_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C after epoch 4 ended (last_good is epoch 4) but before its metrics line was queued:
    the checkpoint is epoch 4 and metrics.jsonl has 4 lines (it had 3: seen once in 3 suite runs)."""
    real_append = run_folder.RunFolder.append_epoch
    fired = {"done": False}

    def append(self, ep):  # type: ignore[no-untyped-def]
        if ep.epoch == 4 and not fired["done"]:
            fired["done"] = True
            signal.raise_signal(signal.SIGINT)  # delivered here, before the line is queued
        return real_append(self, ep)

    monkeypatch.setattr(run_folder.RunFolder, "append_epoch", append)
    code, _, err = tuinn_main(capsys, "train", "xor", "--epochs", "50", "--quiet", "--out", str(tmp_path / "r"))
    assert code == 130, err
    lines = [json.loads(line) for line in (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()]
    assert checkpoint.load(tmp_path / "r" / "model.safetensors").state["epoch"] == 4
    assert [line["epoch"] for line in lines] == [1, 2, 3, 4]


# -------------------------------------------------------------- checkpoints
def test_the_first_epoch_is_checkpointed_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A SIGKILL after epoch 1 loses at most SAVE_EVERY_S: epoch 0 and 1 are saved without waiting for it."""
    saved: list[int] = []
    real_save = checkpoint.save
    monkeypatch.setattr(checkpoint, "save", lambda path, spec, state, *a, **k: (saved.append(state["epoch"]), real_save(path, spec, state, *a, **k)))
    monkeypatch.setattr(run_folder, "SAVE_EVERY_S", 1e9)
    code, _, err = tuinn_main(capsys, "train", "xor", "--epochs", "6", "--quiet", "--out", str(tmp_path / "r"))
    assert code == 0, err
    assert saved == [0, 1, 6]


def test_resume_with_no_more_epochs_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = tmp_path / "r"
    assert tuinn_main(capsys, "train", "xor", "--epochs", "5", "--quiet", "--out", str(r))[0] == 0
    before = tree(r)
    for n in ("5", "3"):
        code, _, err = tuinn_main(capsys, "train", "--resume", str(r), "--epochs", n, "--quiet")
        assert code == 2
        assert err.count("\n") == 1 and "already trained 5 epochs" in err and f"--epochs {n}" in err
        assert tree(r) == before
    code, _, err = tuinn_main(capsys, "train", "--resume", str(r), "--quiet")  # train.epochs = 5 in config.toml
    assert code == 2 and "already trained 5 epochs" in err and tree(r) == before


# --------------------------------------------------------------------- k-fold
KFOLD = ["xor", "--kfold", "4", "--epochs", "6", "--set", "data.samples=80", "--quiet"]


def test_an_interrupted_kfold_run_resumes_with_its_unfinished_fold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    straight = tmp_path / "straight"
    assert tuinn_main(capsys, "train", *KFOLD, "--out", str(straight))[0] == 0

    from tuinn.training import kfold as crossval

    real_held_out = crossval.held_out
    folds = {"n": 0}

    def held_out(*args, **kwargs):  # type: ignore[no-untyped-def]
        folds["n"] += 1
        if folds["n"] == 3:  # Ctrl-C before fold 3 is done (the folds train together: it is the 3rd to be evaluated)
            raise KeyboardInterrupt
        return real_held_out(*args, **kwargs)

    monkeypatch.setattr(crossval, "held_out", held_out)
    stopped = tmp_path / "stopped"
    code, _, err = tuinn_main(capsys, "train", *KFOLD, "--out", str(stopped))
    assert code == 130, err
    assert "k-fold phase" in err and "2 of 4 folds" in err and f"--resume {stopped}" in err
    assert len((stopped / "folds.jsonl").read_text().splitlines()) == 2
    assert not (stopped / "cv.json").exists()
    monkeypatch.setattr(crossval, "held_out", real_held_out)

    code, stdout, err = tuinn_main(capsys, "train", "--resume", str(stopped), "--json")
    assert code == 0, err
    assert "folds 1-2 of 4 were finished before" in err
    assert json.loads((stopped / "cv.json").read_text()) == json.loads((straight / "cv.json").read_text())
    a, b = load_file(stopped / "model.safetensors"), load_file(straight / "model.safetensors")
    assert all(np.array_equal(a[k], b[k]) for k in b)
    assert (stopped / "metrics.jsonl").read_text().count("\n") == 6
    assert json.loads(stdout.splitlines()[-1])["cv"] == json.loads((straight / "results.json").read_text())["cv"]


def test_a_torn_fold_line_is_trained_again(tmp_path: Path) -> None:
    path = tmp_path / "folds.jsonl"
    path.write_text('{"fold": 1, "metrics": {"loss": 0.5}}\n{"fold": 2, "metrics": {"loss": 0.25}}\n{"fold": 3, "metr')
    assert run_folder.read_finished_folds(path, 4) == [{"loss": 0.5}, {"loss": 0.25}]
    path.write_text('{"fold": 2, "metrics": {"loss": 0.5}}\n')  # not the sequence 1, 2, ...
    assert run_folder.read_finished_folds(path, 4) == []


# ------------------------------------------------------------- names into paths
@pytest.mark.parametrize("name", ["../../../x", "..", "/etc/passwd", "a\\..\\..\\b", ".hidden", "x\n\x1b[31m", "../"])
def test_a_spec_name_never_leaves_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                       name: str) -> None:
    work = tmp_path / "a" / "b" / "c" / "work"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    exp = work / "exp.toml"
    exp.write_text(resolve("xor")[0].replace('name = "xor"', f"name = {json.dumps(name)}", 1))
    code, _, err = tuinn_main(capsys, "train", str(exp), "--epochs", "1", "--quiet")
    assert code == 0, err
    outside = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")} - {str(p.relative_to(tmp_path)) for p in work.rglob("*")}
    assert outside == {"a", "a/b", "a/b/c", "a/b/c/work"}
    (folder,) = (work / "runs").iterdir()
    assert folder.parent == work / "runs" and not folder.name.startswith(".")
    assert (folder / "model.safetensors").is_file()


def test_resume_drops_a_metrics_line_torn_by_a_kill(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A kill while the last line was being appended leaves it without its newline: that line is dropped, not refused."""
    r = tmp_path / "r"
    assert tuinn_main(capsys, "train", "xor", "--epochs", "3", "--quiet", "--out", str(r))[0] == 0
    with open(r / "metrics.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"epoch": 4, "batch_lo')
    code, _, err = tuinn_main(capsys, "train", "--resume", str(r), "--epochs", "5", "--quiet")
    assert code == 0, err
    assert [json.loads(line)["epoch"] for line in (r / "metrics.jsonl").read_text().splitlines()] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("line", ["5", '"fold"', '["fold"]', "null", '{"epoch": true}', '{"epoch": "3"}'])
def test_resume_refuses_a_metrics_line_that_is_not_a_record(tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str) -> None:
    r = tmp_path / "r"
    assert tuinn_main(capsys, "train", "xor", "--epochs", "2", "--quiet", "--out", str(r))[0] == 0
    with open(r / "metrics.jsonl", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    before = tree(r)
    code, _, err = tuinn_main(capsys, "train", "--resume", str(r), "--epochs", "4", "--quiet")
    assert code == 2 and err.count("\n") == 1 and "metrics.jsonl: line 3 is not a metrics record" in err, err
    assert tree(r) == before

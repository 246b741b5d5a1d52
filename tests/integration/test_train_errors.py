"""`tuinn train` and `tuinn eval` on bad input: one line on stderr, exit 2, nothing touched.

The contract (tuinn.training.run, tuinn.errors): every mistake a user can make — a broken CSV
file, a dataset that is not there, a bad ``--set``, an ``--out`` that cannot be used, a
run folder or checkpoint that is not what it claims — is printed as ONE line
``tuinn: error: …`` on stderr that names the file (or option) and the problem; the exit
status is 2; nothing goes to stdout and no traceback is shown. And it happens before
anything is written: no pre-existing run folder or checkpoint changes (bytes and
mtimes), and no new run folder appears.

Each case runs the real CLI (its ``main()``, in-process) with ``tmp_path`` as the working directory,
so the default ``runs/`` folder would land there, and with ``TUINN_DATA_DIR`` and
``XDG_CACHE_HOME`` pointing at empty folders, so that no real dataset is ever found.
The whole of ``tmp_path`` is snapshotted before and after the command.

Also here: a positive control (a valid CSV experiment trains) and divergence (exit 3,
the last finite weights are kept). Folders that cannot be written or entered (read-only,
no search permission, a full disk) are in test_write_failures.py: they need a fault made
in-process, since root (CI) keeps access to a folder whatever its mode.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.inprocess import Result, run_tuinn
from tests.specs import CSV_DATA, csv_classifier

PREFIX = "tuinn: error: "


# 20 rows, two features, a balanced 0/1 target.
GOOD_CSV = "a,b,y\n" + "".join(f"{i * 0.1:.2f},{(i % 3) * 0.5:.2f},{i % 2}\n" for i in range(20))


def experiment(data: str = CSV_DATA) -> str:
    """TOML text of a small experiment whose [data] table holds ``data``: a 2-layer classifier over data.csv."""
    return csv_classifier(data)


# ------------------------------------------------------------------ helpers
def env_for(tmp: Path) -> dict[str, str]:
    """The environment of a run: no dataset anywhere, a wide terminal (usage on one line)."""
    data_dir, cache = tmp / "data-dir", tmp / "xdg-cache"
    data_dir.mkdir(exist_ok=True)
    cache.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.update({"TUINN_DATA_DIR": str(data_dir), "XDG_CACHE_HOME": str(cache), "COLUMNS": "400", "PYTHONDONTWRITEBYTECODE": "1"})
    return env


def tuinn(*args: str, cwd: Path) -> Result:
    return run_tuinn(*args, cwd=cwd, env=env_for(cwd))


def snapshot(root: Path) -> dict[str, tuple[Any, ...]]:
    """Every file and folder under ``root``: kind, mtime, mode and (for files) bytes."""
    state: dict[str, tuple[Any, ...]] = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        rel = str(path.relative_to(root))
        if path.is_dir():
            state[rel] = ("dir", st.st_mtime_ns, st.st_mode)
        else:
            state[rel] = ("file", st.st_mtime_ns, st.st_mode, path.read_bytes())
    return state


def describe_changes(before: dict[str, tuple[Any, ...]], after: dict[str, tuple[Any, ...]]) -> str:
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    return f"added {added}, removed {removed}, changed {changed}"


@pytest.fixture(scope="module")
def template_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run folder (xor, 1 epoch), made once and copied into each test that needs one."""
    where = tmp_path_factory.mktemp("template")
    result = tuinn("train", "xor", "--epochs", "1", "--out", "RUN", "--quiet", cwd=where)
    assert result.returncode == 0, result.stderr
    run = where / "RUN"
    assert {p.name for p in run.iterdir()} >= {"config.toml", "metrics.jsonl", "model.safetensors", "results.json"}
    return run


@dataclass
class Ctx:
    """What a case's setup gets: the working folder and a way to get a real run folder."""

    tmp: Path
    template: Path

    def write(self, name: str, text: str) -> Path:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def csv_experiment(self, csv: str, data: str = CSV_DATA) -> None:
        self.write("exp.toml", experiment(data))
        self.write("data.csv", csv)

    def run_dir(self, name: str = "RUN") -> Path:
        dest = self.tmp / name
        shutil.copytree(self.template, dest)
        return dest


def reshape_first_weight(run: Path) -> None:
    """Rewrite run/model.safetensors with its metadata kept but param/1.W one row too tall."""
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file

    path = run / "model.safetensors"
    with safe_open(str(path), "np") as fh:
        metadata = fh.metadata()
    tensors = load_file(str(path))
    w = tensors["param/1.W"]
    tensors["param/1.W"] = np.zeros((w.shape[0] + 1, w.shape[1]), dtype=w.dtype)
    save_file(tensors, str(path), metadata=metadata)


# -------------------------------------------------------------------- cases
@dataclass(frozen=True)
class Case:
    setup: Callable[[Ctx], list[str]]  # prepares tmp_path, returns the arguments after `tuinn`
    words: tuple[str, ...]  # what the error line must contain (the file or option, and the problem)
    usage: bool = False  # an argparse usage error: a usage line, then the error line


def _csv(csv: str, *extra: str, data: str = CSV_DATA) -> Callable[[Ctx], list[str]]:
    def setup(ctx: Ctx) -> list[str]:
        ctx.csv_experiment(csv, data)
        return ["train", "exp.toml", *extra]

    return setup


def _exp(data: str, *extra: str) -> Callable[[Ctx], list[str]]:
    def setup(ctx: Ctx) -> list[str]:
        ctx.write("exp.toml", experiment(data))
        return ["train", "exp.toml", *extra]

    return setup


def _out_non_empty_run(ctx: Ctx) -> list[str]:
    ctx.csv_experiment(GOOD_CSV)
    ctx.run_dir("RUN")
    return ["train", "exp.toml", "--out", "RUN", "--quiet"]


def _out_under_file(ctx: Ctx) -> list[str]:
    ctx.csv_experiment(GOOD_CSV)
    ctx.write("plain.txt", "not a folder\n")
    return ["train", "exp.toml", "--out", "plain.txt/run", "--quiet"]


def _out_is_file(ctx: Ctx) -> list[str]:
    ctx.csv_experiment(GOOD_CSV)
    ctx.write("plain.txt", "not a folder\n")
    return ["train", "exp.toml", "--out", "plain.txt", "--quiet"]


def _resume_without_config(ctx: Ctx) -> list[str]:
    run = ctx.run_dir("RUN")
    (run / "config.toml").unlink()
    return ["train", "--resume", "RUN", "--quiet"]


def _resume_corrupt(ctx: Ctx) -> list[str]:
    run = ctx.run_dir("RUN")
    (run / "model.safetensors").write_bytes(np.random.default_rng(0).bytes(512))
    return ["train", "--resume", "RUN", "--quiet"]


def _resume_mismatch(ctx: Ctx) -> list[str]:
    # --epochs on resume rewrites config.toml; a checkpoint that cannot be restored must stop that.
    reshape_first_weight(ctx.run_dir("RUN"))
    return ["train", "--resume", "RUN", "--epochs", "5", "--quiet"]


def _resume_with_set(ctx: Ctx) -> list[str]:
    ctx.run_dir("RUN")
    return ["train", "--resume", "RUN", "--set", "train.epochs=3", "--quiet"]


def _eval_not_safetensors(ctx: Ctx) -> list[str]:
    ctx.write("weights.safetensors", "these are not weights\n")
    return ["eval", "weights.safetensors"]


def _eval_foreign_safetensors(ctx: Ctx) -> list[str]:
    from safetensors.numpy import save_file

    save_file({"x": np.zeros(2)}, str(ctx.tmp / "foreign.safetensors"))
    return ["eval", "foreign.safetensors"]


def _eval_mismatch(ctx: Ctx) -> list[str]:
    reshape_first_weight(ctx.run_dir("RUN"))
    return ["eval", "RUN"]


def _eval_truncated(ctx: Ctx) -> list[str]:
    run = ctx.run_dir("RUN")
    raw = (run / "model.safetensors").read_bytes()
    (run / "model.safetensors").write_bytes(raw[: len(raw) // 2])
    return ["eval", "RUN/model.safetensors"]


def _eval_missing(ctx: Ctx) -> list[str]:
    return ["eval", "no-such-run"]


def _eval_data(csv: str) -> Callable[[Ctx], list[str]]:
    def setup(ctx: Ctx) -> list[str]:
        ctx.run_dir("RUN")
        ctx.write("other.csv", csv)
        return ["eval", "RUN", "--data", "other.csv"]

    return setup


def _builtin(*args: str) -> Callable[[Ctx], list[str]]:
    def setup(ctx: Ctx) -> list[str]:
        return ["train", *args]

    return setup


FIVE_ROWS = "a,b,y\n1,2,0\n1,3,1\n3,4,0\n5,5,1\n6,6,0\n"
PIMA = 'source = "pima"\n'

CASES: dict[str, Case] = {
    # --- CSV content
    "csv-empty": Case(_csv(""), ("data.csv", "file is empty")),
    "csv-header-only": Case(_csv("a,b,y\n"), ("data.csv", "header row but no data rows")),
    "csv-ragged-row": Case(_csv("a,b,y\n1,2,0\n1,2\n3,4,1\n"), ("data.csv", "row 3", "2 fields, expected 3")),
    "csv-text-in-numeric-column": Case(_csv("a,b,y\n1,2,0\n1,hello,1\n3,4,1\n"), ("data.csv", "row 3", "'b'", "'hello' is not a number")),
    "csv-nan-cell": Case(_csv("a,b,y\n1,2,0\n1,nan,1\n3,4,1\n"), ("data.csv", "row 3", "'b'", "'nan' is not finite")),
    "csv-inf-cell": Case(_csv("a,b,y\n1,2,0\n1,2,1\n-inf,4,1\n"), ("data.csv", "row 4", "'a'", "'-inf' is not finite")),
    "csv-file-missing": Case(_exp('source = "csv"\npath = "missing.csv"\n'), ("missing.csv", "no such file")),
    "csv-target-column-missing": Case(_csv(GOOD_CSV, data=CSV_DATA + 'target = "nope"\n'), ("data.csv", "no column named 'nope'", "a, b, y")),
    "csv-one-class-only": Case(_csv("a,b,y\n1,2,0\n1,3,0\n3,4,0\n5,5,0\n"), ("data.csv", "only one class")),
    "csv-three-classes-one-output-unit": Case(
        _csv("a,b,y\n1,2,0\n1,3,1\n3,4,2\n5,5,1\n6,6,0\n2,2,2\n"), ("exp.toml", "model.layers[2].units", "3 classes")
    ),
    "kfold-more-folds-than-rows-no-test-split": Case(
        _csv(FIVE_ROWS, "--kfold", "10", data=CSV_DATA + "test_fraction = 0.0\n"), ("kfold", "10", "5 samples")
    ),
    "kfold-more-folds-than-rows": Case(_csv(FIVE_ROWS, "--kfold", "10"), ("fold", "10", "samples")),
    "kfold-one": Case(_csv(GOOD_CSV, "--kfold", "1"), ("exp.toml", "train.kfold", "at least 2 folds")),
    # --- registered and unknown datasets
    "pima-not-fetched": Case(_exp(PIMA), ("pima", "not found", "tuinn data fetch pima")),
    "pima-builtin-not-fetched": Case(_builtin("pima-mlp", "--quiet"), ("pima", "not found", "tuinn data fetch pima")),
    "unknown-dataset": Case(_exp('source = "mnist"\n'), ("exp.toml", "data.source", "unknown data source 'mnist'")),
    # --- --set
    "set-unknown-key-with-hint": Case(
        _csv(GOOD_CSV, "--set", "train.learning_rat=0.1"), ("exp.toml", "train.learning_rat", "unknown key", "did you mean 'learning_rate'?")
    ),
    "set-negative-learning-rate": Case(_csv(GOOD_CSV, "--set", "train.learning_rate=-1"), ("exp.toml", "train.learning_rate", "must be > 0", "-1")),
    "set-without-equals": Case(_csv(GOOD_CSV, "--set", "train.learning_rate"), ("--set", "KEY=VALUE", "'train.learning_rate'")),
    "set-layer-out-of-range": Case(_csv(GOOD_CSV, "--set", "model.layers[9].units=3"), ("--set", "model.layers[9].units", "2 layers")),
    # --- flags
    "epochs-zero": Case(_csv(GOOD_CSV, "--epochs", "0"), ("--epochs", "must be ≥ 1, got 0")),
    "no-config": Case(_builtin("--quiet"), ("CONFIG", "--resume")),
    # --- --out
    "out-non-empty-run-folder": Case(_out_non_empty_run, ("--out RUN", "already holds files")),
    "out-under-a-regular-file": Case(_out_under_file, ("--out plain.txt/run", "cannot write there")),
    "out-is-a-file": Case(_out_is_file, ("--out plain.txt", "not a folder")),
    # --- --resume
    "resume-without-config": Case(_resume_without_config, ("--resume RUN", "no config.toml")),
    "resume-corrupt-checkpoint": Case(_resume_corrupt, ("model.safetensors", "not a readable safetensors file")),
    "resume-mismatched-weights-with-epochs": Case(_resume_mismatch, ("model.safetensors", "does not match", "1.W")),
    "resume-with-set": Case(_resume_with_set, ("--resume", "--set")),
    # --- eval
    "eval-not-safetensors": Case(_eval_not_safetensors, ("weights.safetensors", "not a readable safetensors file")),
    "eval-safetensors-not-tuinn": Case(_eval_foreign_safetensors, ("foreign.safetensors", "not a tuinn checkpoint")),
    "eval-weights-do-not-match-spec": Case(_eval_mismatch, ("RUN/model.safetensors", "does not match", "1.W")),
    "eval-truncated-checkpoint": Case(_eval_truncated, ("RUN/model.safetensors", "not a readable safetensors file")),
    "eval-missing-path": Case(_eval_missing, ("no-such-run", "no such checkpoint")),
    "eval-data-wrong-columns": Case(_eval_data("a,b,c,y\n1,2,3,0\n2,3,4,1\n"), ("--data other.csv", "3 input columns", "reads 2")),
    "eval-data-regression-for-classifier": Case(_eval_data("a,b,y\n1,2,0.5\n1,3,1.5\n3,4,2.25\n"), ("--data other.csv", "regression", "classification")),
    "eval-data-ragged-csv": Case(_eval_data("a,b,y\n1,2,0\n1,3\n"), ("other.csv", "row 3", "2 fields, expected 3")),
}

# Cases that once failed (fixed): more folds than rows was found only after the run
# folder existed; paths in unsearchable folders gave a PermissionError traceback.
XFAIL: dict[str, str] = {}


def _params() -> list[Any]:
    params = []
    for name, case in CASES.items():
        marks = [pytest.mark.xfail(reason=XFAIL[name], strict=True)] if name in XFAIL else []
        params.append(pytest.param(case, id=name, marks=marks))
    return params


@pytest.mark.parametrize("case", _params())
def test_bad_input_is_one_line_exit_2_and_touches_nothing(case: Case, tmp_path: Path, template_run: Path) -> None:
    ctx = Ctx(tmp_path, template_run)
    args = case.setup(ctx)
    env_for(tmp_path)  # the empty data folders exist before the snapshot
    before = snapshot(tmp_path)
    result = tuinn(*args, cwd=tmp_path)
    after = snapshot(tmp_path)

    shown = f"args: {args}\nstdout: {result.stdout!r}\nstderr: {result.stderr!r}"
    assert "Traceback" not in result.stderr + result.stdout, shown
    assert result.returncode == 2, shown
    assert result.stdout == "", shown
    lines = result.stderr.splitlines()
    if case.usage:
        assert len(lines) == 2, shown
        assert lines[0].startswith("usage: tuinn"), shown
        message = lines[1]
        assert message.startswith(f"tuinn {args[0]}: error: "), shown
    else:
        assert len(lines) == 1, shown
        message = lines[0]
        assert message.startswith(PREFIX), shown
    for word in case.words:
        assert word in message, f"{word!r} not in the error line\n{shown}"
    assert not (tmp_path / "runs").exists(), f"a run folder appeared\n{shown}"
    assert after == before, f"files changed: {describe_changes(before, after)}\n{shown}"


# --------------------------------------------------------- positive control
def test_valid_csv_experiment_trains(tmp_path: Path) -> None:
    ctx = Ctx(tmp_path, tmp_path)
    ctx.csv_experiment(GOOD_CSV)
    result = tuinn("train", "exp.toml", "--epochs", "2", "--quiet", "--json", cwd=tmp_path)
    shown = f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}"
    assert result.returncode == 0, shown
    assert "Traceback" not in result.stderr, shown
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert "train" in payload and "run_dir" in payload, shown
    assert payload["epochs_run"] == 2
    assert 0.0 <= payload["train"]["accuracy"] <= 1.0
    run = tmp_path / payload["run_dir"]
    assert run.parent == tmp_path / "runs"
    assert {p.name for p in run.iterdir()} >= {"config.toml", "metrics.jsonl", "model.safetensors", "results.json"}
    assert len((run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()) == 2


# ---------------------------------------------------------------- divergence
def test_divergence_exits_3_and_keeps_finite_weights(tmp_path: Path) -> None:
    from safetensors import safe_open
    from safetensors.numpy import load_file

    result = tuinn(
        "train", "xor",
        "--set", "train.learning_rate=50",
        "--set", 'train.optimizer="sgd"',
        "--set", 'model.layers[3].activation="linear"',
        "--set", 'train.loss="mse"',
        "--out", "RUN", "--quiet",
        cwd=tmp_path,
    )
    shown = f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}"
    assert result.returncode == 3, shown
    assert "Traceback" not in result.stderr + result.stdout, shown
    error = [line for line in result.stderr.splitlines() if line.startswith(PREFIX)]
    assert len(error) == 1, shown
    m = re.search(r"epoch (\d+)", error[0])
    assert m, f"the error line does not name the epoch\n{shown}"
    diverged = int(m.group(1))
    assert "learning rate 50" in error[0], shown

    ckpt = tmp_path / "RUN" / "model.safetensors"
    tensors = load_file(str(ckpt))
    params = {k: v for k, v in tensors.items() if k.startswith("param/")}
    assert params, sorted(tensors)
    for name, value in tensors.items():
        assert np.isfinite(value).all(), f"{name} holds non-finite values"
    with safe_open(str(ckpt), "np") as fh:
        state = json.loads(fh.metadata()["state"])
    assert state["epoch"] == diverged - 1, f"checkpoint is of epoch {state['epoch']}, divergence in epoch {diverged}"
    lines = (tmp_path / "RUN" / "metrics.jsonl").read_text(encoding="utf-8").splitlines() if diverged > 1 else []
    assert [json.loads(line)["epoch"] for line in lines] == list(range(1, diverged))
    assert not (tmp_path / "runs").exists()

"""``tuinn eval --data`` refuses targets the model's loss cannot read, as ``tuinn train`` does.

bce is −[y·log p + (1−y)·log(1−p)]: on a target like 3.7 it is a number without meaning.
`tuinn train` refuses such a file in one line (Dataset.check_loss); `tuinn eval --data`
used to print a loss and metrics for it instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tuinn.cli import main

SPEC = """
name = "probabilities"
[data]
source = "csv"
path = "train.csv"
test_fraction = 0.25
[[model.layers]]
units = 3
activation = "tanh"
[[model.layers]]
units = 1
activation = "sigmoid"
[train]
loss = "bce"
epochs = 1
"""


def write_csv(path: Path, x: np.ndarray, y: list[float]) -> None:
    path.write_text("a,b,y\n" + "".join(f"{r[0]:.3f},{r[1]:.3f},{t:g}\n" for r, t in zip(x, y, strict=True)))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bce model trained 1 epoch on targets that are probabilities (read as numbers: a regression task)."""
    folder = tmp_path_factory.mktemp("eval-targets")
    x = np.random.default_rng(0).normal(size=(40, 2))
    write_csv(folder / "train.csv", x, list(np.round(1 / (1 + np.exp(x[:, 1] - x[:, 0])), 3)))
    write_csv(folder / "bad.csv", x, [0.0, 3.7] * 20)
    write_csv(folder / "good.csv", x, [0.0, 0.25, 1.0, 0.5] * 10)
    (folder / "exp.toml").write_text(SPEC)
    assert main(["train", str(folder / "exp.toml"), "--out", str(folder / "run"), "--quiet"]) == 0
    return folder


def test_eval_on_targets_bce_cannot_read_is_one_line_and_exit_2(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["eval", str(run_dir / "run"), "--data", str(run_dir / "bad.csv")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith(f"tuinn: error: --data {run_dir / 'bad.csv'}: does not fit the model (bce needs targets 0 and 1")
    assert "holds 0, 3.7" in err
    # the same file is refused by tuinn train, with the same reason
    assert main(["train", str(run_dir / "exp.toml"), "--set", f"data.path={str(run_dir / 'bad.csv')!r}", "--out",
                 str(run_dir / "never"), "--quiet"]) == 2
    assert "bce needs targets 0 and 1" in capsys.readouterr().err and not (run_dir / "never").exists()


def test_eval_on_probabilities_still_works(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["eval", str(run_dir / "run"), "--data", str(run_dir / "good.csv"), "--json"]) == 0
    assert '"loss"' in capsys.readouterr().out

"""`tuinn step` on invalid experiment files: one line on stderr, exit 2, nothing else.

The contract (tuinn.errors, tuinn.cli): every mistake a user can make in a file or a
flag is printed as ONE line ``tuinn: error: …`` that names the offending key (layers
counted from 1, like the lecture's superscripts) and the problem; the exit status is 2;
nothing goes to stdout, no traceback is shown and no file is written.

Each case runs the real CLI in a subprocess, in ``tmp_path`` as the working directory,
so that a stray output file would be caught.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# A small valid experiment: inline XOR-like data (2 inputs, 1 target), a 2-3-1 network.
DATA = """source = "inline"
x = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
y = [[1.0], [1.0], [0.0], [0.0]]
"""
HIDDEN = 'units = 3\nactivation = "tanh"\n'
OUTPUT = 'units = 1\nactivation = "sigmoid"\n'
TRAIN = 'loss = "mse"\noptimizer = "sgd"\nlearning_rate = 0.1\nbatch_size = 2\n'
CIRCLE = 'source = "circle"\nsamples = 40\n'


def spec(top: str = "", data: str = DATA, layers: tuple[str, ...] = (HIDDEN, OUTPUT), train: str = TRAIN) -> str:
    """TOML text of an experiment from its sections (each a block of `key = value` lines)."""
    parts = [top, "[data]\n" + data]
    parts += ["[[model.layers]]\n" + layer for layer in layers]
    parts.append("[train]\n" + train)
    return "\n".join(parts)


def run_step(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tuinn", "step", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


@dataclass(frozen=True)
class Case:
    text: str  # the file's content
    key: str  # the key the message must name (right after the file name)
    words: tuple[str, ...]  # words of the problem that the message must contain


CASES: dict[str, Case] = {
    "toml-syntax-error": Case('[data\nsource = "circle"\n', "", ("not valid TOML", "line 1")),
    "unknown-top-level-key": Case(spec(top='colour = "red"\n'), "colour", ("unknown key",)),
    "typo-activaton": Case(
        spec(layers=('units = 3\nactivaton = "tanh"\n', OUTPUT)),
        "model.layers[1].activaton",
        ("unknown key", "did you mean 'activation'?"),
    ),
    "unknown-activation": Case(
        spec(layers=(HIDDEN, 'units = 1\nactivation = "sigmod"\n')),
        "model.layers[2].activation",
        ("unknown activation", "'sigmod'", "did you mean 'sigmoid'?"),
    ),
    "learning-rate-zero": Case(spec(train=TRAIN.replace("0.1", "0")), "train.learning_rate", ("must be > 0", "got 0")),
    "learning-rate-negative": Case(spec(train=TRAIN.replace("0.1", "-0.5")), "train.learning_rate", ("must be > 0", "-0.5")),
    "units-zero": Case(spec(layers=("units = 0\n", OUTPUT)), "model.layers[1].units", ("must be ≥ 1", "got 0")),
    "units-string": Case(spec(layers=(HIDDEN, 'units = "1"\n')), "model.layers[2].units", ("must be an integer", "string")),
    "softmax-output-with-mse": Case(
        spec(layers=(HIDDEN, 'units = 2\nactivation = "softmax"\n')),
        "model.layers[2].activation",
        ("softmax", "cce"),
    ),
    "softmax-on-hidden-layer": Case(
        spec(layers=('units = 3\nactivation = "softmax"\n', OUTPUT)),
        "model.layers[1].activation",
        ("softmax", "only allowed on the output layer"),
    ),
    "cce-with-sigmoid-output": Case(spec(train=TRAIN.replace('"mse"', '"cce"')), "train.loss", ("cce needs a softmax output", "'sigmoid'")),
    "bce-with-tanh-output": Case(
        spec(layers=(HIDDEN, 'units = 1\nactivation = "tanh"\n'), train=TRAIN.replace('"mse"', '"bce"')),
        "train.loss",
        ("bce", "sigmoid", "'tanh'"),
    ),
    "weights-wrong-rows": Case(
        spec(layers=(HIDDEN + "weights = [[0.1, 0.2], [0.3, 0.4]]\n", OUTPUT)),
        "model.layers[1].weights",
        ("has 2 rows", "needs 3"),
    ),
    "weights-wrong-columns": Case(
        spec(layers=(HIDDEN + "weights = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]\n", OUTPUT)),
        "model.layers[1].weights",
        ("has 3 columns", "2 inputs"),
    ),
    "hidden-weights-wrong-columns": Case(
        spec(layers=(HIDDEN, OUTPUT + "weights = [[0.1, 0.2]]\n")),
        "model.layers[2].weights",
        ("has 2 columns", "3 inputs"),
    ),
    "bias-wrong-length": Case(spec(layers=(HIDDEN + "bias = [0.1, 0.2]\n", OUTPUT)), "model.layers[1].bias", ("has 2 values", "needs 3")),
    "batch-size-half": Case(spec(train=TRAIN.replace("batch_size = 2", 'batch_size = "half"')), "train.batch_size", ('"full"', "'half'")),
    "batch-size-1-with-batch-norm": Case(
        spec(layers=(HIDDEN + 'norm = "batch"\n', OUTPUT), train=TRAIN.replace("batch_size = 2", "batch_size = 1")),
        "train.batch_size",
        ("batch norm", "at least 2"),
    ),
    "noise-too-large": Case(spec(data=CIRCLE + "noise = 0.7\n"), "data.noise", ("must be ≤ 0.5", "0.7")),
    "unknown-data-source": Case(spec(data='source = "cirlce"\n'), "data.source", ("unknown data source", "did you mean 'circle'?")),
    "unknown-feature-x3": Case(spec(data=CIRCLE + 'features = ["x1", "x2", "x3"]\n'), "data.features[2]", ("unknown feature", "'x3'")),
    "test-fraction-one": Case(spec(data=CIRCLE + "test_fraction = 1.0\n"), "data.test_fraction", ("must be < 1", "1.0")),
    "dropout-on-output-layer": Case(spec(layers=(HIDDEN, OUTPUT + "dropout = 0.5\n")), "model.layers[2].dropout", ("dropout", "output layer")),
    "seed-negative": Case(spec(top="seed = -1\n"), "seed", ("must be ≥ 0", "-1")),
    "dtype-float16": Case(spec(train=TRAIN + 'dtype = "float16"\n'), "train.dtype", ("unknown dtype", "'float16'", "float64")),
    "inline-without-y": Case(spec(data='source = "inline"\nx = [[0.0, 1.0], [1.0, 0.0]]\n'), "data.y", ("needs both x", "and y")),
    "inline-rows-differ": Case(
        spec(data='source = "inline"\nx = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]\ny = [[1.0], [0.0]]\n'),
        "data.y",
        ("has 2 rows", "data.x has 3"),
    ),
    "boolean-for-number": Case(spec(train=TRAIN.replace("0.1", "true")), "train.learning_rate", ("must be a number", "boolean")),
    "layers-not-an-array-of-tables": Case(spec(layers=()) + "\n[model.layers]\nunits = 1\n", "model.layers", ("[[model.layers]]",)),
}


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The common contract; returns the message after ``tuinn: error: ``."""
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith("\n")
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tuinn: error: ")
    return lines[0].removeprefix("tuinn: error: ")


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_invalid_file_is_one_line_naming_the_key(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "exp.toml"
    path.write_text(case.text, encoding="utf-8")
    message = assert_one_line_error(run_step(str(path), cwd=tmp_path))
    # Errors found while reading the file name it first; those found when the model
    # is built against the data may not, but the key must come next either way.
    message = message.removeprefix(f"{path}: ")
    if case.key:
        assert message.startswith(f"{case.key}: "), message
    for word in case.words:
        assert word in message, message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml"]


def test_errors_found_in_the_file_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "exp.toml"
    path.write_text(CASES["units-zero"].text, encoding="utf-8")
    message = assert_one_line_error(run_step(str(path), cwd=tmp_path))
    assert message.startswith(f"{path}: model.layers[1].units: ")


def test_valid_base_spec_runs(tmp_path: Path) -> None:
    """The cases above are the base file with one mistake each: the base itself is fine."""
    path = tmp_path / "exp.toml"
    path.write_text(spec(), encoding="utf-8")
    result = run_step(str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "δ²" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml"]


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    message = assert_one_line_error(run_step(str(path), cwd=tmp_path))
    assert "no such experiment file" in message
    assert str(path) in message
    assert "backprop" in message  # the built-in names are offered
    assert list(tmp_path.iterdir()) == []


def test_directory_as_config(tmp_path: Path) -> None:
    folder = tmp_path / "adir"
    folder.mkdir()
    message = assert_one_line_error(run_step(str(folder), cwd=tmp_path))
    assert str(folder) in message
    assert "not a file" in message
    assert [p.name for p in tmp_path.iterdir()] == ["adir"]
    assert list(folder.iterdir()) == []


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "exp.toml"
    path.write_bytes(b"\xff\xfe seed = 1\n")
    message = assert_one_line_error(run_step(str(path), cwd=tmp_path))
    assert str(path) in message
    assert "cannot read" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml"]


@pytest.mark.parametrize("batch", ["99", "0", "-1"])
def test_batch_out_of_range_on_builtin_backprop(batch: str, tmp_path: Path) -> None:
    message = assert_one_line_error(run_step("--batch", batch, "backprop", cwd=tmp_path))
    assert message.startswith(f"--batch {batch}: ")
    assert "backprop" in message
    assert "1 batch" in message
    assert list(tmp_path.iterdir()) == []

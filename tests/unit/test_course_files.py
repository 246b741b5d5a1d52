"""Lab and lesson files are checked like experiment files: one line naming the file and the key.

Each test writes a crafted file into a temporary folder and points the loader at it
(``lab_folder`` / ``lesson_folder``), so the shipped course is untouched. One mistake
per test: a missing key, an unknown key, a wrong type, a preset or a variant that does
not validate as an experiment, an unknown lab, control or built-in experiment, and TOML
that does not parse. Through ``tuinn lab NAME`` a broken file is exit 2 and one line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tuinn.cli import main
from tuinn.course import labs, lessons
from tuinn.course.labs import lab_names, load_lab
from tuinn.errors import ConfigError, TuinnError

RUNS_LAB = '''
title = "Rates"
text = "Three rates."
experiment = "playground"

[[group]]
title = "SGD"
plot = "overlay"

[[group.variant]]
label = "slow"
set = ["train.learning_rate=0.001"]
'''

INLINE_PRESET = '''
[experiment]
name = "tiny"

[experiment.data]
source = "xor"

[[experiment.model.layers]]
units = 1
activation = "sigmoid"

[experiment.train]
loss = "bce"
'''


@pytest.fixture
def lab_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(labs, "lab_folder", lambda: tmp_path)
    return tmp_path


@pytest.fixture
def lesson_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(lessons, "lesson_folder", lambda: tmp_path)
    return tmp_path


def lab_error(lab_dir: Path, name: str, text: str) -> str:
    (lab_dir / f"{name}.toml").write_text(text, encoding="utf-8")
    with pytest.raises(TuinnError) as info:
        load_lab(name)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{lab_dir / name}.toml: "), message
    return message.removeprefix(f"{lab_dir / name}.toml: ")


def lesson_error(lesson_dir: Path, text: str, name: str = "01-first.toml") -> str:
    (lesson_dir / name).write_text(text, encoding="utf-8")
    with pytest.raises(TuinnError) as info:
        lessons.lessons()
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{lesson_dir / name}: "), message
    return message.removeprefix(f"{lesson_dir / name}: ")


# ------------------------------------------------------------------------ labs
def test_a_lab_missing_its_title_is_one_line_and_exit_2(lab_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (lab_dir / "neuron.toml").write_text('text = "w and b"\n', encoding="utf-8")
    assert main(["lab", "neuron"]) == 2
    err = capsys.readouterr().err
    assert err == f"tuinn: error: {lab_dir / 'neuron.toml'}: title: missing\n"
    assert main(["lab", "list"]) == 2  # the list reads every lab: the same line, no KeyError
    assert "title: missing" in capsys.readouterr().err


def test_a_lab_missing_its_text(lab_dir: Path) -> None:
    assert lab_error(lab_dir, "neuron", 'title = "One neuron"\n') == "text: missing"


def test_an_unknown_key_in_a_lab_suggests_the_right_one(lab_dir: Path) -> None:
    problem = lab_error(lab_dir, "neuron", 'title = "One neuron"\ntext = "t"\nepoch = 3\n')
    assert problem == "epoch: unknown key (did you mean 'epochs'?)"


def test_a_lab_key_of_the_wrong_type(lab_dir: Path) -> None:
    assert lab_error(lab_dir, "neuron", 'title = 3\ntext = "t"\n') == "title: must be a string, got an integer (3)"
    assert lab_error(lab_dir, "neuron", 'title = "t"\ntext = "t"\nepochs = "ten"\n') == "epochs: must be an integer, got a string ('ten')"


def test_a_lab_file_that_is_not_toml(lab_dir: Path) -> None:
    assert lab_error(lab_dir, "neuron", 'title = "unclosed\n').startswith("not valid TOML: ")


def test_a_lab_preset_that_does_not_validate_names_the_key_in_the_lab_file(lab_dir: Path) -> None:
    text = RUNS_LAB.replace('experiment = "playground"\n', "") + INLINE_PRESET.replace('loss = "bce"', 'loss = "bcee"')
    assert lab_error(lab_dir, "learning-rate", text) == (
        "experiment.train.loss: unknown loss 'bcee' (choose from mse, mae, bce, cce); did you mean 'bce'?")


def test_a_lab_naming_an_unknown_built_in_experiment(lab_dir: Path) -> None:
    problem = lab_error(lab_dir, "learning-rate", RUNS_LAB.replace('"playground"', '"playgrund"'))
    assert problem.startswith("experiment: unknown built-in experiment 'playgrund' (choose from ")
    assert problem.endswith("did you mean 'playground'?")


def test_a_variant_that_does_not_validate_names_its_group_and_variant(lab_dir: Path) -> None:
    problem = lab_error(lab_dir, "learning-rate", RUNS_LAB.replace("train.learning_rate=0.001", "train.learning_rate=-1"))
    assert problem == "group[1].variant[1].set: train.learning_rate: must be > 0, got -1"
    problem = lab_error(lab_dir, "learning-rate", RUNS_LAB.replace("train.learning_rate=0.001", "train.rate"))
    assert problem == "group[1].variant[1].set: expected KEY=VALUE, got 'train.rate'"


def test_a_group_with_an_unknown_plot_or_without_variants(lab_dir: Path) -> None:
    assert lab_error(lab_dir, "learning-rate", RUNS_LAB.replace('plot = "overlay"', 'plot = "both"')) == (
        "group[1].plot: unknown plot 'both' (choose from overlay, each)")
    no_variants = RUNS_LAB.split("[[group.variant]]")[0]
    assert lab_error(lab_dir, "learning-rate", no_variants) == "group[1].variant: must be one or more [[group.variant]] tables"
    assert lab_error(lab_dir, "learning-rate", RUNS_LAB.replace('label = "slow"\n', "")) == "group[1].variant[1].label: missing"


def test_a_lab_that_trains_needs_an_experiment_and_variants(lab_dir: Path) -> None:
    without_groups = RUNS_LAB.split("[[group]]")[0]
    assert lab_error(lab_dir, "learning-rate", without_groups) == "group: a runs lab trains variants: it needs an experiment and a [[group]]"
    without_experiment = RUNS_LAB.replace('experiment = "playground"\n', "")
    assert lab_error(lab_dir, "learning-rate", without_experiment) == "group: variants vary an experiment: give the lab an experiment"


def test_a_well_formed_crafted_lab_loads(lab_dir: Path) -> None:
    (lab_dir / "learning-rate.toml").write_text(RUNS_LAB, encoding="utf-8")
    lab = load_lab("learning-rate")
    assert (lab.title, lab.kind, lab.epochs) == ("Rates", "runs", 0)
    assert lab.experiment is not None and lab.experiment.name == "playground"
    assert lab.groups[0].variants == (("slow", ("train.learning_rate=0.001",)),)


def test_every_shipped_lab_passes_the_checks() -> None:
    for name in lab_names():
        lab = load_lab(name)
        assert lab.title and lab.text
        if lab.kind in labs.TRAINED_KINDS:
            assert lab.experiment is not None and lab.groups


# --------------------------------------------------------------------- lessons
LESSON = 'title = "Layers"\ntext = "Stack them."\nexperiment = "playground"\nintroduces = ["layers"]\n'


def test_a_lesson_naming_an_unknown_control(lesson_dir: Path) -> None:
    problem = lesson_error(lesson_dir, LESSON.replace('["layers"]', '["layers", "neuron"]'))
    assert problem.startswith("introduces[2]: unknown control 'neuron' (choose from ")
    assert problem.endswith("did you mean 'neurons'?")


def test_a_lesson_naming_an_unknown_lab(lesson_dir: Path) -> None:
    problem = lesson_error(lesson_dir, 'title = "t"\ntext = "t"\nlab = "neurons"\n')
    assert problem == "lab: unknown lab 'neurons' (choose from neuron, activations, linear-collapse, learning-rate, overfitting); did you mean 'neuron'?"


def test_a_lesson_missing_its_title_or_with_an_unknown_key(lesson_dir: Path) -> None:
    assert lesson_error(lesson_dir, LESSON.replace('title = "Layers"\n', "")) == "title: missing"
    assert lesson_error(lesson_dir, LESSON + "introduce = []\n") == "introduce: unknown key (did you mean 'introduces'?)"


def test_a_lesson_key_of_the_wrong_type(lesson_dir: Path) -> None:
    assert lesson_error(lesson_dir, LESSON.replace('["layers"]', '"layers"')) == "introduces: must be a list of strings, got a string ('layers')"
    assert lesson_error(lesson_dir, LESSON.replace('"playground"', "3")) == (
        "experiment: must be a built-in experiment name or an [experiment] table, got an integer (3)")


def test_a_lesson_with_both_a_lab_and_an_experiment(lesson_dir: Path) -> None:
    assert lesson_error(lesson_dir, LESSON + 'lab = "neuron"\n') == "experiment: a lesson has either a lab or an experiment"


def test_a_lesson_preset_that_does_not_validate(lesson_dir: Path) -> None:
    text = 'title = "t"\ntext = "t"\n' + INLINE_PRESET.replace('units = 1', 'units = 0')
    assert lesson_error(lesson_dir, text) == "experiment.model.layers[1].units: must be ≥ 1, got 0"


def test_a_lesson_file_named_otherwise(lesson_dir: Path) -> None:
    (lesson_dir / "first.toml").write_text(LESSON, encoding="utf-8")
    with pytest.raises(TuinnError, match=r"first\.toml: lesson files are named NN-slug\.toml$"):
        lessons.lessons()


def test_a_well_formed_crafted_lesson_loads(lesson_dir: Path) -> None:
    (lesson_dir / "01-first.toml").write_text(LESSON, encoding="utf-8")
    (les,) = lessons.lessons()
    assert (les.number, les.slug, les.title, les.text, les.lab, les.introduces) == (1, "first", "Layers", "Stack them.", None, ("layers",))
    assert les.experiment is not None and les.experiment.name == "playground"


def test_errors_are_config_errors_naming_the_key() -> None:
    """The CLI's exit 2 and one line hold for ConfigError; so the loaders raise that type, with the key."""
    from tuinn.config.spec import Checker
    from tuinn.course.files import required

    with pytest.raises(ConfigError) as info:
        required({}, "title", Checker("lab.toml"), "group[2].title")
    assert (info.value.key, info.value.problem, str(info.value)) == ("group[2].title", "missing", "lab.toml: group[2].title: missing")

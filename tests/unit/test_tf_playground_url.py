"""TensorFlow Playground links read as experiments (``tuinn play --from-url``).

Three links as the Playground writes them (``State.serialize`` in its ``state.ts``: every
property in its order, ``regularization`` only when it is L1 or L2, the ``NAME_hide``
switches of an embedded exercise at the end), each checked field by field; then the
links it must refuse, each with one line on stderr and exit 2.
"""

from __future__ import annotations

from typing import Any

import pytest

from tuinn.cli import main
from tuinn.config.spec import Experiment
from tuinn.config.tf_playground import looks_like_link, parse_url, seed_from
from tuinn.errors import ConfigError

#: The Playground's default page.
DEFAULT = (
    "https://playground.tensorflow.org/#activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane"
    "&learningRate=0.03&regularizationRate=0&noise=0&networkShape=4,2&seed=0.59356&showTestData=false"
    "&discretize=false&percTrainData=50&x=true&y=true&xTimesY=false&xSquared=false&ySquared=false&cosX=false"
    "&sinX=false&cosY=false&sinY=false&collectStats=false&problem=classification&initZero=false&hideText=false"
)
#: The spiral with a deep net and the sine inputs, L2, noise and test points shown.
SPIRAL = (
    "https://playground.tensorflow.org/#activation=relu&regularization=L2&batchSize=5&dataset=spiral"
    "&regDataset=reg-plane&learningRate=0.01&regularizationRate=0.001&noise=10&networkShape=8,8,5&seed=0.27671"
    "&showTestData=true&discretize=false&percTrainData=60&x=true&y=true&xTimesY=false&xSquared=false"
    "&ySquared=false&cosX=false&sinX=true&cosY=false&sinY=true&collectStats=false&problem=classification"
    "&initZero=false&hideText=false"
)
#: Regression on reg-gauss, L1, discretized, an exercise that hides two controls.
REGRESSION = (
    "http://playground.tensorflow.org/#activation=sigmoid&regularization=L1&batchSize=30&dataset=xor"
    "&regDataset=reg-gauss&learningRate=0.3&regularizationRate=0.003&noise=35&networkShape=3&seed=0.00042"
    "&showTestData=false&discretize=true&percTrainData=90&x=false&y=true&xTimesY=true&xSquared=true"
    "&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false&collectStats=false&problem=regression"
    "&initZero=true&hideText=true&noise_hide=true&problem_hide=false"
)


def fields(exp: Experiment) -> dict[str, Any]:
    """The parts of the spec a link sets, flat, to compare in one assert."""
    d, m, t = exp.data, exp.model, exp.train
    return {
        "seed": exp.seed, "source": d.source, "samples": d.samples, "noise": d.noise,
        "test_fraction": d.resolved_test_fraction, "features": d.features, "init": m.init, "bias_init": m.bias_init,
        "layers": [(layer.units, layer.activation) for layer in m.layers], "loss": t.loss, "optimizer": t.optimizer,
        "learning_rate": t.learning_rate, "batch_size": t.batch_size, "l1": t.l1, "l2": t.l2, "shuffle": t.shuffle,
    }


def test_the_default_link_is_the_playgrounds_default_experiment() -> None:
    link = parse_url(DEFAULT)
    assert fields(link.experiment) == {
        "seed": 59356, "source": "circle", "samples": 500, "noise": 0.0, "test_fraction": 0.5, "features": ["x1", "x2"],
        "init": "uniform", "bias_init": 0.1, "layers": [(4, "tanh"), (2, "tanh"), (1, "sigmoid")], "loss": "bce",
        "optimizer": "sgd", "learning_rate": 0.03, "batch_size": 10, "l1": 0.0, "l2": 0.0, "shuffle": False,
    }
    assert (link.show_test, link.discretize) == (False, False)
    assert link.experiment.name == "tf-playground-circle"


def test_a_spiral_link_with_a_deep_net_and_sine_inputs() -> None:
    link = parse_url(SPIRAL)
    assert fields(link.experiment) == {
        "seed": 27671, "source": "spiral", "samples": 500, "noise": 0.1, "test_fraction": pytest.approx(0.4),
        "features": ["x1", "x2", "sin(x1)", "sin(x2)"], "init": "uniform", "bias_init": 0.1,
        "layers": [(8, "relu"), (8, "relu"), (5, "relu"), (1, "sigmoid")], "loss": "bce", "optimizer": "sgd",
        "learning_rate": 0.01, "batch_size": 5, "l1": 0.0, "l2": 0.001, "shuffle": False,
    }
    assert (link.show_test, link.discretize) == (True, False)


def test_a_regression_link_uses_reg_dataset_and_a_linear_output() -> None:
    link = parse_url(REGRESSION)
    assert fields(link.experiment) == {
        "seed": 42, "source": "reg-gauss", "samples": 1200, "noise": pytest.approx(0.35), "test_fraction": pytest.approx(0.1),
        "features": ["x2", "x1^2", "x1*x2"], "init": "zeros", "bias_init": 0.1,
        "layers": [(3, "sigmoid"), (1, "linear")], "loss": "mse", "optimizer": "sgd",
        "learning_rate": 0.3, "batch_size": 30, "l1": 0.003, "l2": 0.0, "shuffle": False,
    }
    assert (link.show_test, link.discretize) == (False, True)


def test_missing_parameters_take_the_playgrounds_defaults_and_no_hidden_layer_is_allowed() -> None:
    exp = parse_url("playground.tensorflow.org/#networkShape=&dataset=xor").experiment
    assert fields(exp)["layers"] == [(1, "sigmoid")]
    assert (exp.data.source, exp.train.learning_rate, exp.train.batch_size, exp.seed) == ("xor", 0.03, 10, 0)
    # A %-escaped comma (some chat apps escape it) reads as a comma.
    assert fields(parse_url(DEFAULT.replace("4,2", "4%2C2")).experiment)["layers"][:2] == [(4, "tanh"), (2, "tanh")]


def test_the_seed_maps_to_an_integer_deterministically() -> None:
    assert seed_from("0.59356") == 59356
    assert seed_from("hello") == seed_from("hello") != seed_from("hello!")
    assert 0 <= seed_from("hello") < 2**32


def test_only_playground_links_are_taken_for_links() -> None:
    assert looks_like_link(DEFAULT) and looks_like_link(" playground.tensorflow.org/#x=true ")
    assert looks_like_link("playground.tensorflow.org#x=true") and looks_like_link("HTTP://Playground.TensorFlow.org/")
    for path in ("runs/circle-1", "https://example.org/#x=true", "exp.toml", "/tmp/playground.tensorflow.org.toml"):
        assert not looks_like_link(path), path


@pytest.mark.parametrize(("url", "named"), [
    (DEFAULT + "&learningRat=0.1", "learningRat: unknown parameter (did you mean 'learningRate'?)"),
    (DEFAULT.replace("noise=0", "noise=70"), "noise: must be ≥ 0 and ≤ 50 (percent), got 70"),
    (DEFAULT.replace("activation=tanh", "activation=softplus").replace("x=true", "x=yes"),
     "activation: 'softplus' is not one of relu, tanh, sigmoid, linear; x: must be true or false, got 'yes'"),
    (DEFAULT.replace("networkShape=4,2", "networkShape=4,two"), "networkShape: must be hidden-layer sizes"),
    (DEFAULT.replace("percTrainData=50", "percTrainData=5"), "percTrainData: must be ≥ 10 and ≤ 90 (percent), got 5"),
    (DEFAULT.replace("learningRate=0.03", "learningRate=0"), "learningRate: must be > 0, got 0"),
    (DEFAULT.replace("batchSize=10", "batchSize=2.5"), "batchSize: must be a whole number ≥ 1, got '2.5'"),
    (DEFAULT.replace("cosX=false", "cosX=true"), "cosX: no cos input in tuinn"),
    (DEFAULT.replace("x=true&y=true", "x=false&y=false"), "no input feature is on"),
    (DEFAULT + "&noise=5", "noise: given twice"),
    ("https://example.org/#activation=tanh", "is not a TensorFlow Playground link"),
    ("runs/circle-1", "is not a TensorFlow Playground link"),
])
def test_a_bad_link_is_one_line_naming_the_parameters_and_exit_2(url: str, named: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ConfigError, match="TF Playground link"):
        parse_url(url)
    assert main(["play", "--from-url", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tuinn: error: TF Playground link: ") and named in err


def test_an_experiment_and_a_link_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["play", "circle", "--from-url", DEFAULT]) == 2
    assert "give an experiment ('circle') or --from-url, not both" in capsys.readouterr().err


def test_play_from_url_opens_the_playground_on_the_links_experiment(monkeypatch: pytest.MonkeyPatch) -> None:
    opened = []
    monkeypatch.setattr("tuinn.tui.runner.run_app", opened.append)
    assert main(["play", "--from-url", SPIRAL]) == 0
    (app,) = opened
    assert fields(app.playground.experiment) == fields(parse_url(SPIRAL).experiment)
    assert (app.playground_screen.show_test, app.playground_screen.discretize) == (True, False)
    # the session built the link's network: 4 inputs (x1, x2, sin x1, sin x2) and 8-8-5-1
    assert [w.shape for w in app.playground.snapshot().weights] == [(8, 4), (8, 8), (5, 8), (1, 5)]

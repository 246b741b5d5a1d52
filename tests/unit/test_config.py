"""Unit tests of tuinn.config.spec: the experiment spec, its defaults and its validation.

``loads`` is the contract every command reads, so the defaults (TensorFlow
Playground's), the accepted spellings and the keys named in errors are pinned here.
"""

from __future__ import annotations

import math
import tomllib
from typing import Any

import pytest

from tuinn.config.experiments import builtin_names, resolve
from tuinn.config.spec import Experiment, LayerSpec, load, loads, to_dict
from tuinn.errors import ConfigError, TuinnError

# Every key of the spec, with inline data (features apply to synthetic sources only).
FULL = """
seed = 7
name = "full"
description = "every key of the spec"

[data]
source = "inline"
samples = 200
noise = 0.1
test_fraction = 0.25
validation_fraction = 0.25
standardize = true
x = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
y = [[0.0], [1.0], [1.0], [0.0]]
classes = 2
task = "regression"

[model]
init = "he"
init_scale = 0.5
bias_init = 0.1

[[model.layers]]
units = 3
activation = "leaky_relu"
slope = 0.2
weights = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
bias = [0.0, 0.1, 0.2]
dropout = 0.2
norm = "batch"

[[model.layers]]
units = 2
activation = "maxout"
pieces = 3
norm = "layer"

[[model.layers]]
units = 2
activation = "elu"
alpha = 0.5

[[model.layers]]
units = 1
activation = "sigmoid"

[train]
loss = "bce"
optimizer = "adam"
learning_rate = 0.001
batch_size = 2
epochs = 20
l1 = 0.0001
l2 = 0.001
shuffle = false
backend = "numpy"
dtype = "float32"
momentum = 0.8
rho = 0.95
beta1 = 0.85
beta2 = 0.99
eps = 1e-7
"""


def error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        loads(text)
    return info.value


# ---------------------------------------------------------------- defaults
def test_defaults_are_tensorflow_playgrounds() -> None:
    e = loads("")
    assert isinstance(e, Experiment)
    assert e.seed == 0
    assert e.data.source == "circle"
    assert e.data.samples == 500
    assert e.data.noise == 0.0
    assert e.data.features is None
    assert e.data.resolved_test_fraction == 0.5
    assert e.train.learning_rate == 0.03
    assert e.train.batch_size == 10
    assert e.train.loss == "mse"
    assert e.train.optimizer == "sgd"
    assert e.train.dtype == "float64"
    assert e.train.backend == "numpy"
    assert e.model.init == "xavier"
    assert [(layer.units, layer.activation) for layer in e.model.layers] == [(4, "tanh"), (2, "tanh"), (1, "tanh")]
    assert all(layer.weights is None and layer.bias is None and layer.dropout == 0 for layer in e.model.layers)


def test_defaults_are_not_shared_between_experiments() -> None:
    a, b = loads(""), loads("")
    a.model.layers[0].units = 99
    a.data.source = "xor"
    assert b.model.layers[0].units == 4
    assert b.data.source == "circle"


def test_inline_data_defaults_to_no_test_split() -> None:
    e = loads('[data]\nsource = "inline"\nx = [[1.0]]\ny = [[2.0]]\n')
    assert e.data.resolved_test_fraction == 0.0


def test_name_from_source_file_when_not_given() -> None:
    assert loads("", "runs/my_exp.toml").name == "my_exp"
    assert loads('name = "given"', "runs/my_exp.toml").name == "given"


# ---------------------------------------------------------------- the full example
def test_full_example_parses() -> None:
    e = loads(FULL)
    assert (e.seed, e.name, e.description) == (7, "full", "every key of the spec")
    d = e.data
    assert d.source == "inline"
    assert (d.samples, d.noise, d.test_fraction, d.validation_fraction) == (200, 0.1, 0.25, 0.25)
    assert d.standardize is True
    assert d.x == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert d.y == [[0.0], [1.0], [1.0], [0.0]]
    assert (d.classes, d.task) == (2, "regression")
    m = e.model
    assert (m.init, m.init_scale, m.bias_init) == ("he", 0.5, 0.1)
    assert [layer.activation for layer in m.layers] == ["leaky_relu", "maxout", "elu", "sigmoid"]
    first = m.layers[0]
    assert first.slope == 0.2
    assert first.weights == [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
    assert first.bias == [0.0, 0.1, 0.2]
    assert (first.dropout, first.norm) == (0.2, "batch")
    assert (m.layers[1].pieces, m.layers[1].norm, m.layers[1].rows) == (3, "layer", 6)
    assert m.layers[2].alpha == 0.5
    t = e.train
    assert (t.loss, t.optimizer, t.learning_rate, t.batch_size, t.epochs) == ("bce", "adam", 0.001, 2, 20)
    assert (t.l1, t.l2, t.shuffle, t.backend, t.dtype) == (0.0001, 0.001, False, "numpy", "float32")
    assert (t.momentum, t.rho, t.beta1, t.beta2, t.eps) == (0.8, 0.95, 0.85, 0.99, 1e-7)
    assert t.optimizer_hyper() == {"momentum": 0.8, "alpha": 0.95, "beta1": 0.85, "beta2": 0.99, "eps": 1e-7}


def test_optimizer_hyper_leaves_eps_out_when_not_given() -> None:
    assert "eps" not in loads("").train.optimizer_hyper()


def test_features_of_inline_data_are_the_playgrounds_of_a_point_of_the_plane() -> None:
    """Inline points of the plane may take the Playground's features (a data set drawn in the playground
    keeps them); wider rows may not, and a 1-column x has no x2."""
    e = loads(FULL.replace('task = "regression"', 'task = "regression"\nfeatures = ["x1", "x1*x2"]'))
    assert e.data.features == ["x1", "x1*x2"]
    err = error(FULL.replace('task = "regression"', 'task = "regression"\nfeatures = ["x1"]').replace("[0.0, 0.0], [0.0, 1.0]", "[0.0, 0.0, 1.0], [0.0, 1.0, 1.0]")
                .replace("[1.0, 0.0], [1.0, 1.0]", "[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]"))
    assert err.key == "data.features" and "3 columns" in err.problem
    err = error('[data]\nsource = "inline"\nx = [[0.0], [1.0]]\ny = [[0.0], [1.0]]\nfeatures = ["x1", "sin(x2)"]\n')
    assert err.key == "data.features[1]" and "needs x2" in err.problem
    err = error('[data]\nsource = "inline"\nx = [[0.0, 1.0], [1.0, 0.0]]\ny = [[0.0], [1.0]]\nfeatures = ["x3"]\n')
    assert err.key == "data.features[0]" and "unknown feature" in err.problem


def test_x_and_y_are_rejected_for_synthetic_sources() -> None:
    err = error('[data]\nsource = "circle"\nx = [[1.0, 2.0]]\n')
    assert err.key == "data.x"
    assert "inline" in err.problem


# ---------------------------------------------------------------- numbers
def test_ints_accepted_for_floats() -> None:
    e = loads(
        "[data]\nnoise = 0\ntest_fraction = 0\n"
        "[model]\nbias_init = 1\n"
        "[[model.layers]]\nunits = 2\nweights = [[1, 2], [3, 4]]\nbias = [0, 1]\n"
        "[[model.layers]]\nunits = 1\n"
        "[train]\nlearning_rate = 1\nl2 = 0\nmomentum = 0\n"
    )
    values = [e.data.noise, e.data.test_fraction, e.model.bias_init, e.train.learning_rate, e.train.l2, e.train.momentum]
    assert values == [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    assert all(type(v) is float for v in values)
    assert e.model.layers[0].weights == [[1.0, 2.0], [3.0, 4.0]]
    assert all(type(v) is float for row in e.model.layers[0].weights for v in row)
    assert all(type(v) is float for v in e.model.layers[0].bias)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[train]\nlearning_rate = true", "train.learning_rate"),
        ("[data]\nnoise = false", "data.noise"),
        ("[data]\nsamples = true", "data.samples"),
        ("seed = true", "seed"),
        ("[[model.layers]]\nunits = true", "model.layers[1].units"),
        ("[[model.layers]]\nunits = 1\nbias = [true]", "model.layers[1].bias[0]"),
        ("[[model.layers]]\nunits = 1\nweights = [[0.5, false]]", "model.layers[1].weights[0][1]"),
        ("[train]\nbatch_size = true", "train.batch_size"),
        ("[train]\nepochs = false", "train.epochs"),
    ],
    ids=["learning_rate", "noise", "samples", "seed", "units", "bias", "weights", "batch_size", "epochs"],
)
def test_booleans_rejected_for_numbers(text: str, key: str) -> None:
    err = error(text)
    assert err.key == key
    assert "boolean" in err.problem


@pytest.mark.parametrize(
    ("text", "key", "word"),
    [
        ("[train]\nlearning_rate = inf", "train.learning_rate", "finite"),
        ("[train]\nlearning_rate = nan", "train.learning_rate", "finite"),
        ("[data]\nsamples = 1.5", "data.samples", "integer"),
        ("[data]\nsamples = 0", "data.samples", "≥ 1"),
        ("[data]\ntest_fraction = 0.6\nvalidation_fraction = 0.4", "data.validation_fraction", "sum < 1"),
        ("[train]\nrho = 1.0", "train.rho", "< 1"),
        ("[train]\nrho = 0", "train.rho", "> 0"),
        ("[train]\neps = 0", "train.eps", "> 0"),
        ("[train]\nl2 = -0.1", "train.l2", "≥ 0"),
        ("[model]\ninit_scale = 0", "model.init_scale", "> 0"),
        ("[[model.layers]]\nunits = 1\nslope = 2", "model.layers[1].slope", "≤ 1"),
        ("[[model.layers]]\nunits = 1\nalpha = 0", "model.layers[1].alpha", "> 0"),
        ("[[model.layers]]\nunits = 1\ndropout = 1.0\n[[model.layers]]\nunits = 1", "model.layers[1].dropout", "< 1"),
        ('[[model.layers]]\nunits = 2\nactivation = "maxout"\npieces = 1', "model.layers[1].pieces", "≥ 2"),
    ],
)
def test_ranges(text: str, key: str, word: str) -> None:
    err = error(text)
    assert err.key == key
    assert word in err.problem


# ---------------------------------------------------------------- batch_size
def test_batch_size_full() -> None:
    assert loads('[train]\nbatch_size = "full"').train.batch_size == "full"


def test_batch_size_other_string_rejected() -> None:
    err = error('[train]\nbatch_size = "half"')
    assert err.key == "train.batch_size"
    assert '"full"' in err.problem


def test_batch_size_full_with_batch_norm_is_accepted() -> None:
    e = loads('[[model.layers]]\nunits = 2\nnorm = "batch"\n[[model.layers]]\nunits = 1\n[train]\nbatch_size = "full"')
    assert e.model.layers[0].norm == "batch"


# ---------------------------------------------------------------- maxout and shapes
MAXOUT = '[[model.layers]]\nunits = 2\nactivation = "maxout"\npieces = 3\n{extra}[[model.layers]]\nunits = 1\n'


def test_maxout_weights_need_units_times_pieces_rows() -> None:
    six = "weights = [" + ", ".join(["[0.1, 0.2]"] * 6) + "]\nbias = [0, 0, 0, 0, 0, 0]\n"
    layer = loads(MAXOUT.format(extra=six)).model.layers[0]
    assert layer.rows == 6
    assert len(layer.weights) == 6
    assert len(layer.bias) == 6


def test_maxout_weights_with_units_rows_rejected() -> None:
    err = error(MAXOUT.format(extra="weights = [[0.1, 0.2], [0.3, 0.4]]\n"))
    assert err.key == "model.layers[1].weights"
    assert "2·3 = 6" in err.problem


def test_maxout_bias_needs_units_times_pieces() -> None:
    err = error(MAXOUT.format(extra="bias = [0.0, 0.0]\n"))
    assert err.key == "model.layers[1].bias"
    assert "6" in err.problem


def test_rows_of_a_plain_layer_are_its_units() -> None:
    assert LayerSpec(3, "tanh", pieces=4).rows == 3
    assert LayerSpec(3, "maxout", pieces=4).rows == 12


def test_ragged_weights_rejected() -> None:
    err = error("[[model.layers]]\nunits = 2\nweights = [[0.1, 0.2], [0.3]]\n[[model.layers]]\nunits = 1")
    assert err.key == "model.layers[1].weights"
    assert "same length" in err.problem


def test_layer_without_units() -> None:
    err = error('[[model.layers]]\nactivation = "relu"')
    assert err.key == "model.layers[1].units"
    assert "required" in err.problem


def test_softmax_needs_two_units() -> None:
    err = error('[[model.layers]]\nunits = 1\nactivation = "softmax"\n[train]\nloss = "cce"')
    assert err.key == "model.layers[1].units"


# ---------------------------------------------------------------- ConfigError
def test_config_error_has_key_problem_and_source() -> None:
    with pytest.raises(ConfigError) as info:
        loads("[[model.layers]]\nunits = 1\n[[model.layers]]\nunits = -3", "exp.toml")
    err = info.value
    assert isinstance(err, TuinnError)
    assert err.key == "model.layers[2].units"
    assert err.source == "exp.toml"
    assert "≥ 1" in err.problem
    assert str(err) == f"exp.toml: model.layers[2].units: {err.problem}"
    assert "\n" not in str(err)


def test_toml_syntax_error_has_empty_key() -> None:
    err = error("[data\nsource = 1")
    assert err.key == ""
    assert "not valid TOML" in str(err)
    assert "\n" not in str(err)


def test_unknown_key_suggests_the_close_one() -> None:
    err = error("[train]\nlearnig_rate = 0.1")
    assert err.key == "train.learnig_rate"
    assert "did you mean 'learning_rate'?" in err.problem


def test_unknown_table() -> None:
    err = error("[optimizer]\nname = 'adam'")
    assert err.key == "optimizer"
    assert "unknown key" in err.problem


def test_section_that_is_not_a_table() -> None:
    err = error('data = "circle"')
    assert err.key == "data"
    assert "table" in err.problem


def test_load_missing_file(tmp_path) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path / "nope.toml")
    assert "no such experiment file" in str(info.value)


def test_load_reads_a_file(tmp_path) -> None:
    path = tmp_path / "e.toml"
    path.write_text("seed = 3\n", encoding="utf-8")
    e = load(path)
    assert (e.seed, e.name, e.source) == (3, "e", str(path))


# ---------------------------------------------------------------- to_dict round trip
def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        assert math.isfinite(v)
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as a TOML value")


def dump_toml(doc: dict[str, Any]) -> str:
    """Just enough TOML for to_dict's output: scalars, lists, tables, [[arrays of tables]]."""
    lines: list[str] = []

    def table(obj: dict[str, Any], prefix: str) -> None:
        subtables = []
        for k, v in obj.items():
            if isinstance(v, dict):
                subtables.append((k, v))
            elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                subtables.append((k, v))
            else:
                lines.append(f"{k} = {toml_value(v)}")
        for k, v in subtables:
            name = f"{prefix}.{k}" if prefix else k
            if isinstance(v, dict):
                lines.append(f"\n[{name}]")
                table(v, name)
            else:
                for item in v:
                    lines.append(f"\n[[{name}]]")
                    table(item, name)

    table(doc, "")
    return "\n".join(lines) + "\n"


def builtin_text(name: str) -> str:
    return resolve(name)[0]


@pytest.mark.parametrize(
    "text",
    [pytest.param("", id="defaults"), pytest.param(FULL, id="full"), *(pytest.param(builtin_text(n), id=n) for n in builtin_names())],
)
def test_to_dict_round_trips_through_loads(text: str) -> None:
    e = loads(text)
    d = to_dict(e)
    dumped = dump_toml(d)
    assert tomllib.loads(dumped) == d  # the writer above is faithful
    again = loads(dumped)
    assert to_dict(again) == d
    # and the round trip lost nothing that the spec holds (test_fraction comes back resolved)
    assert again.model == e.model
    assert again.train == e.train
    assert again.data.test_fraction == e.data.resolved_test_fraction
    again.data.test_fraction = e.data.test_fraction
    assert again.data == e.data
    assert (again.seed, again.name, again.description) == (e.seed, e.name, e.description)


def test_to_dict_resolves_and_drops_none() -> None:
    d = to_dict(loads(""))
    assert d["data"]["test_fraction"] == 0.5
    assert "features" not in d["data"]
    assert "x" not in d["data"] and "y" not in d["data"]
    assert "init_scale" not in d["model"]
    assert "eps" not in d["train"]
    assert [layer["units"] for layer in d["model"]["layers"]] == [4, 2, 1]
    assert set(d) == {"seed", "name", "description", "data", "model", "train"}


def test_imbalance_thins_out_the_classes_but_0_of_a_synthetic_source() -> None:
    import numpy as np

    from tuinn.data.dataset import build_dataset

    full = loads('[data]\nsource = "gauss"\nsamples = 1000\n')
    thin = loads('[data]\nsource = "gauss"\nsamples = 1000\nimbalance = 0.2\n')
    a = build_dataset(full.data, np.random.default_rng(0))
    b = build_dataset(thin.data, np.random.default_rng(0))
    counts_a, counts_b = np.bincount(a.labels), np.bincount(b.labels)
    assert counts_b[0] == counts_a[0] == 500
    assert 70 <= counts_b[1] <= 130  # binomial(500, 0.2): 100 ± 4.5 sd
    # the kept samples are samples of the full draw (thinned after generation, same stream)
    kept = {tuple(p) for p in a.points.round(12)}
    assert all(tuple(p) in kept for p in b.points.round(12))
    assert to_dict(thin)["data"]["imbalance"] == 0.2


@pytest.mark.parametrize(("text", "problem"), [
    ('[data]\nsource = "reg-plane"\nimbalance = 0.5\n', "'reg-plane' is not one"),
    ('[data]\nsource = "gauss"\nimbalance = 0\n', "must be > 0"),
    ('[data]\nsource = "gauss"\nimbalance = 1.5\n', "must be ≤ 1"),
])
def test_imbalance_errors(text: str, problem: str) -> None:
    with pytest.raises(ConfigError, match="data.imbalance") as err:
        loads(text)
    assert problem in str(err.value)

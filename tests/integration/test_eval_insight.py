"""`tuinn eval` (ROC points, per-split metrics, threshold, latent PCA) and `tuinn insight`, end to end.

The JSON is checked against independent computations from the saved weights: the
metrics and ROC of each split are recomputed here from the model's outputs with plain
loops, and the latent coordinates from an eigendecomposition of the activations'
covariance, so a wrong split, threshold or projection in the command shows up.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from tests.inprocess import Result, run_tuinn
from tuinn.config.spec import from_dict
from tuinn.training.checkpoint import load
from tuinn.training.trainer import Trainer

DATA = os.environ.get("TUINN_DATA_DIR")
HAVE_PIMA = bool(DATA) and (Path(DATA) / "pima-indians-diabetes.csv").is_file()


def tuinn(*args: str, cwd: Path | None = None, check: bool = True) -> Result:
    out = run_tuinn(*args, cwd=cwd)
    if check:
        assert out.returncode == 0, out.stderr
    return out


@pytest.fixture(scope="module")
def gauss_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("eval") / "r"
    tuinn("train", "gauss", "--epochs", "3", "--set", "data.validation_fraction=0.2", "--set", "data.noise=0.5",
          "--out", str(run), "--quiet")
    return run


def saved_trainer(run: Path) -> Trainer:
    saved = load(run / "model.safetensors")
    trainer = Trainer(from_dict(saved.spec, None))
    trainer.model.set_parameters(saved.state["params"])
    return trainer


def brute_roc(labels: np.ndarray, score: np.ndarray) -> tuple[list[float], list[float]]:
    pos, neg = int(labels.sum()), int((1 - labels).sum())
    fpr, tpr = [0.0], [0.0]
    for t in sorted(set(score.tolist()), reverse=True):
        tp = sum(1 for s, y in zip(score, labels, strict=True) if s >= t and y == 1)
        fp = sum(1 for s, y in zip(score, labels, strict=True) if s >= t and y == 0)
        tpr.append(tp / pos)
        fpr.append(fp / neg)
    return fpr, tpr


def test_eval_json_has_every_split_the_roc_and_the_threshold(gauss_run: Path) -> None:
    threshold = 0.3
    got = json.loads(tuinn("eval", str(gauss_run), "--json", "--threshold", str(threshold)).stdout)
    t = saved_trainer(gauss_run)
    idx = {"train": t.train_idx, "test": t.test_idx, "validation": t.val_idx, "whole": np.arange(len(t.x))}
    assert set(got["roc"]) == {"train", "test", "validation", "whole"}
    assert got["threshold"] == threshold and got["task"] == "classification"
    for name, rows in idx.items():
        labels = t.dataset.labels[rows]
        score = t.model.predict(t.x[rows])[:, 0]
        pred = score >= threshold
        tp = int(np.sum(pred & (labels == 1)))
        fn = int(np.sum(~pred & (labels == 1)))
        fp = int(np.sum(pred & (labels == 0)))
        tn = int(np.sum(~pred & (labels == 0)))
        r = got[name]
        assert r["n"] == len(rows)
        assert r["confusion"] == [[tn, fp], [fn, tp]]
        assert r["sensitivity"] == pytest.approx(tp / (tp + fn), abs=1e-15)
        assert r["specificity"] == pytest.approx(tn / (tn + fp), abs=1e-15)
        fpr, tpr = brute_roc(labels, score)
        assert got["roc"][name]["fpr"] == pytest.approx(fpr, abs=1e-15)
        assert got["roc"][name]["tpr"] == pytest.approx(tpr, abs=1e-15)
        assert got["roc"][name]["thresholds"][0] is None  # +inf: nothing predicted positive
        assert got["roc"][name]["auc"] == pytest.approx(r["auc"], abs=1e-15)
        eq = r["equal_error"]
        assert abs(eq["sensitivity"] - eq["specificity"]) == pytest.approx(
            min(abs(tp_ - (1 - fp_)) for fp_, tp_ in zip(fpr[1:], tpr[1:], strict=True)), abs=1e-12)
    # the whole data set is every sample, and its numbers are not any single split's
    assert got["whole"]["n"] == got["train"]["n"] + got["test"]["n"] + got["validation"]["n"]


def test_eval_latent_gives_the_pca_of_a_layer(gauss_run: Path) -> None:
    got = json.loads(tuinn("eval", str(gauss_run), "--json", "--latent", "1").stdout)["latent"]
    t = saved_trainer(gauss_run)
    net = t.network
    first = t.experiment.model.layers[0]
    # Layer 1's activations by hand, for whatever the gauss example uses (a change of it must not turn this into a skip).
    by_hand = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
               "linear": lambda z: z}
    assert first.activation in by_hand and first.norm == "none", (
        f"the gauss example's first layer ({first.activation}, norm {first.norm}) needs its formula in this test")
    acts = by_hand[first.activation](t.x @ net.layers[0].W.T + net.layers[0].b)
    centred = acts - acts.mean(axis=0)
    vals, vecs = np.linalg.eigh(centred.T @ centred / len(acts))
    order = np.argsort(vals)[::-1][:2]
    expected = centred @ vecs[:, order]
    coords = np.asarray(got["coords"])
    assert coords.shape == (len(t.x), 2)
    for j in range(2):  # equal up to the sign of each axis
        sign = np.sign(np.dot(coords[:, j], expected[:, j]))
        np.testing.assert_allclose(coords[:, j], sign * expected[:, j], atol=1e-9)
    np.testing.assert_allclose(got["explained"], vals[order] / vals.sum(), rtol=1e-9)
    assert got["labels"] == t.dataset.labels.tolist()
    assert got["layer"] == 1 and "layer 1" in got["layer_name"]


def test_eval_human_output_names_the_equal_error_point(gauss_run: Path) -> None:
    out = tuinn("eval", str(gauss_run), "--latent", "0").stdout
    assert "whole" in out and "validation" in out
    assert "sensitivity = specificity at threshold" in out
    assert "latent space of inputs" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--threshold", "1.5"], "--threshold 1.5: must be between 0 and 1"),
    (["--latent", "7"], "--latent 7: the model has layers 0 (inputs) to 3"),
    (["--latent", "1", "--data", "gauss"], "cannot be combined with --data"),
])
def test_eval_bad_options_are_one_line_and_exit_2(gauss_run: Path, args: list[str], message: str) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in gauss_run.iterdir()}
    out = tuinn("eval", str(gauss_run), *args, check=False)
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and message in out.stderr
    assert "Traceback" not in out.stderr
    assert {p.name: p.stat().st_mtime_ns for p in gauss_run.iterdir()} == before


def test_insight_json_ranks_inputs_per_seed_and_the_agreement() -> None:
    got = json.loads(tuinn("insight", "gauss", "--seeds", "3", "--epochs", "2", "--json").stdout)
    assert got["features"] == ["x1", "x2"] and got["epochs"] == 2
    assert [s["seed"] for s in got["seeds"]] == [0, 1, 2]
    for s in got["seeds"]:
        assert sorted(s["rank_gradient"]) == [0, 1]
        assert s["rank_gradient"][0] == int(np.argmax(s["gradient"]))
        assert s["rank_weights"][0] == int(np.argmax(s["weights"]))
    for method in ("gradient", "weights"):
        a = got["agreement"][method]
        firsts = [s[f"rank_{method}"][0] for s in got["seeds"]]
        assert a["top1_share"] == pytest.approx(firsts.count(a["top1"]) / 3)


def test_insight_human_output_and_bad_input() -> None:
    out = tuinn("insight", "xor", "--seeds", "2", "--epochs", "2")
    assert "agreement across the models" in out.stdout and "Spearman" in out.stdout
    bad = tuinn("insight", "xor", "--seeds", "0", check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    missing = tuinn("insight", "no-such-experiment", check=False)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "no-such-experiment" in missing.stderr


@pytest.mark.skipif(not HAVE_PIMA, reason="Pima data not available (set TUINN_DATA_DIR)")
def test_pima_eval_equal_error_point_is_near_the_published_76_percent(tmp_path: Path) -> None:
    tuinn("train", "pima-mlp", "--kfold", "2", "--out", str(tmp_path / "r"), "--quiet")
    got = json.loads(tuinn("eval", str(tmp_path / "r"), "--json").stdout)
    eq = got["test"]["equal_error"]
    assert 0.70 <= eq["sensitivity"] <= 0.80 and 0.70 <= eq["specificity"] <= 0.80
    assert set(got) >= {"train", "test", "whole", "roc"}


@pytest.mark.skipif(not HAVE_PIMA, reason="Pima data not available (set TUINN_DATA_DIR)")
def test_pima_insight_puts_glucose_first_by_gradient_for_every_seed() -> None:
    got = json.loads(tuinn("insight", "pima-mlp", "--seeds", "5", "--json").stdout)
    glucose = got["features"].index("glucose")
    assert all(s["rank_gradient"][0] == glucose for s in got["seeds"])
    g, w = got["agreement"]["gradient"], got["agreement"]["weights"]
    assert g["top1"] == glucose and g["top1_share"] == 1.0
    assert w["top1_share"] < g["top1_share"] and w["spearman"] < g["spearman"]

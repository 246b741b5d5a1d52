"""A saved model, evaluated: on the data it was trained on, or on other data.

``tuinn eval`` reads a checkpoint (``model.safetensors``: weights, the spec they were
trained with, the input standardisation) and measures it. The measuring lives here,
headless and without printing, so the command line (:mod:`tuinn.cli.eval`) and any
later caller get the same numbers; the report per split is
:func:`tuinn.analysis.evaluation.evaluation_report`, the same the app's Evaluate screen shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tuinn.config.spec import Experiment, from_dict
from tuinn.errors import CheckpointError, ConfigError, TuinnError
from tuinn.training import checkpoint
from tuinn.training.run import make_trainer
from tuinn.training.run_folder import CHECKPOINT
from tuinn.training.trainer import Trainer


def open_saved(target: Path) -> tuple[Path, checkpoint.Checkpoint, Experiment]:
    """The checkpoint of a run folder (or the file itself), its contents and its spec."""
    ckpt = target / CHECKPOINT if target.is_dir() else target
    saved = checkpoint.load(ckpt)
    try:
        exp = from_dict(saved.spec, None)
    except ConfigError as exc:
        raise CheckpointError(f"{ckpt}: its spec is not valid here ({exc})") from None
    return ckpt, saved, exp


def load_weights(network: Any, saved: checkpoint.Checkpoint, ckpt: Path) -> None:
    """Put the saved weights into ``network``; weights of another shape are a damaged checkpoint."""
    try:
        network.set_parameters(saved.state["params"])
    except (KeyError, ValueError) as exc:
        raise CheckpointError(f"{ckpt}: the weights do not match the spec stored with them ({exc})") from None


def evaluate_own(exp: Experiment, saved: checkpoint.Checkpoint, ckpt: Path, threshold: float) -> tuple[Trainer, dict[str, Any]]:
    """The evaluation report (task, splits with their ROC points) of the saved weights on the data of their spec."""
    from tuinn.analysis.evaluation import evaluation_report

    trainer = make_trainer(exp)
    load_weights(trainer.model, saved, ckpt)
    with np.errstate(over="ignore", invalid="ignore"):
        return trainer, evaluation_report(trainer, threshold)


def latent_json(trainer: Trainer, layer: int) -> dict[str, Any]:
    """The 2-D PCA coordinates of ``layer``'s activations over all samples, with labels or target values."""
    from tuinn.analysis.latent import latent_view

    view = latent_view(trainer, layer, "pca", split="whole")
    out: dict[str, Any] = {"layer": layer, "layer_name": view.layer_name, "method": view.method, "split": "whole",
                           "explained": view.explained.tolist() if view.explained is not None else None,
                           "coords": view.coords.tolist()}
    if view.labels is not None:
        out["labels"] = view.labels.tolist()
        out["class_names"] = view.class_names
        out["separation"] = view.separation
    else:
        out["values"] = view.values.tolist() if view.values is not None else None
    return out


def _other_data(exp: Experiment, data: str) -> Any:
    """The dataset ``--data`` names: a CSV file, a registered dataset, or an experiment's [data] (all of it, no split)."""
    from dataclasses import replace

    from tuinn.config.experiments import resolve
    from tuinn.config.spec import DataSpec, loads
    from tuinn.data import source_names
    from tuinn.data.dataset import build_dataset

    try:
        if data.lower().endswith(".csv"):
            spec = DataSpec(source="csv", path=data, test_fraction=0.0)
        elif data in source_names() and data not in ("csv", "inline") and not Path(data).exists():
            spec = DataSpec(source=data, test_fraction=0.0)
        else:
            text, source = resolve(data)
            spec = replace(loads(text, source).data, test_fraction=0.0, validation_fraction=0.0)
        return build_dataset(spec, np.random.default_rng(exp.seed))
    except TuinnError as exc:
        raise TuinnError(f"--data {data}: {exc}") from None


def _saved_network(exp: Experiment, saved: checkpoint.Checkpoint, ckpt: Path, n_inputs: int) -> Any:
    from tuinn.training.build import build_network
    from tuinn.training.trainer import seed_streams

    streams = seed_streams(exp.seed)
    try:
        network = build_network(exp, n_inputs, streams["init"], streams["dropout"])
    except ConfigError as exc:
        raise CheckpointError(f"{ckpt}: the stored spec does not build ({exc})") from None
    load_weights(network, saved, ckpt)
    return network


def _classification(labels: np.ndarray, probs: np.ndarray, threshold: float) -> dict[str, Any]:
    """Metrics at ``threshold``; for a binary problem with both classes present, the ROC and the equal-error point."""
    from tuinn import metrics

    result: dict[str, Any] = dict(metrics.classification_report(labels, probs, threshold=threshold))
    if probs.shape[1] <= 2 and labels.min() != labels.max():
        from tuinn.analysis.evaluation import roc_points

        score = probs[:, -1]
        result["roc"] = roc_points(labels, score)
        result["equal_error"] = metrics.threshold_metrics(labels, score, metrics.equal_error_threshold(labels, score))
    return result


def evaluate_other(exp: Experiment, saved: checkpoint.Checkpoint, ckpt: Path, data: str, threshold: float = 0.5) -> dict[str, Any]:
    """Metrics of a saved model on other data: a CSV file, a registered dataset, or an experiment's [data].

    Needs only the checkpoint (weights, standardisation, classes), not the data the
    model was trained on.
    """
    from tuinn import metrics

    ds = _other_data(exp, data)
    params = saved.state["params"]
    if "1.W" not in params:
        raise CheckpointError(f"{ckpt}: no first-layer weights (1.W)")
    n_inputs = params["1.W"].shape[1]
    if ds.n_inputs != n_inputs:
        raise TuinnError(f"--data {data}: {ds.n_inputs} input columns but the model reads {n_inputs}")
    network = _saved_network(exp, saved, ckpt, n_inputs)
    x = ds.x
    if saved.inputs.get("mean") is not None:
        x = (x - np.asarray(saved.inputs["mean"])) / np.asarray(saved.inputs["std"])
    x = x.astype(exp.train.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        out = network.predict(x)
    last = exp.model.layers[-1]
    trained_task = saved.inputs.get("task", ds.task)
    if ds.task != trained_task:
        raise TuinnError(f"--data {data}: a {ds.task} dataset, but the model was trained for {trained_task}")
    result: dict[str, Any] = {}
    try:
        ds.check_loss(exp.train.loss)  # what `tuinn train` refuses (bce on a 3.7) has no loss to report either
        y = ds.targets_for(last.units, last.activation, "model").astype(x.dtype)
    except ConfigError as exc:
        raise TuinnError(f"--data {data}: does not fit the model ({exc.problem})") from None
    result["loss"] = network.evaluate_loss(x, y)
    if ds.labels is not None:
        probs = (out + 1.0) / 2.0 if last.activation == "tanh" else out
        result.update(_classification(ds.labels, probs, threshold))
    else:
        result.update(metrics.regression_report(y, out))
    return result

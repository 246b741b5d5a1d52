"""Reading the weights: how much each input matters, and whether that holds across seeds.

Two readings of the lecture's "importance of the inputs":

* **first-layer weights**: the mean |W¹[j, i]| over the units j of input i. Cheap and what
  the slide shows, but it ignores everything after layer 1 (a big weight into a unit that
  is later switched off counts fully), so it varies between trainings.
* **gradient**: mean over the samples (and outputs) of |∂ŷ/∂xᵢ|, the sensitivity of the
  prediction to input i, through the whole network. Computed here by backpropagating the
  output itself (not the loss) through the evaluation-mode network.

Both are in units of the network's inputs, i.e. of standardised features when the
experiment standardises, which is what makes features of different scales comparable.
:func:`insight` trains N models that differ only in their seed (same data and split) and
asks how much their rankings agree.

Headless: NumPy only.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from tuinn.engine.network import Network
from tuinn.errors import DivergedError, TuinnError

METHODS = ("gradient", "weights")


def weight_importance(network: Network) -> np.ndarray:
    """Mean |W¹[j, i]| over the rows j of the first layer, one value per input i."""
    return np.abs(network.layers[0].W).mean(axis=0).astype(np.float64)


def input_jacobian(network: Network, x: np.ndarray) -> np.ndarray:
    """∂ŷ_k/∂x_i for every sample, shape (n, outputs, inputs), in evaluation mode.

    The engine's :meth:`~tuinn.engine.network.Network.input_jacobian`: the output itself
    (not the loss) backpropagated through the evaluation-mode network, one output at a time.
    Batch norm in evaluation mode is the per-unit affine map γ(z − μ)/√(σ² + ε) + β,
    whose derivative is γ/√(σ² + ε); layer norm is the same per-sample map as in training.
    """
    return network.input_jacobian(x)


def gradient_importance(network: Network, x: np.ndarray) -> np.ndarray:
    """Mean |∂ŷ_k/∂x_i| over samples and outputs, one value per input i."""
    return np.abs(input_jacobian(network, x)).mean(axis=(0, 1))


def ranking(importance: np.ndarray) -> list[int]:
    """Input indices, most important first (ties keep the input order)."""
    return [int(i) for i in np.argsort(-np.asarray(importance), kind="stable")]


def _spearman(r1: list[int], r2: list[int]) -> float:
    """Spearman's ρ between two rankings of the same items (no ties)."""
    n = len(r1)
    if n < 2:
        return 1.0
    pos1 = np.empty(n)
    pos2 = np.empty(n)
    pos1[r1] = np.arange(n)
    pos2[r2] = np.arange(n)
    return float(1.0 - 6.0 * np.sum((pos1 - pos2) ** 2) / (n * (n * n - 1)))


def agreement(rankings: list[list[int]], k: int = 3) -> dict[str, Any]:
    """How much rankings from independently trained models agree.

    ``top1``: the most frequent top input and the share of models that rank it first;
    ``topk_overlap``: mean over pairs of models of |top-k ∩ top-k| / k; ``spearman``: mean
    pairwise Spearman rank correlation (1 = same order everywhere).
    """
    if not rankings:
        raise ValueError("agreement needs at least one ranking")
    k = min(k, len(rankings[0]))
    firsts = [r[0] for r in rankings]
    values, counts = np.unique(firsts, return_counts=True)
    top = int(values[np.argmax(counts)])
    pairs = list(itertools.combinations(range(len(rankings)), 2))
    overlap = [len(set(rankings[i][:k]) & set(rankings[j][:k])) / k for i, j in pairs] or [1.0]
    rho = [_spearman(rankings[i], rankings[j]) for i, j in pairs] or [1.0]
    return {
        "top1": top,
        "top1_share": float(np.max(counts) / len(rankings)),
        "k": k,
        "topk_overlap": float(np.mean(overlap)),
        "spearman": float(np.mean(rho)),
    }


def importances(trainer: Any, split: str = "train") -> dict[str, np.ndarray]:
    """Both importances of a trainer's current model over a split's inputs."""
    from tuinn.analysis.evaluation import split_index
    from tuinn.analysis.latent import engine_network

    net = engine_network(trainer)
    x = trainer.x[split_index(trainer, split)]
    return {"weights": weight_importance(net), "gradient": gradient_importance(net, x)}


def _trained(trainers: list[Any], epochs: int, together: bool, on_epoch: Callable[[], None] | None) -> Any:
    """Each trainer after ``epochs`` epochs, in order: trained together when they stack, else one by one.

    A model whose loss stopped being finite raises :class:`DivergedError` naming its seed,
    after the models before it were yielded (as one by one).
    """
    from tuinn.training.together import can_stack, data_fits, fit_together

    def tick(models: int) -> None:
        for _ in range(models):
            on_epoch()  # type: ignore[misc]

    if together and len(trainers) > 1 and data_fits(len(trainers), trainers[0].x.nbytes) and all(map(can_stack, trainers)):
        diverged = fit_together(trainers, epochs, on_epoch=tick if on_epoch is not None else None)
        for trainer, epoch in zip(trainers, diverged, strict=True):
            if epoch is not None:
                raise DivergedError(f"seed {trainer.experiment.seed}: training diverged in epoch {epoch}: the loss became "
                                    f"non-finite (learning rate {trainer.experiment.train.learning_rate:g} is probably too large)")
            yield trainer
        return
    for trainer in trainers:
        while trainer.epoch < epochs:
            try:
                trainer.run_epoch()
            except DivergedError as exc:
                raise DivergedError(f"seed {trainer.experiment.seed}: {exc}") from None
            if on_epoch is not None:
                on_epoch()
        yield trainer


def insight(
    exp: Any,
    seeds: int,
    epochs: int | None = None,
    k: int = 3,
    on_seed: Callable[[int, dict[str, Any]], None] | None = None,
    on_epoch: Callable[[], None] | None = None,
    together: bool = True,
) -> dict[str, Any]:
    """Train ``seeds`` models that differ only in their seed and compare their input rankings.

    The data and its split come from the experiment's own seed and stay fixed, so that
    only the initial weights, the shuffling and dropout differ: what changes between the
    rankings is then the training's randomness, not the data. Model i uses seed
    ``exp.seed + i``. ``on_seed(i, result)`` reports each model as it finishes;
    ``on_epoch()`` is called after every epoch of every model (a UI raises from it to cancel).

    ``together`` (default): the models train together on the batched engine (one set of
    matmul calls for all seeds; each model equals its own training to rounding) and are
    reported when all are trained; models the batched engine cannot stack (torch, batch
    or layer norm, the plateau schedule) train one after the other, reported one by one.
    """
    from tuinn.training.trainer import Trainer

    if seeds < 1:
        raise TuinnError(f"--seeds {seeds}: need at least 1 model")
    base = Trainer(exp)
    ds, split = base.dataset, (base.train_idx, base.test_idx, base.val_idx)
    n_epochs = exp.train.epochs if epochs is None else epochs
    trainers = []
    for i in range(seeds):
        e = copy.deepcopy(exp)
        e.seed = exp.seed + i
        trainers.append(Trainer(e, dataset=ds, split=split))
    per_seed = []
    for i, trainer in enumerate(_trained(trainers, n_epochs, together, on_epoch)):
        imp = importances(trainer)
        test = trainer.evaluate("test") if len(trainer.test_idx) else {}
        result = {
            "seed": trainer.experiment.seed,
            "weights": imp["weights"].tolist(),
            "gradient": imp["gradient"].tolist(),
            "rank_weights": ranking(imp["weights"]),
            "rank_gradient": ranking(imp["gradient"]),
            "test": {m: test[m] for m in ("accuracy", "auc", "r2", "loss") if m in test},
        }
        per_seed.append(result)
        if on_seed is not None:
            on_seed(i, result)
    return {
        "experiment": exp.name,
        "features": list(ds.feature_names),
        "epochs": n_epochs,
        "seeds": per_seed,
        "agreement": {m: agreement([r[f"rank_{m}"] for r in per_seed], k) for m in METHODS},
    }

"""A layer's activations seen as a latent space: PCA (or UMAP), k-means, class separation.

The lecture opens the black box by treating the outputs of a hidden layer as new
coordinates of each sample: a trained network has made the classes linearly separable
in its last hidden layer even when they were tangled in the inputs. Whether they also
sit apart in a 2-D picture depends on the layer: a narrow (bottleneck) layer shows
clusters, while the PCA of a wide tanh layer often keeps them overlapping (measured on
a 3-class spiral: nearest-centroid accuracy on the PCA coordinates 0.4-0.5 for a 16-unit
tanh layer, >= 0.97 for a 2-unit layer before the softmax). A layer is usually wider than 2, so
it is projected: PCA (exact, by an SVD of the centred activations, with the share of
variance each axis keeps) or UMAP (nonlinear, when the optional ``umap-learn`` package
is installed). k-means on the unprojected activations asks whether the network's own
clusters agree with the classes (adjusted Rand index).

Headless: NumPy only (UMAP imported on demand).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tuinn.engine.network import Network

if TYPE_CHECKING:
    from tuinn.training.trainer import Trainer

UMAP_MISSING = "UMAP needs the optional umap extra: pip install 'tuinn[umap]' (showing PCA)"


# ----------------------------------------------------------------- activations
def engine_network(trainer: Trainer) -> Network:
    """The trainer's engine network, or (torch backend) an engine copy with the same parameters."""
    from tuinn.backends.numpy import NumpyModel

    if isinstance(trainer.model, NumpyModel):
        return trainer.model.network
    from tuinn.training.build import build_network
    from tuinn.training.trainer import seed_streams

    streams = seed_streams(trainer.experiment.seed)
    net = build_network(trainer.experiment, trainer.dataset.n_inputs, streams["init"], streams["dropout"])
    net.set_parameters({k: np.asarray(v, dtype=net.layers[0].W.dtype) for k, v in trainer.model.get_parameters().items()})
    return net


def layer_outputs(network: Network, x: np.ndarray, layer: int) -> np.ndarray:
    """a of layer ``layer`` (1 = first hidden layer, 0 = the inputs) in evaluation mode (no dropout)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return network.forward(x, upto=layer)


# ------------------------------------------------------------------------ PCA
@dataclass(frozen=True)
class PCA:
    """Principal components of a point cloud."""

    coords: np.ndarray  # (n, k) the points in the first k components
    components: np.ndarray  # (k, d) unit directions, largest variance first
    explained: np.ndarray  # (k,) share of the total variance along each component
    mean: np.ndarray  # (d,)


def pca(x: np.ndarray, k: int = 2) -> PCA:
    """The first ``k`` principal components by an SVD of the centred data.

    X − mean = U S Vᵀ: the rows of Vᵀ are the directions, XV the coordinates, and
    S²/ΣS² the share of variance each keeps. Each direction's sign is fixed so that its
    largest entry is positive (an SVD's signs are arbitrary; plots should not flip).
    A cloud with fewer than ``k`` dimensions or no variance gets zero columns.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"pca needs a 2-D array with samples on rows, got shape {x.shape}")
    mean = x.mean(axis=0)
    centred = x - mean
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    total = float(np.sum(s**2))
    m = min(k, vt.shape[0])
    comps = vt[:m].copy()
    big = np.argmax(np.abs(comps), axis=1)
    comps *= np.where(comps[np.arange(m), big] < 0, -1.0, 1.0)[:, None]
    explained = (s[:m] ** 2 / total) if total > 0 else np.zeros(m)
    coords = centred @ comps.T
    if m < k:  # pad: a 1-unit layer still gets a 2-D picture (its values on x, 0 on y)
        coords = np.hstack([coords, np.zeros((x.shape[0], k - m))])
        comps = np.vstack([comps, np.zeros((k - m, x.shape[1]))])
        explained = np.concatenate([explained, np.zeros(k - m)])
    return PCA(coords, comps, explained, mean)


def umap_available() -> bool:
    return importlib.util.find_spec("umap") is not None


def umap_embed(x: np.ndarray, seed: int) -> np.ndarray:
    """2-D UMAP coordinates (needs ``umap-learn``)."""
    import umap  # type: ignore[import-not-found]

    return np.asarray(umap.UMAP(n_components=2, random_state=seed).fit_transform(np.asarray(x, dtype=np.float64)), dtype=np.float64)


# --------------------------------------------------------------------- k-means
def kmeans(x: np.ndarray, k: int, rng: np.random.Generator, n_init: int = 8, max_iter: int = 100) -> tuple[np.ndarray, np.ndarray, float]:
    """Lloyd's k-means with k-means++ starts; returns (labels, centres, inertia) of the best of ``n_init`` runs."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    if not 1 <= k <= n:
        raise ValueError(f"k-means needs 1 <= k <= {n} samples, got k = {k}")
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    for _ in range(n_init):
        centres = [x[rng.integers(n)]]
        for _ in range(1, k):
            d2 = np.min(((x[:, None, :] - np.asarray(centres)[None]) ** 2).sum(axis=2), axis=1)
            total = d2.sum()
            centres.append(x[rng.choice(n, p=d2 / total)] if total > 0 else x[rng.integers(n)])
        c = np.asarray(centres)
        labels = np.zeros(n, dtype=np.int64)
        for it in range(max_iter):
            d = ((x[:, None, :] - c[None]) ** 2).sum(axis=2)
            new = np.argmin(d, axis=1)
            if it and np.array_equal(new, labels):
                break
            labels = new
            for j in range(k):
                members = x[labels == j]
                if len(members):
                    c[j] = members.mean(axis=0)
        inertia = float(((x - c[labels]) ** 2).sum())
        if best is None or inertia < best[2]:
            best = (labels.copy(), c.copy(), inertia)
    assert best is not None
    return best


def adjusted_rand_index(a: np.ndarray, b: np.ndarray) -> float:
    """Agreement of two labelings, 1 = identical up to renaming, ≈ 0 = chance (Hubert & Arabie 1985)."""
    a = np.asarray(a)
    b = np.asarray(b)
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    table = np.zeros((ai.max() + 1, bi.max() + 1), dtype=np.int64)
    np.add.at(table, (ai, bi), 1)

    def pairs(v: np.ndarray) -> float:
        return float(np.sum(v * (v - 1) / 2.0))

    index = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    total = len(a) * (len(a) - 1) / 2.0
    expected = rows * cols / total if total else 0.0
    top = (rows + cols) / 2.0
    if top == expected:
        return 1.0
    return (index - expected) / (top - expected)


def nearest_centroid_accuracy(fit_x: np.ndarray, fit_y: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Accuracy on (x, y) of assigning each point the class whose centroid in (fit_x, fit_y) is nearest."""
    classes = np.unique(fit_y)
    cents = np.stack([fit_x[fit_y == c].mean(axis=0) for c in classes])
    pred = classes[np.argmin(((x[:, None, :] - cents[None]) ** 2).sum(axis=2), axis=1)]
    return float(np.mean(pred == y))


# ------------------------------------------------------------------- the view
@dataclass
class LatentView:
    """What the latent-space screen draws for one layer."""

    layer: int
    layer_name: str
    method: str  # "pca" or "umap"
    coords: np.ndarray  # (n, 2)
    labels: np.ndarray | None  # class of each point, or None (regression)
    values: np.ndarray | None  # regression target of each point
    class_names: list[str]
    explained: np.ndarray | None  # PCA's variance shares
    note: str = ""
    clusters: np.ndarray | None = None
    cluster_agreement: float | None = None
    separation: float | None = None  # nearest-centroid accuracy on the 2-D coordinates
    extra: dict[str, Any] = field(default_factory=dict)


def layer_name(trainer: Trainer, layer: int) -> str:
    layers = trainer.experiment.model.layers
    if layer == 0:
        return f"inputs ({trainer.dataset.n_inputs})"
    kind = "output" if layer == len(layers) else "hidden"
    return f"layer {layer}, {kind} ({layers[layer - 1].units} {layers[layer - 1].activation})"


def latent_view(
    trainer: Trainer, layer: int, method: str = "pca", clusters: int = 0, split: str = "whole", seed: int = 0
) -> LatentView:
    """Project the activations of ``layer`` over a split to 2-D, with optional k-means."""
    from tuinn.analysis.evaluation import split_index

    idx = split_index(trainer, split)
    acts = layer_outputs(engine_network(trainer), trainer.x[idx], layer).astype(np.float64)
    labels = None if trainer.dataset.labels is None else trainer.dataset.labels[idx]
    values = None if labels is not None else trainer.y[idx][:, 0].astype(float)
    note = ""
    explained = None
    if method == "umap" and not umap_available():
        method, note = "pca", UMAP_MISSING
    if method == "umap":
        coords = umap_embed(acts, seed)
    elif method == "pca":
        p = pca(acts, 2)
        coords, explained = p.coords, p.explained
    else:
        raise ValueError(f"unknown projection {method!r} (pca or umap)")
    view = LatentView(layer, layer_name(trainer, layer), method, coords, labels, values,
                      list(trainer.dataset.class_names), explained, note)
    if labels is not None and len(np.unique(labels)) > 1:
        view.separation = nearest_centroid_accuracy(coords, labels, coords, labels)
    if clusters:
        k = min(clusters, len(idx))
        view.clusters, _, _ = kmeans(acts, k, np.random.default_rng(seed))
        if labels is not None:
            view.cluster_agreement = adjusted_rand_index(labels, view.clusters)
    return view

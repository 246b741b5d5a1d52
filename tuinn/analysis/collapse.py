"""Why piling linear layers is useless: a stack of linear layers is one linear layer.

The lecture substitutes y₁, y₂ of a linear layer into the next neuron's z and regroups
the terms into Z = B + W1·x₁ + W2·x₂. For L layers in matrix form (z = W·x + b):

    W = W_L ⋯ W_2 W_1,   b = W_L(⋯(W_2 b_1 + b_2)⋯) + b_L

so the network computes x ↦ f_L(W·x + b) with f_L its output activation, whatever its
depth. :func:`collapse` computes that layer from an engine network; :func:`best_affine`
fits the best single layer to any network by least squares, which is how the lab shows
that with tanh in between no single layer comes close. (ReLU nets are piecewise linear:
on each region where the same units are on, the same collapse applies, with the off units
removed; the regions are what let them bend the boundary.)

Headless: NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tuinn.engine.network import Network


@dataclass(frozen=True)
class Affine:
    """One layer's affine part, z = x @ W.T + b (W is outputs × inputs, as in the lecture)."""

    W: np.ndarray
    b: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x @ self.W.T + self.b


def is_linear_stack(network: Network) -> bool:
    """True when every layer before the output is linear and no layer normalises (so the collapse is exact)."""
    hidden_linear = all(layer.activation.name == "linear" for layer in network.layers[:-1])
    return hidden_linear and all(layer.norm is None for layer in network.layers)


def collapse(network: Network) -> Affine:
    """The single layer equivalent to a stack of linear layers: W = W_L⋯W_1, b folded through.

    The output activation stays where it is (it is applied after the collapsed layer). Raises
    ValueError when a hidden layer is not linear or a layer normalises, since the result would
    then not be equivalent (use :func:`best_affine` to measure how far off one layer is).
    """
    if not is_linear_stack(network):
        raise ValueError("only a network whose hidden layers are all linear, without normalisation, collapses into one layer")
    W = network.layers[0].W.astype(np.float64)
    b = network.layers[0].b.astype(np.float64)
    for layer in network.layers[1:]:
        Wl = layer.W.astype(np.float64)
        b = Wl @ b + layer.b
        W = Wl @ W
    return Affine(W, b)


def output_logits(network: Network, x: np.ndarray) -> np.ndarray:
    """z of the output layer (before its activation), in evaluation mode."""
    return network.logits(x)


def best_affine(x: np.ndarray, target: np.ndarray) -> Affine:
    """The single layer z = W·x + b closest to ``target`` in least squares (via ``numpy.linalg.lstsq``)."""
    design = np.hstack([x, np.ones((x.shape[0], 1))])
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    return Affine(coef[:-1].T.copy(), coef[-1].copy())


@dataclass(frozen=True)
class CollapseReport:
    """How well one layer stands in for the network on some data (z of the output layer)."""

    layer: Affine
    exact: bool  # collapsed exactly (linear stack) or fitted (best_affine)
    max_difference: float  # max |z_net − z_single| over the data
    target_range: float  # max − min of z_net (what the difference is to be compared with)


def compare(network: Network, x: np.ndarray) -> CollapseReport:
    """Collapse a linear stack (or fit the best single layer to any other net) and measure the gap on ``x``."""
    x = np.asarray(x, dtype=np.float64)
    z = output_logits(network, x).astype(np.float64)
    exact = is_linear_stack(network)
    layer = collapse(network) if exact else best_affine(x, z)
    diff = float(np.max(np.abs(z - layer(x)))) if z.size else 0.0
    return CollapseReport(layer, exact, diff, float(np.ptp(z)) if z.size else 0.0)

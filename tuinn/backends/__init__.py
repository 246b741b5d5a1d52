"""Backends: the same experiment on the NumPy engine or on PyTorch (CPU or CUDA).

Only :mod:`tuinn.backends.torch` imports torch, and only when a torch model is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuinn.backends.base import Model
    from tuinn.config import Experiment
    from tuinn.engine.network import Network


def make_model(exp: Experiment, network: Network, backend: str | None = None, device: str | None = None) -> Model:
    """The model for ``exp`` on its backend, starting from ``network``'s parameters."""
    from tuinn.engine.optimizers import make_optimizer

    name = backend or exp.train.backend
    if name == "numpy":
        from tuinn.backends.numpy import NumpyModel

        optimizer = make_optimizer(exp.train.optimizer, network.pairs(), exp.train.learning_rate, **exp.train.optimizer_hyper())
        return NumpyModel(network, optimizer)
    raise ValueError(f"unknown backend {name!r}")

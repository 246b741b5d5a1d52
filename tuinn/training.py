"""The training loop around the engine: seeded streams, batches, epochs.

Randomness is split into independent streams drawn from the experiment's seed (data,
initial weights, shuffling, dropout), so that changing e.g. the dropout rate does not
change the data or the initial weights, and the same file and seed give bit-identical
weights after any number of steps.
"""

from __future__ import annotations

import numpy as np

from tuinn.config import Experiment
from tuinn.data.dataset import Dataset, build_dataset
from tuinn.engine.network import Network
from tuinn.engine.optimizers import Optimizer, make_optimizer
from tuinn.engine.trace import StepTrace
from tuinn.errors import ConfigError
from tuinn.model import build_network


def seed_streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators for the four uses of randomness."""
    names = ("data", "init", "shuffle", "dropout")
    return {name: np.random.default_rng(s) for name, s in zip(names, np.random.SeedSequence(seed).spawn(len(names)), strict=True)}


class Trainer:
    """Holds the data, the network and the optimizer of one experiment."""

    def __init__(self, exp: Experiment) -> None:
        self.experiment = exp
        streams = seed_streams(exp.seed)
        self.shuffle_rng = streams["shuffle"]
        self.dataset: Dataset = build_dataset(exp.data, streams["data"])
        self.network: Network = build_network(exp, self.dataset.n_inputs, streams["init"], streams["dropout"])
        out = exp.model.layers[-1]
        dtype = np.dtype(exp.train.dtype)
        y = self.dataset.targets_for(out.units, out.activation, f"model.layers[{len(exp.model.layers)}]")
        self.x = self.dataset.x.astype(dtype)
        self.y = y.astype(dtype)
        self.optimizer: Optimizer = make_optimizer(
            exp.train.optimizer, self.network.pairs(), exp.train.learning_rate, **exp.train.optimizer_hyper()
        )
        self.epoch = 0
        self.steps = 0
        if self.uses_batch_norm and len(self.dataset.train) < 2:
            raise ConfigError("model.layers", "batch norm needs at least 2 training samples")

    @property
    def uses_batch_norm(self) -> bool:
        return any(layer.norm == "batch" for layer in self.experiment.model.layers)

    @property
    def batch_size(self) -> int:
        b = self.experiment.train.batch_size
        n = len(self.dataset.train)
        return n if b == "full" else min(int(b), n)

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of the ``train``, ``test`` or ``validation`` split."""
        idx = getattr(self.dataset, name)
        return self.x[idx], self.y[idx]

    def epoch_batches(self) -> list[np.ndarray]:
        """Index arrays of the batches of the next epoch (draws the shuffle).

        With batch norm a trailing batch of one sample is dropped: its variance is zero
        and PyTorch refuses it too.
        """
        idx = self.dataset.train
        if self.experiment.train.shuffle:
            idx = self.shuffle_rng.permutation(idx)
        size = self.batch_size
        batches = [idx[i : i + size] for i in range(0, len(idx), size)]
        if self.uses_batch_norm and len(batches[-1]) < 2:
            batches.pop()
        return batches

    def step(self, batch: np.ndarray) -> float:
        """One optimizer step on the training samples ``batch``; returns the loss."""
        self.steps += 1
        return self.network.train_step(self.x[batch], self.y[batch], self.optimizer)

    def traced_step(self, batch: np.ndarray) -> StepTrace:
        """Like :meth:`step`, recording every chain-rule term."""
        self.steps += 1
        return self.network.traced_step(self.x[batch], self.y[batch], self.optimizer)

    def run_epoch(self) -> float:
        """One pass over the training data; returns the mean of the batch losses."""
        losses = [self.step(batch) for batch in self.epoch_batches()]
        self.epoch += 1
        return float(np.mean(losses))

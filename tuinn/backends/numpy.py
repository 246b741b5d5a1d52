"""The NumPy backend: the teaching engine itself, behind the backend protocol."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import numpy as np

from tuinn.engine.network import Network
from tuinn.engine.optimizers import Optimizer
from tuinn.engine.trace import StepTrace


class NumpyModel:
    """An engine :class:`Network` and its optimizer."""

    name = "numpy"
    device = "cpu"

    def __init__(self, network: Network, optimizer: Optimizer) -> None:
        self.network = network
        self.optimizer = optimizer
        self.x = self.y = self.w = None

    def bind(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> None:
        self.x, self.y = x, y
        self.w = None if w is None else w[:, None].astype(x.dtype)

    def _batch(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        return self.x[batch], self.y[batch], None if self.w is None else self.w[batch]  # type: ignore[index]

    def step(self, batch: np.ndarray) -> float:
        x, y, w = self._batch(batch)
        return self.network.train_step(x, y, self.optimizer, w)

    def traced_step(self, batch: np.ndarray) -> StepTrace:
        x, y, w = self._batch(batch)
        return self.network.traced_step(x, y, self.optimizer, w)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.network.predict(x)

    def evaluate_loss(self, x: np.ndarray, y: np.ndarray) -> float:
        return self.network.evaluate_loss(x, y)

    def get_parameters(self) -> dict[str, np.ndarray]:
        return self.network.get_parameters()

    def set_parameters(self, values: dict[str, np.ndarray]) -> None:
        self.network.set_parameters(values)

    def optimizer_state(self) -> dict[str, Any]:
        return self.optimizer.state_dict()

    def load_optimizer_state(self, saved: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(saved)

    def rng_state(self) -> Any:
        return {"numpy": self.network.rng.bit_generator.state}  # a fresh dict on every read

    def set_rng_state(self, state: Any) -> None:
        """Put back the dropout generator; a torch state (a checkpoint of the other backend) seeds it.

        Why seed and not ignore: torch draws its masks from another generator, which the
        engine cannot continue; keeping the fresh generator instead made the masks after a
        resume repeat those of the first epochs. Seeded from the torch state's bytes, the
        stream is a new one, and the same on every resume of the same checkpoint.
        """
        if isinstance(state, dict) and "numpy" in state:
            self.network.rng.bit_generator.state = copy.deepcopy(state["numpy"])
        elif isinstance(state, dict) and "torch" in state:
            entropy = int.from_bytes(hashlib.sha256(bytes(state["torch"])).digest(), "big")
            self.network.rng.bit_generator.state = np.random.PCG64(entropy).state

    @property
    def learning_rate(self) -> float:
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.optimizer.learning_rate = value

"""The small protocol both backends implement, so the trainer never knows which one runs.

A model holds parameters and an optimizer; it trains on batches given as index arrays
into data bound once (``bind``), so that a GPU backend copies the data to the device
once and not at every step. Parameters and optimizer state cross the boundary as NumPy
arrays with the engine's names (``"1.W"``, ``"1.b"``, ``"1.gamma"``, …; optimizer buffers
``velocity``, ``square_avg``, ``sum``, ``exp_avg``, ``exp_avg_sq``), which is what makes a
checkpoint of either backend load into the other.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from tuinn.engine.trace import StepTrace


class Model(Protocol):
    """What the trainer needs from a backend."""

    name: str  # "numpy" or "torch"
    device: str  # "cpu", "cuda", "cuda:0", …

    def bind(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> None:
        """The full data (inputs, targets, per-sample weights or None) that batches index."""

    def step(self, batch: np.ndarray) -> float:
        """One optimizer step on the bound samples ``batch``; returns the loss before it."""

    def traced_step(self, batch: np.ndarray) -> StepTrace:
        """Like ``step``, recording every chain-rule term."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Outputs in evaluation mode."""

    def evaluate_loss(self, x: np.ndarray, y: np.ndarray) -> float:
        """Data loss (no penalty) in evaluation mode."""

    def get_parameters(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and norm statistic."""

    def set_parameters(self, values: dict[str, np.ndarray]) -> None:
        """Overwrite parameters (shapes must match)."""

    def optimizer_state(self) -> dict[str, Any]:
        """{"t": steps, "state": [per-parameter buffers]} in the engine's names."""

    def load_optimizer_state(self, saved: dict[str, Any]) -> None:
        """Put back an ``optimizer_state``."""

    def rng_state(self) -> Any:
        """State of the dropout generator (JSON-able)."""

    def set_rng_state(self, state: Any) -> None:
        """Put back an ``rng_state`` (of the same backend)."""

    @property
    def learning_rate(self) -> float: ...

    @learning_rate.setter
    def learning_rate(self, value: float) -> None: ...

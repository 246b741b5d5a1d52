"""One training step at a time, with every term: the model behind the step-through mode.

The step shown is computed in full (forward, loss, backward and the update it *would*
make) and then undone, so that the screen can show the gradients before they are used;
``apply`` then takes that step for real (same batch, same dropout mask). Stepping with
``apply`` therefore trains exactly as ``tuinn train`` does: same batches, same order,
same random streams.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tuinn.engine.layers import BATCH_TERMS
from tuinn.engine.trace import LayerTrace, StepTrace
from tuinn.training.trainer import Trainer


class StepSession:
    """A trainer, the batch about to be used, and the trace of the step on it."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.steps_taken = 0
        self._batches: list[np.ndarray] = []
        self._next = 0
        self.batch_number = 0
        self._new_batch()

    def _new_batch(self) -> None:
        if self._next >= len(self._batches):
            if self._batches:
                self.trainer.epoch += 1
            self._batches = self.trainer.epoch_batches()
            self._next = 0
            # The epoch's α, as tuinn train sets it (a schedule; plateau, which needs the epoch's losses, stays where it is).
            self.trainer.model.learning_rate = self.trainer.next_rate()
        self.batch = self._batches[self._next]
        self.batch_number = self._next + 1
        self._next += 1
        self._prepare()

    def _prepare(self) -> None:
        """Trace the step on ``self.batch`` and put the model back as it was."""
        before = self.trainer.state()
        self.before = before
        self.trace = self.trainer.traced_step(self.batch)
        self.trainer.restore(before)

    @property
    def n_batches(self) -> int:
        return len(self._batches)

    def apply(self) -> None:
        """Take the step that is shown, then trace the next batch."""
        self.trainer.step(self.batch)
        self.steps_taken += 1
        self._new_batch()

    def refresh(self) -> None:
        """Trace again (after the weights were changed from outside)."""
        self._prepare()


def sample_view(trace: StepTrace, s: int) -> StepTrace:
    """The trace with the batch terms of sample ``s`` only (gradients stay batch totals)."""

    def one(t: LayerTrace) -> LayerTrace:
        changes = {name: (None if getattr(t, name) is None else getattr(t, name)[s : s + 1]) for name in BATCH_TERMS}
        return replace(t, **changes)

    return replace(trace, inputs=trace.inputs[s : s + 1], targets=trace.targets[s : s + 1], layers=[one(t) for t in trace.layers])

"""Several variants of one experiment trained in lock-step, for comparisons side by side.

The learning-rate and overfitting labs show the same net on the same data trained a few
different ways (three learning rates; with and without dropout, L2, batch norm). Each
variant is an ordinary :class:`~tuinn.session.playground.Playground` (the same trainer, snapshots
and widgets as the main screen), built from the base experiment plus ``--set``-style
overrides. :class:`LockStep` is the one loop that trains them: every variant advances by
the same epochs per tick, so that their curves compare epoch for epoch; a variant that
diverges stops with its reason (its playground's message) while the others go on.

Headless: no textual.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass

from tuinn.config.spec import Experiment, apply_overrides, from_dict, to_dict
from tuinn.session.playground import Playground


@dataclass
class Variant:
    """One way of training the base experiment."""

    label: str
    overrides: list[str]
    playground: Playground

    @property
    def stopped(self) -> bool:
        """True once the variant has diverged (its playground said so and paused)."""
        return self.playground.message.startswith("paused")


def variant_experiment(base: Experiment, overrides: list[str], name: str) -> Experiment:
    """The base experiment with ``section.key=value`` overrides applied, validated like a file."""
    raw = apply_overrides(to_dict(base), overrides)
    exp = from_dict(raw, f"{base.source or base.name} [{name}]")
    exp.data.path = base.data.path
    return exp


class LockStep:
    """Variants that train together: one lock, the same epochs for every variant that has not diverged.

    The lock is held for one epoch of all variants at a time, so that a reset (or a
    step from another thread) can never leave the variants at different epochs.
    """

    def __init__(self, variants: list[Variant]) -> None:
        self.variants = variants
        self.lock = threading.Lock()

    @property
    def epoch(self) -> int:
        """The epoch of the variants that still train (a diverged one stays where it stopped)."""
        return max((v.playground.trainer.epoch for v in self.variants), default=0)

    @property
    def stopped(self) -> list[Variant]:
        """The variants that diverged; each one's reason is its playground's message."""
        return [v for v in self.variants if v.stopped]

    def advance(self, n: int = 1) -> bool:
        """``n`` epochs for every variant that has not diverged, one epoch of all of them per tick; False when none can go on."""
        with self.lock:
            for _ in range(n):
                if all(v.stopped for v in self.variants):
                    return False
                for v in self.variants:
                    if not v.stopped:
                        v.playground.run_epochs(1)
        return True

    def reset(self) -> None:
        """Every variant back to its initial weights (epoch 0), between two ticks."""
        with self.lock:
            for v in self.variants:
                v.playground.reset()


class SideBySide:
    """Variants of one experiment that train together."""

    def __init__(self, base: Experiment, variants: list[tuple[str, list[str]]]) -> None:
        self.base = copy.deepcopy(base)
        self.variants = [Variant(label, list(sets), Playground(variant_experiment(base, sets, label))) for label, sets in variants]
        self.steps = LockStep(self.variants)

    @property
    def epoch(self) -> int:
        return self.steps.epoch

    def run_epochs(self, n: int = 1) -> None:
        """``n`` more epochs for every variant that has not diverged."""
        self.steps.advance(n)

    def reset(self) -> None:
        """Every variant back to its initial weights (epoch 0)."""
        self.steps.reset()

"""Several variants of one experiment trained in lock-step, for comparisons side by side.

The learning-rate and overfitting labs show the same net on the same data trained a few
different ways (three learning rates; with and without dropout, L2, batch norm). Each
variant is an ordinary :class:`~tuinn.session.playground.Playground` (the same trainer, snapshots
and widgets as the main screen), built from the base experiment plus ``--set``-style
overrides. :class:`~tuinn.session.lockstep.LockStep` is the one loop that trains them:
every variant advances by the same epochs per tick, so that their curves compare epoch
for epoch, the variants of one shape (three SGD learning rates) on the batched engine;
a variant that diverges stops with its reason (its playground's message) while the
others go on.

Headless: no textual.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from tuinn.config.spec import Experiment, apply_overrides, from_dict, to_dict
from tuinn.session.lockstep import LockStep, is_stopped
from tuinn.session.playground import Playground


@dataclass
class Variant:
    """One way of training the base experiment."""

    label: str
    overrides: list[str]
    playground: Playground

    @property
    def stopped(self) -> bool:
        """True once the variant has diverged or early stopping paused it (its playground says why)."""
        return is_stopped(self.playground)


def variant_experiment(base: Experiment, overrides: list[str], name: str) -> Experiment:
    """The base experiment with ``section.key=value`` overrides applied, validated like a file."""
    raw = apply_overrides(to_dict(base), overrides)
    exp = from_dict(raw, f"{base.source or base.name} [{name}]")
    exp.data.path = base.data.path
    return exp


class SideBySide:
    """Variants of one experiment that train together (a lab's group; the lab steps all its groups in one :class:`LockStep`)."""

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


__all__ = ["LockStep", "SideBySide", "Variant", "variant_experiment"]

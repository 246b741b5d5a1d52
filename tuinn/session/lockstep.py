"""Several playgrounds trained in lock-step, those of one shape on the batched engine.

Why: the labs' side-by-side variants (three learning rates, with and without L2) and the
playground's grid view (α × noise) show several playgrounds training at once, epoch for
epoch, so that their curves and boundaries compare. Trained one after the other, N
playgrounds cost N times one; most of them share an architecture, and one
:class:`~tuinn.engine.batched.BatchedNetwork` steps all of those in the NumPy calls of
one (issue 17: 4–17× less per model on playground-size nets).

:class:`LockStep` is the one loop for both. The members that share a
:func:`~tuinn.training.together.stack_key` (architecture, activation, loss, optimizer,
data and batch shape) and that the batched engine can train (NumPy backend, no batch or
layer norm, no plateau schedule, no early stopping) train as one :class:`LiveStack`, an
epoch at a time: each model draws its batches from its own trainer's shuffle stream and
its α from its own trainer's schedule, and after every epoch its weights, epoch and step
count go back into its trainer, whose playground then records the losses, the blow-up
warning and the snapshot as its own ``run_epochs`` would. Each member's weights are
therefore those its own ``Trainer.run_epoch`` would have reached (tested to 1e-12). The
others (a group of one, batch norm, Adam beside three SGDs) step alone through their
playground.

What the trainers do not carry while they train stacked: their own optimizer state (the
batched optimizer holds it). Nothing trains a member's trainer alone afterwards: a reset
rebuilds every playground and the stacks with them.

Headless: no textual.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from tuinn.engine.batched import BatchedNetwork, make_batched_optimizer, per_model
from tuinn.session.playground import Playground
from tuinn.training.together import _data, can_stack, stack_key
from tuinn.training.trainer import nonfinite_losses


class Member(Protocol):
    """Anything that holds one playground of a lock-step (a lab's variant, a grid point)."""

    playground: Playground


def is_stopped(pg: Playground) -> bool:
    """Whether a playground has stopped training: it diverged (its message says ``paused: …``) or early stopping paused it."""
    return pg.message.startswith("paused") or pg.stopped_epoch is not None


class LiveStack:
    """Members of one :func:`~tuinn.training.together.stack_key` on one batched network, stepped an epoch at a time."""

    def __init__(self, members: Sequence[Member]) -> None:
        self.members = list(members)
        trainers = [m.playground.trainer for m in self.members]
        self.batched = BatchedNetwork.from_networks([t.network for t in trainers])  # each network's own dropout stream
        self.optimizer = make_batched_optimizer(trainers[0].experiment.train.optimizer, self.batched,
                                                [t.experiment.train.learning_rate for t in trainers],
                                                [t.experiment.train.optimizer_hyper() for t in trainers])
        self.data = _data(trainers)
        self._trainers = trainers
        self._epochs = [t.epoch for t in trainers]

    def in_sync(self) -> bool:
        """Whether every member still has the trainer this stack writes into, at the epoch it left it at.

        Not so after a member's playground was rebuilt (a reset, an edit) or trained outside
        the stack: the stack's weights and optimizer state are then not that member's any more.
        """
        return all(m.playground.trainer is t and t.epoch == e for m, t, e in zip(self.members, self._trainers, self._epochs, strict=True))

    def epoch(self) -> None:
        """One epoch of every model; each member that has not stopped gets its new weights and losses."""
        trainers = [m.playground.trainer for m in self.members]
        rates = [t.next_rate() for t in trainers]  # each trainer's schedule at its own epoch
        self.optimizer.learning_rate = per_model(rates)
        drawn = [t.epoch_batches() for t in trainers]  # each trainer's own shuffle stream
        batches = [np.stack(step) for step in zip(*drawn, strict=True)]
        with np.errstate(over="ignore", invalid="ignore"):
            losses = self.batched.train_epoch(self.data, batches, self.optimizer)
        finite = np.isfinite(losses).all(axis=0)
        for m, (member, trainer) in enumerate(zip(self.members, trainers, strict=True)):
            pg = member.playground
            if is_stopped(pg):
                continue  # its NaNs stay in its own slice; its trainer keeps its last finite weights
            epoch = trainer.epoch + 1
            if not finite[m]:
                stop(pg, f"training diverged in epoch {epoch}: a batch loss became non-finite "
                         f"(learning rate {rates[m]:g} is probably too large); the weights of epoch {trainer.epoch} are kept")
                continue
            before, steps = trainer.network.get_parameters(), trainer.steps
            trainer.network.set_parameters(self.batched.parameters_of(m))
            trainer.epoch, trainer.steps = epoch, steps + len(batches)
            trainer.record_rate(rates[m])
            if not record(pg):  # a split's loss of the new weights is not finite: the previous epoch's stay
                trainer.network.set_parameters(before)
                trainer.epoch, trainer.steps = epoch - 1, steps
                trainer.rates.pop()
        self._epochs = [t.epoch for t in trainers]


def stop(pg: Playground, why: str) -> None:
    """Stop a playground with the reason it shows (``paused: …``, as its own ``run_epochs`` says it)."""
    with pg.lock:
        pg.message = f"paused: {why}"
        pg._touch()


def record(pg: Playground) -> bool:
    """After a batched epoch, what ``Playground.run_epochs`` does after its own: the split losses into the
    history and the blow-up warning; False (and a stop) when a split's loss is not finite."""
    trainer = pg.trainer
    with pg.lock:
        losses = pg._losses_now()
        bad = nonfinite_losses(dict(losses))
        if bad:
            what = ", ".join(f"{split} loss {v}" for split, v in bad.items())
            stop(pg, f"training diverged in epoch {trainer.epoch}: after its last update the {what}; "
                     f"the weights of epoch {trainer.epoch - 1} are kept")
            return False
        pg._record_losses(losses)
        warning = pg._blowup.check(trainer.epoch, losses.get("train", float("nan")), pg.experiment.train.learning_rate)
        if warning:
            pg.message = f"warning: {warning}"
        pg._touch()
    return True


class LockStep:
    """Members trained together: one lock, one epoch of every member that has not stopped per tick.

    The lock is held for one epoch of all members at a time, so that a reset (or a step
    from another thread) can never leave them at different epochs.
    """

    def __init__(self, members: Sequence[Member], stack: bool = True) -> None:
        self.members = list(members)
        #: False: every member steps alone through its playground (what the batched engine is measured against).
        self.stack = stack
        self.lock = threading.Lock()
        self.stacks: list[LiveStack] = []
        self._alone: list[Member] = []
        self._stacked = False

    def groups(self) -> list[list[Member]]:
        """The members that can train together, by :func:`~tuinn.training.together.stack_key` (groups of one included)."""
        groups: dict[tuple[object, ...], list[Member]] = {}
        for m in self.members if self.stack else ():
            t = m.playground.trainer
            if can_stack(t) and t.experiment.train.early_stopping is None:
                groups.setdefault(stack_key(t), []).append(m)
        return list(groups.values())

    def _stack(self) -> None:
        """Build a stack of every group of two or more; the rest step alone (in their order)."""
        self.stacks = [LiveStack(group) for group in self.groups() if len(group) > 1]
        stacked = {id(m) for s in self.stacks for m in s.members}
        self._alone = [m for m in self.members if id(m) not in stacked]
        self._stacked = True

    def _ensure_stacked(self) -> None:
        """Stack on the first epoch (a lock-step that never trains builds nothing), and again when a stack is out of sync."""
        if not self._stacked or not all(s.in_sync() for s in self.stacks):
            self._stack()

    @property
    def epoch(self) -> int:
        """The epoch of the members that still train (a stopped one stays where it stopped)."""
        return max((m.playground.trainer.epoch for m in self.members), default=0)

    @property
    def stopped(self) -> list[Member]:
        """The members that stopped; each one's reason is its playground's message."""
        return [m for m in self.members if is_stopped(m.playground)]

    @property
    def batched(self) -> int:
        """How many members train on the batched engine (counted, not built: the UI thread asks while the worker trains)."""
        return sum(len(g) for g in self.groups() if len(g) > 1)

    @property
    def alone(self) -> list[Member]:
        """The members that step alone through their playground (counted as :attr:`batched` is)."""
        stacked = {id(m) for g in self.groups() if len(g) > 1 for m in g}
        return [m for m in self.members if id(m) not in stacked]

    def advance(self, n: int = 1) -> bool:
        """``n`` epochs of every member that has not stopped, one epoch of all per tick; False when none can go on."""
        with self.lock:
            for _ in range(n):
                if all(is_stopped(m.playground) for m in self.members):
                    return False
                self._ensure_stacked()
                for stack in self.stacks:
                    stack.epoch()
                for m in self._alone:
                    if not is_stopped(m.playground):
                        m.playground.run_epochs(1)
        return True

    def reset(self) -> None:
        """Every member back to its initial weights (epoch 0, no message), between two ticks; the stacks are rebuilt."""
        with self.lock:
            for m in self.members:
                m.playground.reset()
            self._stacked = False


__all__ = ["LiveStack", "LockStep", "Member", "is_stopped", "record", "stop"]

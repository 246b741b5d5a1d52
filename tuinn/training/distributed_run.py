"""A training run on several processes (torchrun): one run folder, one writer, the same results.

Every rank runs the same :class:`~tuinn.training.run.TrainingRun` loop on the same
trainer; the torch model is wrapped so that each step is shared out over the ranks
(:mod:`tuinn.backends.distributed` says how, and what is bit-identical to one process).
What differs by rank is who touches the disk:

* **Opening.** Rank 0 alone reads CONFIG (or the run folder of ``--resume``), checks it,
  creates the folder and loads the checkpoint, then hands every other rank the resolved
  spec and the trainer's state. So the other ranks need no copy of the files (several
  machines need no shared disk), and a refusal is one line from rank 0 while every rank
  exits 2 before training starts.
* **Training.** Evaluation is shared out over the ranks and gathered, so every rank sees
  the same losses and makes the same decisions (divergence, early stopping) without
  asking rank 0; every rank also evaluates the final weights with rank 0. Rank 0 prints, appends ``metrics.jsonl`` and writes
  checkpoints of the unwrapped model (a single process's checkpoint, which resumes on
  any number of processes); the other ranks write nothing (:class:`SilentFolder`).
* **K-fold.** Folds are shared out in rounds: in a round starting at fold s, rank r
  trains fold s + r in one process (no DDP inside a fold); rank 0 gathers the round and
  appends it to ``folds.jsonl`` in fold order, so ``cv.json`` equals a single process's.
* **Stopping.** torchrun passes Ctrl-C / SIGTERM to every rank; each stops at once, rank
  0 saves the last finished epoch. A rank stuck in a collective whose peer has already
  stopped gets an error instead of the signal; with a signal received, that is the
  same interruption.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tuinn.backends.world import World
from tuinn.config.spec import Experiment, from_dict, to_dict
from tuinn.errors import DivergedError, TuinnError
from tuinn.training.interrupts import Interrupted, ignore_stop_signals
from tuinn.training.run import FoldEvents, Interruption, RunEvents, Trained, TrainingRun, make_trainer, read_spec
from tuinn.training.run_folder import SilentFolder
from tuinn.training.trainer import Trainer

#: Seconds a rank whose peer went away waits for the stop signal torchrun may be passing on (see ``_stop_signal_within``).
PEER_SIGNAL_GRACE = 2.0


class PeerLost(TuinnError):
    """Another process of the run went away without a stop signal (killed, crashed, its machine lost)."""

    exit_code = 1


class RankError(TuinnError):
    """Something only this rank (not rank 0) ran into: this rank says it (every other error, rank 0 says)."""


def check_world(exp: Experiment, trainer: Trainer, world: World) -> None:
    """Refuse what cannot train on ``world.size`` processes (one line, before anything is written)."""
    n = world.size
    if trainer.model.name != "torch":
        how = "backend = \"numpy\"" if exp.train.backend == "numpy" else f"backend = \"auto\" chose {trainer.model.name}"
        raise TuinnError(f"train.backend: training on {n} processes needs the torch backend, but {how}; "
                         f"set backend = \"torch\" (--set train.backend=\"torch\") or train in one process")
    if trainer.batch_size < n:
        raise TuinnError(f"train.batch_size: {n} processes share each batch, but a batch holds {trainer.batch_size} samples; "
                         f"use at most {trainer.batch_size} processes or a larger batch")
    if trainer.uses_batch_norm:
        raise TuinnError("model.layers: batch norm cannot train on several processes yet (each would normalise its own slice "
                         "of the batch); use norm = \"layer\" or train in one process")


def precheck(config: str | None, sets: list[str], resume: str | None, nproc: int, strict: bool = True) -> None:
    """What can be refused from the spec alone before N processes start (``--nproc N``) or join a group (torchrun).

    Not ``strict``: a spec that cannot be read or parsed is left to rank 0 to report
    (a rank on another machine may have no copy of the files).
    """
    if resume:
        config, sets = str(Path(resume) / "config.toml"), []
        if not Path(config).is_file():
            return  # rank 0 says what is wrong with the folder
    if config is None:
        return
    try:
        raw, source = read_spec(config, sets)
        exp = from_dict(raw, source)
    except TuinnError:
        if strict:
            raise
        return
    if exp.train.backend == "numpy":
        raise TuinnError(f"train.backend: training on {nproc} processes needs the torch backend, but the spec says "
                         f"backend = \"numpy\"; set backend = \"torch\" (--set train.backend=\"torch\") or train in one process")
    if exp.train.batch_size != "full" and int(exp.train.batch_size) < nproc:
        raise TuinnError(f"train.batch_size: {nproc} processes share each batch, but a batch holds {exp.train.batch_size} "
                         f"samples; use at most {exp.train.batch_size} processes or a larger batch")


def fingerprint(trainer: Trainer) -> str:
    """A digest of the inputs, targets and training order: ranks that differ here would not train one model."""
    import hashlib

    digest = hashlib.sha256()
    for array in (trainer.x, trainer.y, trainer.train_order):
        digest.update(array.tobytes())
    return digest.hexdigest()


class DistributedRun(TrainingRun):
    """A :class:`TrainingRun` that is one rank of several (see the module docstring)."""

    world: World

    @classmethod
    def open_world(cls, world: World, config: str | None, sets: list[str], resume: str | None = None, epochs: int | None = None,
                   kfold: int | None = None, out: str | None = None) -> DistributedRun | None:
        """This rank's run, after rank 0 opened (or refused) it; None on the other ranks when rank 0 refused
        (rank 0 raises the error itself). The process group must have been started.

        Two broadcasts from rank 0: the spec as soon as it is read (every rank then builds
        its trainer at the same time as rank 0), and, once rank 0 has checked the trainer
        and created or reopened the folder, the trainer's state (the checkpoint's, on
        ``--resume``) — or None for a refusal.
        """
        from tuinn.backends import distributed as dd

        told = False

        def tell(exp: Experiment) -> None:
            nonlocal told
            told = True
            dd.broadcast((to_dict(exp), exp.source))

        if world.main:
            try:
                opened = TrainingRun.open(config, sets, resume=resume, epochs=epochs, kfold=kfold, out=out,
                                          check=lambda e, t: check_world(e, t, world), on_spec=tell)
            except TuinnError:
                if not told:
                    dd.broadcast(None)
                dd.broadcast(None)
                raise
            dd.broadcast({"state": opened.trainer.state(), "run_dir": str(opened.run_dir), "resumed": opened.resumed,
                          "early": opened.early, "saved": opened.folder.saved_epoch, "data": fingerprint(opened.trainer)})
            run = cls(opened.exp, opened.trainer, opened.run_dir, opened.resumed, opened.early)
            run.folder.saved_epoch = opened.folder.saved_epoch
        else:
            spec = dd.broadcast(None)
            trainer, failed = None, None
            if spec is not None:
                exp = from_dict(*spec)
                try:
                    trainer = make_trainer(exp)  # while rank 0 builds its own
                except TuinnError as exc:  # e.g. a data file this machine lacks: say so after rank 0's second word
                    failed = exc
            opened_state = dd.broadcast(None)
            if opened_state is None:
                return None
            if failed is not None or trainer is None:
                raise RankError(f"rank {world.rank}: {failed}")
            if fingerprint(trainer) != opened_state["data"]:
                raise RankError(f"rank {world.rank}: its training data differ from rank 0's (another file at the same path?); "
                                f"every process must read the same data")
            trainer.restore(opened_state["state"])
            run = cls(exp, trainer, Path(opened_state["run_dir"]), opened_state["resumed"], opened_state["early"])
            run.folder = SilentFolder(run.folder.path, run.guard, opened_state["saved"])
        run.world = world
        run.trainer.model = dd.ShardedModel(run.trainer.model, world)  # type: ignore[arg-type]
        return run

    # ------------------------------------------------------------ training
    def train(self, events: RunEvents) -> Trained | Interruption:
        """As a single process's, and when another process goes away mid-run: after a stop signal that is
        the interruption; without one (a process killed, a machine gone) rank 0 still saves the last
        finished epoch and :class:`PeerLost` says where."""
        import signal

        from tuinn.backends import distributed as dd

        try:
            return super().train(events)
        except Exception as exc:
            if not dd.peer_lost(exc):
                raise
            ignore_stop_signals()  # torchrun stops every worker once one has gone: let this one save and say so first
            with self.guard, self.guard.shutting_down():
                received = self._stop_signal_within(PEER_SIGNAL_GRACE)
                stop = self._stop(Interrupted(received[0] if received else signal.SIGTERM))
            if received:
                events.interrupted(stop)
                return stop
            kept = (f"epoch {stop.saved_epoch} saved to {stop.checkpoint}" if stop.saved_epoch is not None
                    else f"{stop.folds_done} of {stop.k} folds kept in {stop.folds}" if stop.folds_done is not None
                    else str(stop.save_error))
            raise PeerLost(f"another process of this run went away (its connection closed: killed, crashed or its machine lost); {kept} "
                           f"(continue with: tuinn train --resume {self.run_dir})") from None

    def _stop_signal_within(self, seconds: float) -> list[int]:
        """The stop signals received, waiting up to ``seconds`` for one (the guard records them, entered and shutting down).

        Why wait: torchrun passes a Ctrl-C or SIGTERM to the ranks one after the other. On a
        loaded machine the peer can stop, and close its connection, before this rank's own
        signal lands; without the wait that stop read as a peer lost (exit 1) instead of the
        interruption it is (exit 130/143). A peer really lost sends no signal: the wait costs it
        ``seconds`` once, on the way out.
        """
        deadline = time.monotonic() + seconds
        while not self.guard.received and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.guard.received)

    def _kfold_phase(self, events: RunEvents) -> dict[str, Any]:
        return cross_validate_ranks(self.exp, self.exp.train.kfold or 0, self, events)


def cross_validate_ranks(exp: Experiment, k: int, run: DistributedRun, events: FoldEvents) -> dict[str, Any]:
    """The k-fold phase shared out over the ranks in rounds; every rank returns the same ``cv``.

    Rank 0 says what an earlier invocation finished (a whole ``cv.json``, or the first
    folds of ``folds.jsonl``); round by round each rank trains one fold, all of them
    gather the round, and rank 0 appends it in fold order (so an interruption keeps every
    finished round, as a single process keeps every finished fold).
    """
    from tuinn.backends import distributed as dd
    from tuinn.training.kfold import numbered_folds, summarize

    world, folder = run.world, run.folder
    known = None
    if world.main:
        known = ("cv", folder.read_cv()) if run.resumed and folder.cv.exists() else ("folds", folder.finished_folds(k))
    kind, value = dd.broadcast(known)
    if kind == "cv":
        return value  # type: ignore[no-any-return]
    per_fold: list[dict[str, Any]] = value
    if per_fold:
        events.folds_resumed(per_fold, k)
        folder.rewrite_folds(per_fold)
    start = len(per_fold) + 1
    mine = numbered_folds(exp, k, start=start, mine=lambda i: (i - start) % world.size == world.rank)
    for first in range(start, k + 1, world.size):
        outcome: dict[str, float] | str | None = None
        if first + world.rank <= k:
            try:
                outcome = next(mine)[1]
            except DivergedError as exc:
                outcome = str(exc)
        round_ = dd.gather(outcome)
        failed = [o for o in round_ if isinstance(o, str)]
        if failed:
            raise DivergedError(failed[0])
        for fold in round_:
            if fold is not None:
                per_fold.append(fold)
                folder.append_fold(len(per_fold), fold)
                events.fold_finished(len(per_fold), k, fold)
    cv = summarize(per_fold)
    folder.write_cv(cv)
    return cv

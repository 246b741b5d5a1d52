"""Training on several processes: torch.distributed, DistributedDataParallel, torch's launcher.

``torchrun --nproc-per-node N -m tuinn train SPEC`` (or ``tuinn train SPEC --nproc N``,
which runs the same launcher) starts N copies of tuinn. Each builds the same trainer
from the same spec and seed; this module joins them into one process group (gloo on
the CPU, NCCL for CUDA tensors) and wraps the torch model so that each optimizer step
is the single process's step, computed in N parts:

* **Batches.** Every rank draws the same shuffled order (the shuffle stream is the
  experiment's, not the rank's), cuts it into the same global batches of ``batch_size``
  samples, and takes its own slice of each (``np.array_split``: the slices differ by at
  most one sample). The loss a rank differentiates is the sum of its samples' terms
  divided by the *global* batch's count, times N; DDP averages the gradients over the N
  ranks, which divides the N back out, so the gradient is the global batch's mean —
  also for uneven slices and for a last batch smaller than the others, and also when
  that last batch has fewer samples than there are ranks (a rank with an empty slice
  contributes zero). The regularisation penalty is added on every rank unscaled (the
  average of N equal gradients is that gradient).
* **Reported loss.** The batch loss is the all-reduced sum of the ranks' parts plus the
  penalty: the number a single process prints, on every rank, so every rank decides
  alike when a loss is not finite.
* **Dropout.** A single process draws one mask for the whole batch; N ranks cannot draw
  that mask's slices without drawing the whole mask. Each rank instead reseeds its
  dropout generator at every step from (the experiment's dropout seed, rank, step), so
  a run is reproducible for a given N, resumes bit-identically with the same N, and
  never shares a mask between ranks — but with dropout, N processes are not
  bit-identical to one. Without dropout, the weights equal the single process's up to
  the order of floating-point sums (≤ 1e-12 after 30 epochs in float64, see the tests).
* **Evaluation** is shared out too: each rank computes the outputs of its slice of a
  split's rows and all ranks gather them (the loss: its share of the mean, all-reduced),
  so every rank holds the single process's numbers and decides alike (early stopping,
  divergence); every rank must therefore evaluate, rank 0 alone cannot.
* **Batch norm** is refused under several processes: one rank's slice would normalise
  with its own statistics (torch's SyncBatchNorm runs only on GPUs).

Only this module and :mod:`tuinn.backends.torch` import torch.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from tuinn.backends.torch import TorchModel
from tuinn.backends.world import World
from tuinn.engine.trace import StepTrace
from tuinn.errors import TuinnError


# ------------------------------------------------------------ what is there
def availability() -> list[str]:
    """``tuinn doctor``'s line: whether torch.distributed, gloo and NCCL are there."""
    if not dist.is_available():
        return ["DDP        not available (this torch build has no torch.distributed): --nproc and torchrun cannot be used"]
    gloo = "gloo yes" if dist.is_gloo_available() else "gloo no"
    nccl = "NCCL yes" if dist.is_nccl_available() else "NCCL no"
    return [f"DDP        torch.distributed available: {gloo} (CPU), {nccl} (CUDA); tuinn train --nproc N, or torchrun"]


# ------------------------------------------------------------ the group
def start(world: World) -> None:
    """Join torchrun's process group: gloo for CPU tensors, NCCL for CUDA ones when there is a GPU."""
    if not dist.is_available():
        raise TuinnError("this torch build has no torch.distributed: it cannot train on several processes")
    backend = "gloo"
    if torch.cuda.is_available() and dist.is_nccl_available():
        torch.cuda.set_device(world.local_rank % torch.cuda.device_count())
        backend = "cpu:gloo,cuda:nccl"  # objects (specs, fold results) go through gloo, gradients through NCCL
    dist.init_process_group(backend=backend, rank=world.rank, world_size=world.size)


def stop(model: Any = None) -> None:
    """Leave the process group (nothing when there is none), after letting go of ``model``'s DDP wrapper.

    DDP's reducer holds the process group: left alive (in a reference cycle) until the
    interpreter shuts down, the group's threads were destroyed there, unjoined, and the
    process aborted ("terminate called without an active exception", about one exit in
    three under load).
    """
    import gc

    if isinstance(model, ShardedModel):
        model.ddp = None
    gc.collect()
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def device_for(world: World, device: str) -> str:
    """The CUDA device of this rank (``cuda:LOCAL_RANK``) for ``cuda``; anything else unchanged."""
    if device == "cuda" and torch.cuda.is_available():
        return f"cuda:{world.local_rank % torch.cuda.device_count()}"
    return device


def broadcast(obj: Any) -> Any:
    """Rank 0's ``obj`` on every rank (pickled through the CPU backend)."""
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def gather(obj: Any) -> list[Any]:
    """Every rank's ``obj``, in rank order, on every rank."""
    out: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(out, obj)
    return out


#: Words of the errors gloo and NCCL raise when the other end of a collective is gone (gloo's are plain RuntimeErrors).
PEER_GONE = ("gloo", "NCCL", "onnection", "closed by peer", "Broken pipe", "timed out", "Timed out")


def peer_lost(exc: BaseException) -> bool:
    """Whether ``exc`` is a collective that failed because another rank went away (not any RuntimeError:
    a bug must still show its traceback)."""
    if not (dist.is_available() and dist.is_initialized()):
        return False
    if isinstance(exc, getattr(dist, "DistError", ())):
        return True
    return isinstance(exc, RuntimeError) and any(word in str(exc) for word in PEER_GONE)


# ------------------------------------------------------------ the model
class ShardedModel:
    """A :class:`TorchModel` whose steps are shared out over the ranks with DistributedDataParallel.

    Everything but :meth:`step` is the wrapped model's (parameters, optimizer state,
    evaluation on the whole data), so checkpoints hold exactly what a single process
    writes and load into any number of processes.
    """

    name = "torch"

    def __init__(self, model: TorchModel, world: World) -> None:
        if any(block.norm is not None and type(block.norm).__name__ == "BatchNorm1d" for block in model.net.blocks):
            raise TuinnError("batch norm cannot train on several processes yet (each rank would normalise its own slice "
                             "of the batch); run it in one process, or use norm = \"layer\"")
        self.inner = model
        self.world = world
        self.notice = getattr(model, "notice", "")
        self.dropout = any(block.dropout > 0 for block in model.net.blocks[:-1])
        where = torch.device(model.device)
        ids = None if where.type == "cpu" else [where.index if where.index is not None else torch.cuda.current_device()]
        # No buffers to broadcast: batch norm is refused above.
        self.ddp: DistributedDataParallel | None = DistributedDataParallel(model.net, device_ids=ids)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # parameters, optimizer state, evaluation, rng: the wrapped model's

    @property
    def device(self) -> str:
        return self.inner.device

    @property
    def learning_rate(self) -> float:
        return self.inner.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.inner.learning_rate = value

    def shard(self, batch: np.ndarray) -> np.ndarray:
        """This rank's slice of a global batch, or of the rows to evaluate (slices differ by at most one row; some may be empty)."""
        return np.array_split(batch, self.world.size)[self.world.rank]

    def _reseed_dropout(self) -> None:
        """Masks from (dropout seed, rank, step): reproducible for a given number of ranks, resumable."""
        m = self.inner
        seed = np.random.SeedSequence([m.dropout_seed % 2**63, self.world.rank, m.t]).generate_state(1, np.uint64)[0]
        m.net.generator.manual_seed(int(seed) % 2**63)  # type: ignore[union-attr]

    def step(self, batch: np.ndarray) -> float:
        """One optimizer step of the global ``batch``: this rank's slice forward and backward, gradients averaged."""
        m = self.inner
        m._use_threads()
        x, y, w = m._batch(self.shard(batch))
        if self.dropout:
            self._reseed_dropout()
        m.net.train()
        m.optimizer.zero_grad(set_to_none=True)
        zn, a = self.ddp(x, not m.fused)  # type: ignore[misc]
        part = m.data_loss(zn, a, y, w, samples=len(batch))  # this rank's share of the global batch's mean
        penalty = m.penalty() if (m.l1 or m.l2) else 0.0
        (part * self.world.size + penalty).backward()  # DDP divides the summed gradients by the world size
        m._exact_zeros()
        m.optimizer.step()
        m.t += 1
        total = part.detach().clone()
        dist.all_reduce(total)
        return float(total.item()) + (float(penalty.item()) if torch.is_tensor(penalty) else penalty)

    # ----------------------------------------------------------- evaluation
    def predict(self, x: np.ndarray) -> np.ndarray:
        """Outputs of all rows: each rank computes its slice, all of them gather the whole (rows are independent
        in evaluation mode: no batch norm here), so every rank holds the single process's outputs."""
        parts = gather(self.inner.predict(self.shard(x)))
        return np.concatenate(parts)

    @torch.no_grad()
    def evaluate_loss(self, x: np.ndarray, y: np.ndarray) -> float:
        """The data loss of all rows: each rank's share of the mean over its slice, summed over the ranks."""
        m = self.inner
        m._use_threads()
        m.net.eval()
        zn, a = m.net(m.tensor(self.shard(x)))
        part = m.data_loss(zn, a, m.tensor(self.shard(y)), None, samples=len(x))
        dist.all_reduce(part)
        return float(part.item())

    def traced_step(self, batch: np.ndarray) -> StepTrace:
        raise TuinnError("a step-by-step trace runs in one process (tuinn step), not under torchrun")


# ------------------------------------------------------------ the launcher
@contextlib.contextmanager
def _quiet_launcher() -> Iterator[None]:
    """torch's launcher logs a failed worker with a traceback and a stop signal with a warning; tuinn's
    workers say what went wrong themselves, in one line (each of torch's loggers has its own level)."""
    import logging

    names = [n for n in logging.Logger.manager.loggerDict if n.startswith(("torch.distributed.elastic", "torch.distributed.run"))]
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


@contextlib.contextmanager
def _own_signal_handlers() -> Iterator[None]:
    """The launcher installs handlers for SIGTERM, SIGINT, SIGHUP and SIGQUIT and leaves them: put ours back after it."""
    import signal

    names = ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT")
    saved = {sig: signal.getsignal(sig) for name in names if (sig := getattr(signal, name, None)) is not None}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            if handler is not None:
                signal.signal(sig, handler)


def _failure_code(exc: Any) -> int:
    """The exit status of the worker that failed first (the launcher stops the others with SIGTERM after it).

    A worker that exits with a status has said why (tuinn's one line, or a traceback);
    one killed by a signal (exit code -N) could not, so it is said here, as 128 + N.
    """
    import signal
    import sys

    rank, first = exc.get_first_failure()
    if first.exitcode >= 0:
        return int(first.exitcode) or 1
    name = signal.Signals(-first.exitcode).name if -first.exitcode in signal.valid_signals() else f"signal {-first.exitcode}"
    print(f"tuinn: error: process {rank} of the run was killed by {name}", file=sys.stderr)
    return 128 - int(first.exitcode)


def launch(nproc: int, argv: Sequence[str]) -> int:
    """Run ``python -m tuinn ARGV`` in ``nproc`` processes on this machine through ``torch.distributed.run``.

    Returns rank 0's exit status (or the first failing rank's), 128 + N when the launcher
    itself got signal N (it passes the signal on to every worker first).
    """
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import get_args_parser, run

    os.environ.setdefault("OMP_NUM_THREADS", "1")  # torchrun's default with several workers, without its warning
    args = get_args_parser().parse_args(
        ["--nproc-per-node", str(nproc), "--standalone", "--monitor-interval", "0.05", "-m", "tuinn", *argv])
    with _quiet_launcher(), _own_signal_handlers():
        try:
            run(args)
        except ChildFailedError as exc:
            return _failure_code(exc)
        except SignalException as exc:
            return 128 + int(exc.sigval)
    return 0

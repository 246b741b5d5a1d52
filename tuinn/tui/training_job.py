"""Models trained in the background of a panel: K-fold, the balance comparison.

Training a few models takes seconds to minutes, so it runs in a thread worker: the UI
stays live, a ProgressBar counts epochs, and the job is cancelled by raising
:class:`JobCancelled` from the per-epoch callback (the only point where a NumPy training
loop can be stopped cleanly). :class:`TrainingJobPanel` holds that machinery once; a
panel says what to train (:meth:`TrainingJobPanel.start_job`), what to do with each
finished model (:meth:`job_item`) and at the end (:meth:`job_done`), and draws itself in
:meth:`redraw`.

:func:`job_epochs` makes every background model train as long as the playground has,
which is what makes their numbers comparable with the ones on screen.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.containers import Vertical
from textual.widgets import ProgressBar
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from tuinn.session.playground import Playground
    from tuinn.training.trainer import EpochResult

#: Progress is pushed to the UI at most this often (each push is a round trip to the event loop).
PROGRESS_INTERVAL = 0.1
JOB_GROUP = "training-job"


class JobCancelled(Exception):
    """Raised from a training callback to stop a background job between two epochs."""


def job_epochs(pg: Playground) -> tuple[int, str]:
    """Epochs each background model trains, and why: as far as the playground has trained, else the spec's ``train.epochs``."""
    epoch = pg.trainer.epoch
    if epoch > 0:
        return epoch, f"{epoch} epochs (as far as the playground has trained)"
    n = pg.experiment.train.epochs
    return n, f"{n} epochs (train.epochs of the spec; the playground is at epoch 0)"


def post_to_ui(app: App[Any], fn: Callable[..., None], *args: Any) -> None:
    """Run ``fn(*args)`` on the UI thread from a worker thread; a closed app is not an error (the job just ends)."""
    with contextlib.suppress(RuntimeError):
        app.call_from_thread(fn, *args)


class TrainingJobPanel(Vertical):
    """A panel with one background training job: state, progress, cancellation, stale callbacks ignored."""

    #: The id of the panel's ProgressBar (without '#').
    PROGRESS_ID = ""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: idle, running, done, cancelled or failed.
        self.state = "idle"
        self.error = ""
        self.epochs = 0
        self.total = 1
        #: Number of the current job: callbacks of an older (cancelled) one that arrive late are ignored.
        self.job = 0

    @property
    def running(self) -> bool:
        return self.state == "running"

    def start_job(self, total_epochs: int, produce: Callable[[Callable[[EpochResult], None]], Iterable[Any]]) -> None:
        """Run ``produce(on_epoch)`` in a worker; each item it yields goes to :meth:`job_item` on the UI thread."""
        self.state, self.error = "running", ""
        self.total = max(total_epochs, 1)
        self.job += 1
        self.query_one(f"#{self.PROGRESS_ID}", ProgressBar).update(total=self.total, progress=0)
        self.redraw()
        self._work(self.app, self.job, produce)

    def cancel_job(self) -> None:
        """Ask the worker to stop; it raises at the end of the epoch it is in."""
        if self.running:
            self.workers.cancel_group(self, JOB_GROUP)
            self.state = "cancelled"
            self.redraw()

    @work(thread=True, exclusive=True, group=JOB_GROUP)
    def _work(self, app: App[Any], job: int, produce: Callable[[Callable[[EpochResult], None]], Iterable[Any]]) -> None:
        worker = get_current_worker()
        done = 0
        last = time.monotonic()

        def on_epoch(_: EpochResult) -> None:
            nonlocal done, last
            if worker.is_cancelled:
                raise JobCancelled
            done += 1
            if time.monotonic() - last >= PROGRESS_INTERVAL:
                last = time.monotonic()
                post_to_ui(app, self._progress, job, done)

        try:
            for item in produce(on_epoch):
                if worker.is_cancelled:
                    raise JobCancelled
                post_to_ui(app, self._item, job, item, done)
        except JobCancelled:
            post_to_ui(app, self._finish, job, "cancelled", "")
        except Exception as exc:  # a model that fails (diverges, K too large) is shown, not raised into the app
            post_to_ui(app, self._finish, job, "failed", str(exc))
        else:
            post_to_ui(app, self._finish, job, "done", "")

    # UI-thread callbacks: the panel may have gone with its screen by the time they run.
    def _current(self, job: int) -> bool:
        return self.is_attached and job == self.job

    def _progress(self, job: int, done: int) -> None:
        if self._current(job) and self.running:
            self.query_one(f"#{self.PROGRESS_ID}", ProgressBar).update(progress=done)

    def _item(self, job: int, item: Any, done: int) -> None:
        if self._current(job) and self.running:
            self.job_item(item)
            self.query_one(f"#{self.PROGRESS_ID}", ProgressBar).update(progress=done)
            self.redraw()

    def _finish(self, job: int, state: str, error: str) -> None:
        if not self._current(job):
            return
        if self.state != "cancelled":
            self.state, self.error = state, error
            if state == "done":
                self.job_done()
                self.query_one(f"#{self.PROGRESS_ID}", ProgressBar).update(progress=self.total)
        self.redraw()

    # What a panel fills in.
    def job_item(self, item: Any) -> None:
        """One model finished (UI thread)."""
        raise NotImplementedError

    def job_done(self) -> None:
        """Every model finished (UI thread); nothing to add by default."""

    def redraw(self) -> None:
        raise NotImplementedError

"""Background jobs: work that takes seconds, run in a thread worker, reported by typed messages.

K-fold, the balance comparison, the seeds of the Inputs screen and a slow latent-space
projection all have the same shape: start from the UI thread, compute in a thread (the UI
stays live), show progress, show the result or the error, and let the user cancel. That
shape is written once here, as the :class:`BackgroundJob` mixin of a widget or screen:

- the work function runs in the worker and gets a :class:`JobReport`; it calls
  :meth:`JobReport.epoch` once per unit of work (the only points where a NumPy training
  loop can stop cleanly: it raises :class:`JobCancelled` there) and
  :meth:`JobReport.item` for each partial result;
- the worker never touches a widget: it posts :class:`JobProgress`, :class:`JobItem`,
  :class:`JobDone` or :class:`JobFailed` to its host (``post_message`` is thread-safe and
  does not wait for the UI, unlike ``call_from_thread``), and a progress message still
  queued is replaced by the next one (:meth:`JobProgress.can_replace`);
- every message carries the number of its job: one that arrives after a cancel, after a
  newer job started or after the host left the screen is dropped, in one place
  (:meth:`BackgroundJob.job_current`). Cancelling says "cancelled" at once; the worker
  stops at its next epoch and reports nothing more.

A host fills in :meth:`~BackgroundJob.job_item`, :meth:`~BackgroundJob.job_done`,
:meth:`~BackgroundJob.job_failed` and :meth:`~BackgroundJob.job_changed` (redraw). The
playground's own training is not a job: it runs until paused and the UI polls its
snapshot (DESIGN.md §4: a message per epoch cost ~30 % throughput).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from textual.message import Message
from textual.message_pump import MessagePump
from textual.widgets import ProgressBar
from textual.worker import Worker, get_current_worker

#: Progress is posted at most this often (each post wakes the UI's event loop).
PROGRESS_INTERVAL = 0.1


class JobCancelled(Exception):
    """Raised in the worker, at the next epoch, once the job has been cancelled."""


class JobMessage(Message, bubble=False):
    """A message from the worker of job number ``job`` to its host (not passed on to its parents:
    each subclass says ``bubble=False`` again, Textual's default is per class)."""

    def __init__(self, job: int) -> None:
        super().__init__()
        self.job = job


class JobProgress(JobMessage, bubble=False):
    """``done`` units (epochs) of the job are finished; a newer one of the same job replaces it in the queue."""

    def __init__(self, job: int, done: int) -> None:
        super().__init__(job)
        self.done = done

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, JobProgress) and message.job == self.job


class JobItem(JobMessage, bubble=False):
    """A partial result (a fold, a balance method, a seed's model) with the units done so far; never replaced."""

    def __init__(self, job: int, item: Any, done: int) -> None:
        super().__init__(job)
        self.item = item
        self.done = done


class JobDone(JobMessage, bubble=False):
    """The job finished; ``result`` is what its work function returned."""

    def __init__(self, job: int, result: Any) -> None:
        super().__init__(job)
        self.result = result


class JobFailed(JobMessage, bubble=False):
    """The job raised ``exception`` (one of the host's :attr:`BackgroundJob.JOB_ERRORS`)."""

    def __init__(self, job: int, exception: BaseException) -> None:
        super().__init__(job)
        self.exception = exception


class JobReport:
    """The worker's side of a job: counts units, checks for cancellation, posts messages to the host."""

    def __init__(self, host: MessagePump, job: int, worker: Worker[Any], interval: float = PROGRESS_INTERVAL) -> None:
        self.host = host
        self.job = job
        self.worker = worker
        self.interval = interval
        self.done = 0
        self._posted_at = time.monotonic()

    def check(self) -> None:
        """Raise :class:`JobCancelled` when the job has been cancelled."""
        if self.worker.is_cancelled:
            raise JobCancelled

    def epoch(self, *_: Any) -> None:
        """One unit of work finished (usable as any ``on_epoch`` callback); posts progress at most every ``interval`` s."""
        self.check()
        self.done += 1
        now = time.monotonic()
        if now - self._posted_at >= self.interval:
            self._posted_at = now
            self.post(JobProgress(self.job, self.done))

    def item(self, item: Any, done: int | None = None) -> None:
        """Post a partial result (``done``: the units finished with it, default those counted)."""
        self.check()
        self.post(JobItem(self.job, item, self.done if done is None else done))

    def post(self, message: JobMessage) -> None:
        """Post to the host; an app that has closed meanwhile is not an error (the job just ends)."""
        with contextlib.suppress(RuntimeError):
            self.host.post_message(message)


class BackgroundJob:
    """Mixin for a Widget or Screen that runs one background job at a time.

    ``state`` is idle, running, done, cancelled or failed; ``error`` says why it failed.
    """

    #: The worker group (one job per host: starting a job cancels the one before).
    JOB_GROUP = "job"
    #: What a work function may raise to fail the job (shown, not raised into the app).
    JOB_ERRORS: tuple[type[BaseException], ...] = (Exception,)
    #: Selector of the host's ProgressBar counting units, or "" for none.
    JOB_PROGRESS = ""

    state = "idle"
    error = ""
    #: Number of the current job: messages of another one are dropped.
    job = 0
    #: Units of work of the current job.
    total = 1

    @property
    def running(self) -> bool:
        return self.state == "running"

    def start_job(self, work: Callable[[JobReport], Any], total: int = 1) -> None:
        """Run ``work(report)`` in a thread worker (UI thread); what it returns goes to :meth:`job_done`."""
        self.state, self.error = "running", ""
        self.total = max(total, 1)
        self.job += 1
        self._job_bar(total=self.total, progress=0)
        self.job_changed()
        self.run_worker(partial(self._run_job, self.job, work), thread=True, exclusive=True, group=self.JOB_GROUP)  # type: ignore[attr-defined]

    def cancel_job(self) -> None:
        """Cancel a running job: "cancelled" now, and the worker stops at its next epoch."""
        if self.running:
            self.workers.cancel_group(self, self.JOB_GROUP)  # type: ignore[attr-defined]
            self.state = "cancelled"
            self.job_changed()

    def _run_job(self, job: int, work: Callable[[JobReport], Any]) -> None:
        report = JobReport(self, job, get_current_worker())  # type: ignore[arg-type]
        try:
            result = work(report)
        except JobCancelled:
            return  # the UI said "cancelled" when it cancelled
        except self.JOB_ERRORS as exc:
            report.post(JobFailed(job, exc))
            return
        report.post(JobDone(job, result))

    # The UI thread's side: every message of a job that is not the current running one is dropped here.
    def job_current(self, message: JobMessage) -> bool:
        return self.is_attached and message.job == self.job and self.running  # type: ignore[attr-defined]

    def on_job_progress(self, message: JobProgress) -> None:
        if self.job_current(message):
            self._job_bar(progress=message.done)

    def on_job_item(self, message: JobItem) -> None:
        if self.job_current(message):
            self.job_item(message.item)
            self._job_bar(progress=message.done)
            self.job_changed()

    def on_job_done(self, message: JobDone) -> None:
        if self.job_current(message):
            self.state = "done"
            self.job_done(message.result)
            self._job_bar(progress=self.total)
            self.job_changed()

    def on_job_failed(self, message: JobFailed) -> None:
        if self.job_current(message):
            self.state, self.error = "failed", str(message.exception)
            self.job_failed(message.exception)
            self.job_changed()

    def _job_bar(self, **update: Any) -> None:
        if self.JOB_PROGRESS:
            self.query_one(self.JOB_PROGRESS, ProgressBar).update(**update)  # type: ignore[attr-defined]

    # What a host fills in (UI thread).
    def job_item(self, item: Any) -> None:
        """A partial result arrived; ignored by default."""

    def job_done(self, result: Any) -> None:
        """The job finished with ``result``; ignored by default."""

    def job_failed(self, exception: BaseException) -> None:
        """The job failed (``error`` is already set); nothing more by default."""

    def job_changed(self) -> None:
        """The state or the partial results changed: redraw (nothing by default)."""


__all__ = ["PROGRESS_INTERVAL", "BackgroundJob", "JobCancelled", "JobDone", "JobFailed", "JobItem", "JobProgress", "JobReport"]

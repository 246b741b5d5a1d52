"""Models trained in the background of a panel: K-fold, the balance comparison.

Training a few models takes seconds to minutes, so it runs as a background job
(:mod:`tuinn.tui.jobs`: a thread worker that posts typed messages, cancelled between two
epochs). :class:`TrainingJobPanel` is that job's panel: a ProgressBar counts epochs; a
panel says what to train (:meth:`TrainingJobPanel.start_training`: a generator of finished
models), what to do with each finished model (:meth:`job_item`) and at the end
(:meth:`job_done`), and draws itself in :meth:`redraw`.

:func:`job_epochs` makes every background model train as long as the playground has,
which is what makes their numbers comparable with the ones on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual.containers import Vertical

from tuinn.tui.jobs import BackgroundJob, JobReport

if TYPE_CHECKING:
    from tuinn.session.playground import Playground
    from tuinn.training.trainer import EpochResult

JOB_GROUP = "training-job"


def epochs_text(n: int) -> str:
    """The count in words, "1 epoch" or "2 epochs" (one trained epoch is a common count)."""
    return f"{n} epoch{'' if n == 1 else 's'}"


def job_epochs(pg: Playground) -> tuple[int, str]:
    """Epochs each background model trains, and why: as far as the playground has trained, else the spec's ``train.epochs``."""
    epoch = pg.trainer.epoch
    if epoch > 0:
        return epoch, f"{epochs_text(epoch)} (as far as the playground has trained)"
    n = pg.experiment.train.epochs
    return n, f"{epochs_text(n)} (train.epochs of the spec; the playground is at epoch 0)"


def per_model(on_epoch: Callable[..., None]) -> Callable[[int], None]:
    """An ``on_progress(models)`` (epochs finished, counted per model, as models trained together report them)
    from a job's one-epoch ``on_epoch``: the job's progress and cancellation work either way."""

    def progress(models: int) -> None:
        for _ in range(models):
            on_epoch(None)

    return progress


class TrainingJobPanel(BackgroundJob, Vertical):
    """A panel with one background training job; ``epochs`` is what each of its models trains."""

    JOB_GROUP = JOB_GROUP

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.epochs = 0

    def start_training(self, total_epochs: int, produce: Callable[[Callable[[EpochResult], None]], Iterable[Any]]) -> None:
        """Run ``produce(on_epoch)`` in a worker; each model it yields goes to :meth:`job_item` on the UI thread."""

        def work(report: JobReport) -> None:
            for item in produce(report.epoch):
                report.item(item)

        self.start_job(work, total_epochs)

    def job_changed(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Draw the panel from its job's state: each panel (K-fold, balance) draws its own.

        Not an ``abc.abstractmethod``: a Textual widget's metaclass cannot also be ABCMeta."""
        raise NotImplementedError(f"{type(self).__name__} does not draw itself")

"""Play, pause, one epoch and speed for screens that train several playgrounds in lock-step.

Why one mixin: the labs' side-by-side variants (:mod:`tuinn.tui.screens.labs.runs_lab`)
and the playground's grid view (:mod:`tuinn.tui.screens.grid_screen`) train the same way —
a background job (:mod:`tuinn.tui.jobs`) that advances a
:class:`~tuinn.session.lockstep.LockStep` an epoch of every member at a time, paced by
`+`/`-`, publishing every member's snapshot at most :data:`FPS` times a second for the
screen's timer to draw — and answer the same keys. Written once, the two screens cannot
drift apart (one pausing at a target epoch, the other refusing to play when every member
has stopped, and so on).

A host provides :attr:`lockstep`, :meth:`publish` (snapshots of every member, from the
training thread), :meth:`update_status`, and :attr:`STOPPED` (what to say when every
member has stopped); it may override :meth:`target` (an epoch to stop at) and
:meth:`before_play`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding
from textual.css.query import NoMatches

from tuinn.session.lockstep import LockStep, is_stopped
from tuinn.session.pacing import SPEEDS, Pacer
from tuinn.tui.jobs import BackgroundJob, JobReport

#: Redraws a second (the worker publishes as often).
FPS = 15
#: 30 epochs a second to start with: boundaries and curves form slowly enough to be watched.
DEFAULT_SPEED = 3

#: The keys every lock-step screen answers (a host adds its own after these).
PLAY_BINDINGS = [
    Binding("space", "toggle_play", "play/pause"),
    Binding("n", "step", "one epoch"),
    Binding("r", "reset", "reset"),
]
SPEED_BINDINGS = [
    Binding("plus,equals_sign", "speed(1)", "faster", key_display="+"),
    Binding("minus", "speed(-1)", "slower", key_display="-"),
]


class LivePlay(BackgroundJob):
    """Mixin for a Screen whose background job trains a :class:`LockStep` live (see the module's docstring)."""

    #: The one-line warning when space or `n` finds every member stopped.
    STOPPED: ClassVar[str] = "every member has stopped: r resets them"

    lockstep: LockStep
    speed: int = DEFAULT_SPEED

    # ------------------------------------------------------------ the host's part
    if TYPE_CHECKING:  # every host defines these (no placeholder bodies at run time)
        def publish(self) -> None:
            """Every member's snapshot at once (the training thread calls it between epochs)."""

        def update_status(self) -> None:
            """Redraw the status line (the UI thread calls it when playing starts, pauses or ends)."""

        def refresh_view(self) -> None:
            """Draw what changed since the last frame (the redraw timer calls it)."""

    def target(self) -> int | None:
        """The epoch a play stops at by itself (None: it goes on until paused or every member stopped)."""
        return None

    def before_play(self) -> None:
        """Called on the UI thread just before the training job starts (e.g. forget what was published)."""

    def start_redrawing(self) -> None:
        """From the host's ``on_mount``: the status line now, and the redraw timer at :data:`FPS`."""
        self.set_interval(1.0 / FPS, self.refresh_view)  # type: ignore[attr-defined]
        self.update_status()
        self.call_after_refresh(self.refresh_view)  # type: ignore[attr-defined]  # once the boundaries have their sizes

    def on_unmount(self) -> None:
        self.cancel_job()  # leaving the screen (or the app closing) stops its training

    # ------------------------------------------------------------------ state
    @property
    def playing(self) -> bool:
        """Whether the training job runs: a pause cancels it, and it ends by itself (see :meth:`train_loop`)."""
        return self.running

    @property
    def epoch(self) -> int:
        return self.lockstep.epoch

    def all_stopped(self) -> bool:
        return all(is_stopped(m.playground) for m in self.lockstep.members)

    def play_state(self) -> str:
        """``▶ playing, 30 epochs/s`` or ``⏸ paused``, for the host's status line."""
        rate = SPEEDS[self.speed]
        return f"▶ playing, {'max' if rate is None else f'{rate:g}'} epochs/s" if self.playing else "⏸ paused"

    # --------------------------------------------------------------- training
    def advance(self, n: int = 1) -> bool:
        """``n`` epochs of every member that has not stopped, in lock-step; False when none can go on."""
        return self.lockstep.advance(n)

    def train_loop(self, report: JobReport) -> None:
        """Train until paused (the job is cancelled), every member stopped, or :meth:`target` is reached."""
        pacer = Pacer()
        published_at = 0.0
        target = self.target()
        while target is None or self.epoch < target:
            report.check()
            if not pacer.due(SPEEDS[self.speed]):
                continue
            if not self.advance(1):
                break
            if time.monotonic() - published_at >= 1.0 / FPS:
                self.publish()
                published_at = time.monotonic()

    def job_changed(self) -> None:
        """Playing started, paused or ended by itself: the status line says so."""
        try:
            self.update_status()
        except NoMatches:  # the app closes under a playing screen
            pass

    # ------------------------------------------------------------------- keys
    def action_toggle_play(self) -> None:
        if self.playing:
            self.cancel_job()
        elif self.all_stopped():
            self.notify(self.STOPPED, severity="warning", markup=False)  # type: ignore[attr-defined]
        else:
            self.before_play()
            self.start_job(self.train_loop)
        self.update_status()

    def action_step(self) -> None:
        if self.playing:
            return
        if not self.advance(1):
            self.notify(self.STOPPED, severity="warning", markup=False)  # type: ignore[attr-defined]

    def action_speed(self, delta: int) -> None:
        self.speed = max(0, min(len(SPEEDS) - 1, self.speed + delta))
        self.update_status()


__all__ = ["DEFAULT_SPEED", "FPS", "PLAY_BINDINGS", "SPEED_BINDINGS", "LivePlay"]

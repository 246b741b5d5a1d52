"""Concept labs that train one net several ways side by side (learning rate, overfitting).

The lecture makes its points about training by comparison: the same network, data and
initial weights trained with three learning rates, with SGD and with Adam, with and
without dropout, L2 or batch norm. This screen draws any such comparison from the lab's
data file (:mod:`tuinn.course.labs`): one row per group, in each row one small decision
boundary per variant with its numbers, and either one loss plot with every variant's
training curve overlaid (``plot = "overlay"``: how fast each one learns) or one plot per
variant with its train and test curves and the best-epoch marker (``plot = "each"``:
where each one starts to overfit).

Nothing here trains or draws on its own: every variant is a
:class:`~tuinn.session.playground.Playground` of a :class:`~tuinn.session.variants.SideBySide`, and
the pictures are the playground's widgets fed from its snapshots. As in the playground
(:mod:`tuinn.tui.app`) a background job (:mod:`tuinn.tui.jobs`) trains while playing and a
timer redraws at ~15 fps from what the worker published; the worker advances every variant one epoch per
step, all groups together, so the curves can be compared epoch for epoch. A variant
that diverges stops (its playground says so) and the others go on.

Variants train in lock-step (:class:`~tuinn.session.lockstep.LockStep`, one for all
groups): those of one shape (the three SGD learning rates, say) on the batched engine,
the rest alone. Its lock is held for one epoch of all variants at a time: `n` and `r`
wait for at most that long, and can never leave the variants at different epochs (which
a reset between two variants' epochs would). Playing, pausing, stepping and the speed
are :class:`~tuinn.tui.live_play.LivePlay`'s, shared with the grid view.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Static

from tuinn.course.labs import Group, Lab
from tuinn.session.lockstep import LockStep
from tuinn.session.playground import Playground, Snapshot
from tuinn.session.variants import SideBySide, Variant
from tuinn.tui.live_play import DEFAULT_SPEED, PLAY_BINDINGS, SPEED_BINDINGS, LivePlay
from tuinn.tui.widgets.lab_text import LabText
from tuinn.tui.widgets.loss_plot import LossPlot
from tuinn.tui.widgets.variant_view import VariantView

#: Loss-plot redraws a second, each, while playing (see :meth:`RunsLab.plot_due`).
PLOT_HZ = 1.0
#: Curve colours of the overlaid plots, one per variant, in the order of the data file.
SERIES_COLORS: tuple[tuple[int, int, int], ...] = (
    (59, 142, 234), (245, 147, 34), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
)
TRAIN_GROUP = "lab-train"


def series_color(index: int) -> tuple[int, int, int]:
    return SERIES_COLORS[index % len(SERIES_COLORS)]


class RunsLab(LivePlay, Screen[None]):
    """Variants of one experiment trained together, drawn group by group; playing is its background job."""

    JOB_GROUP = TRAIN_GROUP
    STOPPED = "every variant has stopped: r resets them"

    BINDINGS = [
        *PLAY_BINDINGS,
        Binding("o", "toggle_log", "log loss"),
        Binding("d", "toggle_discretize", "discretize"),
        *SPEED_BINDINGS,
        Binding("escape", "back", "back"),
    ]
    #: Nothing focused ("" turns auto focus off; None would mean the app's "*"): the
    #: collapse lab's network diagrams would otherwise take the arrows and the footer.
    AUTO_FOCUS = ""
    # Screen CSS (not DEFAULT_CSS): the playground's stylesheet gives LossPlot and
    # DecisionBoundary heights of their own, and default CSS always loses to it. Textual
    # scopes a screen's CSS to its class, so the rules name no screen: a subclass that
    # adds rules to these (the collapse lab) gets them scoped to itself.
    CSS = """
    #lab-text { width: 42; }
    #lab-work { width: 1fr; }
    #lab-status { height: 1; padding: 0 1; background: $panel; }
    .lab-group { height: 1fr; border: round $primary; }
    .overlay-variant { width: 26; }
    .overlay-loss { width: 1fr; height: 1fr; border: round $secondary; }
    .each-column { width: 1fr; }
    .each-column > VariantView { height: 19; }
    .each-loss { height: 1fr; border: round $secondary; }
    """

    def __init__(self, lab: Lab, lesson: str | None = None) -> None:
        if lab.experiment is None or not lab.groups:
            raise ValueError(f"lab {lab.name!r} has no experiment and variants to train")
        super().__init__()
        self.lab = lab
        self.lesson = lesson
        self.title = lab.title
        self.sides = [SideBySide(lab.experiment, [(label, list(sets)) for label, sets in group.variants]) for group in lab.groups]
        #: (group, index in the group, variant) of every variant, in drawing order.
        self.entries: list[tuple[int, int, Variant]] = [(g, i, v) for g, side in enumerate(self.sides) for i, v in enumerate(side.variants)]
        #: Every variant of every group, trained together.
        self.lockstep = LockStep([v for _, _, v in self.entries])
        for _, _, v in self.entries:
            # The worker publishes all variants at once (below); a playground publishing
            # itself after each epoch would rebuild its boundary grid every epoch.
            v.playground.publish_interval = math.inf
        self.speed = DEFAULT_SPEED
        self.show_test = True
        #: Boundaries as crisp class regions (the playground's `d`) rather than shaded probabilities.
        self.discretize = False
        self.frames = 0
        self._published: tuple[tuple[Snapshot, Any], ...] | None = None
        self._measures: dict[int, tuple[int, Any]] = {}
        self._shown = [-1] * len(self.entries)
        self._drawn_playing = False
        self._status = ""
        self._plotted_at: dict[str, float] = {}
        self.latest: list[Snapshot | None] = [None] * len(self.entries)
        self.measured: list[Any] = [None] * len(self.entries)

    @property
    def variants(self) -> list[Variant]:
        return [v for _, _, v in self.entries]

    # ---------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Header(icon="")
        with Horizontal():
            with Vertical(id="lab-work"):
                for g, group in enumerate(self.lab.groups):
                    yield from self.compose_group(g, group)
                yield Static(id="lab-status")
            yield LabText(self.lab.text, self.lesson, title="About this lab", id="lab-text")
        yield Footer()

    def compose_group(self, g: int, group: Group) -> Iterator[Widget]:
        """One group's row: the variants' boundaries and the overlaid plot, or a column per variant."""
        with Vertical(classes="lab-group", id=f"group-{g}"):
            with Horizontal():
                if group.plot == "overlay":
                    for i, (label, _) in enumerate(group.variants):
                        yield VariantView(label, series_color(i), id=f"variant-{g}-{i}", classes="overlay-variant")
                    yield LossPlot(id=f"loss-{g}", classes="overlay-loss")
                else:
                    for i, (label, _) in enumerate(group.variants):
                        with Vertical(classes="each-column"):
                            yield VariantView(label, id=f"variant-{g}-{i}")
                            yield LossPlot(id=f"loss-{g}-{i}", classes="each-loss")

    def on_mount(self) -> None:
        for g, group in enumerate(self.lab.groups):
            for box in self.query(f"#group-{g}"):
                box.border_title = Text(group.title)
            if group.plot == "overlay":
                plot = self.query_one(f"#loss-{g}", LossPlot)
                plot.border_title = Text("train loss, overlaid")
                # Losses that differ by orders of magnitude (a too large α jumps to several
                # times the start while a good one falls towards 0) only compare on a log axis.
                plot.log_scale = True
            else:
                for i, (label, _) in enumerate(group.variants):
                    for plot in self.query(f"#loss-{g}-{i}"):
                        plot.border_title = Text(f"loss: {label}")
        self.set_focus(None)
        self.start_redrawing()

    def view(self, k: int) -> VariantView:
        g, i, _ = self.entries[k]
        return self.query_one(f"#variant-{g}-{i}", VariantView)

    # ------------------------------------------------------------ measuring
    def measure(self, pg: Playground) -> Any:
        """Something computed from a variant's trainer along with each snapshot (None here; see the collapse lab)."""
        return None

    def frame(self, k: int, pg: Playground) -> tuple[Snapshot, Any]:
        """The variant's snapshot and what :meth:`measure` gives for that very state (cached by version)."""
        with pg.lock:
            snap = pg.snapshot()
            got = self._measures.get(k)
            if got is None or got[0] != snap.version:
                got = (snap.version, self.measure(pg))
                self._measures[k] = got
        return snap, got[1]

    def publish(self) -> None:
        """All variants' frames at once (called by the training thread between epochs)."""
        self._published = tuple(self.frame(k, v.playground) for k, (_, _, v) in enumerate(self.entries))

    # ----------------------------------------------------------------- view
    def refresh_view(self) -> None:
        """~15 fps: redraw the variants whose state changed since they were drawn."""
        if self._drawn_playing and not self.playing:
            # Paused: draw everything once more from the final state, at once (the plots and
            # networks skip frames while playing, and the last one may have been skipped).
            self._shown = [-1] * len(self.entries)
        self._drawn_playing = self.playing
        published = self._published if self.playing else None
        changed: set[int] = set()
        try:
            for k, (g, _, v) in enumerate(self.entries):
                pg = v.playground
                shape = self.view(k).pixel_shape()
                if shape != pg.grid_shape:
                    pg.grid_shape = shape
                    pg.refresh()
                snap, extra = published[k] if published is not None else self.frame(k, pg)
                if snap.version == self._shown[k]:
                    continue
                self._shown[k] = snap.version
                self.latest[k], self.measured[k] = snap, extra
                self.draw_variant(k, snap, extra)
                changed.add(g)
        except NoMatches:  # closing
            return
        if changed:
            self.frames += 1
        for g in sorted(changed):
            self.draw_group(g)
        self.update_status()

    def draw_variant(self, k: int, s: Snapshot, extra: Any) -> None:
        """A variant's boundary and caption, and its own loss plot where the group has one per variant."""
        g, i, _ = self.entries[k]
        self.view(k).show(s, self.show_test, self.discretize)
        if self.lab.groups[g].plot != "overlay":
            self.show_losses(f"loss-{g}-{i}", s)

    def plot_due(self, plot_id: str) -> bool:
        """Whether a loss plot should take new curves now: always when paused, at PLOT_HZ while playing.

        A plot costs far more to render than the rest of a frame (plotext draws and
        textual decodes it: ~20 ms each, several times that on a busy machine), and a lab
        has up to five of them; at the plots' own 2 Hz they would starve the UI thread.
        """
        if not self.playing:
            return True
        now = time.monotonic()
        if now - self._plotted_at.get(plot_id, 0.0) < 1.0 / PLOT_HZ:
            return False
        self._plotted_at[plot_id] = now
        return True

    def show_losses(self, plot_id: str, s: Snapshot) -> None:
        """A variant's own train and test curves with its best epoch (where its test loss was lowest)."""
        if self.plot_due(plot_id):
            self.query_one(f"#{plot_id}", LossPlot).show(s.train_loss, s.test_loss, s.validation_loss, now=not self.playing,
                                                         best_epoch=s.best_epoch, monitor=s.monitor)

    def draw_group(self, g: int) -> None:
        """The overlaid plot of a group: each variant's training loss in its colour."""
        if self.lab.groups[g].plot != "overlay" or not self.plot_due(f"loss-{g}"):
            return
        series = []
        for k, (gk, i, v) in enumerate(self.entries):
            s = self.latest[k]
            if gk == g and s is not None:
                series.append((v.label, s.train_loss, series_color(i)))
        self.query_one(f"#loss-{g}", LossPlot).show_series(series, now=not self.playing)

    def status(self) -> str:
        """One line of state: the epoch, playing or paused (and how fast), how many variants train batched, how many stopped."""
        parts = [f"epoch {self.epoch}", self.play_state()]
        batched = self.lockstep.batched
        if batched:
            parts.append(f"{batched} of {len(self.entries)} batched")
        stopped = len(self.lockstep.stopped)
        if stopped:
            parts.append(f"{stopped} stopped (diverged)")
        return " · ".join(parts)

    def update_status(self) -> None:
        # Not the header's subtitle: changing that relayouts the whole screen, every frame.
        text = self.status()
        if text != self._status:
            self._status = text
            self.query_one("#lab-status", Static).update(Text(text), layout=False)

    # -------------------------------------------------------------- training
    def target(self) -> int | None:
        """A lab with ``epochs`` pauses there (a play from beyond it goes on)."""
        return self.lab.epochs if self.lab.epochs > self.epoch else None

    def before_play(self) -> None:
        self._published = None

    def action_reset(self) -> None:
        """Every variant back to its initial weights (also while playing: training goes on from epoch 0)."""
        self.lockstep.reset()
        self._published = None

    def action_toggle_log(self) -> None:
        for plot in self.query(LossPlot):
            plot.toggle_log()

    def action_toggle_discretize(self) -> None:
        self.discretize = not self.discretize
        self._shown = [-1] * len(self.entries)

    def action_back(self) -> None:
        self.cancel_job()
        self.dismiss(None)

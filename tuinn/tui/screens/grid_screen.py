"""The playground's grid view: one small decision boundary per grid point, all training live together.

Why: a learning rate (or a noise level, an L2 strength) is understood by comparison.
Small multiples of the same picture — the same net and seed at α/3, α, 3α on data with
0, 25 and 50 % noise — show in one glance which rate crawls, which one oscillates and
how the noise moves the best one, while the numbers under each picture say how far each
has come. The best point now (lowest held-out loss) is framed.

Nothing here trains or draws on its own: the points are the
:class:`~tuinn.session.grid.GridSession`'s playgrounds (batched where they stack), and
each picture is the labs' :class:`~tuinn.tui.widgets.variant_view.VariantView` fed from
the point's snapshot. As in the labs (:mod:`tuinn.tui.screens.labs.runs_lab`, with
the same :class:`~tuinn.tui.live_play.LivePlay` keys) a background job trains while
playing and a timer redraws at ~15 fps from what the worker published. The grid's columns are the first axis, its rows the second; `a` types other
axes (``KEY=V1,V2,… KEY=V1,V2,…``, as ``tuinn sweep --grid`` takes them).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from tuinn.config.spec import Experiment
from tuinn.errors import TuinnError
from tuinn.session.grid import GridPoint, GridSession, parse_axes
from tuinn.session.lockstep import LockStep
from tuinn.session.playground import Snapshot
from tuinn.tui.live_play import PLAY_BINDINGS, SPEED_BINDINGS, LivePlay
from tuinn.tui.screens.prompt import Prompt
from tuinn.tui.widgets.grid_cell import GridCell
from tuinn.tui.widgets.variant_view import label_text

#: The best point's mark in its title.
BEST = "★ "


class GridScreen(LivePlay, Screen[None]):
    """Small multiples of the playground's experiment over one or two axes, training together."""

    JOB_GROUP = "grid-train"
    STOPPED = "every grid point has stopped: r resets them"
    BINDINGS = [
        *PLAY_BINDINGS,
        Binding("a", "axes", "axes"),
        Binding("t", "toggle_test", "test points"),
        Binding("d", "toggle_discretize", "discretize"),
        *SPEED_BINDINGS,
        Binding("escape", "back", "back"),
    ]
    AUTO_FOCUS = ""
    CSS = """
    #grid-work { height: 1fr; }
    .grid-row { height: 1fr; }
    .grid-row > GridCell { width: 1fr; }
    .grid-row > GridCell > .variant-caption { max-height: 3; }
    .best > DecisionBoundary { border: heavy $success; }
    #grid-status { height: 1; padding: 0 1; background: $panel; }
    """

    def __init__(self, base: Experiment, session: GridSession) -> None:
        super().__init__()
        self.base = base
        self.grid = session
        self.title = "Grid of experiments"
        #: Test points hidden at first: in a picture a few rows high the dots would cover the boundary.
        self.show_test = False
        self.discretize = False
        self.frames = 0
        self._published: tuple[Snapshot, ...] | None = None
        self._shown: list[int] = []
        self._best: int | None = None
        self._drawn_playing = False
        self._status = ""
        self._reset_view()

    @property
    def lockstep(self) -> LockStep:  # type: ignore[override]
        """The grid's lock-step (a new one when `a` rebuilds the grid)."""
        return self.grid.steps

    def _reset_view(self) -> None:
        self._shown = [-1] * len(self.grid.points)
        self._best = None
        self._published = None

    # ---------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Header(icon="")
        rows, cols = self.grid.shape
        with Vertical(id="grid-work"):
            for r in range(rows):
                with Horizontal(classes="grid-row"):
                    for c in range(cols):
                        point = self.grid.points[r * cols + c]
                        yield GridCell(point.label, id=f"cell-{r}-{c}")
        yield Static(id="grid-status")
        yield Footer()

    def on_mount(self) -> None:
        self.start_redrawing()

    def view(self, point: GridPoint) -> GridCell:
        return self.query_one(f"#cell-{point.row}-{point.col}", GridCell)

    # ----------------------------------------------------------------- view
    def publish(self) -> None:
        """Every point's snapshot at once (called by the training thread between epochs)."""
        self._published = tuple(p.playground.snapshot() for p in self.grid.points)

    def refresh_view(self) -> None:
        """~15 fps: redraw the points whose state changed since they were drawn, and move the best mark."""
        if self._drawn_playing and not self.playing:
            self._shown = [-1] * len(self.grid.points)  # paused: everything once more from the final state
        self._drawn_playing = self.playing
        published = self._published if self.playing else None
        try:
            changed = False
            for k, point in enumerate(self.grid.points):
                pg, view = point.playground, self.view(point)
                shape = view.pixel_shape()
                if shape != pg.grid_shape:
                    pg.grid_shape = shape
                    pg.refresh()
                snap = published[k] if published is not None else pg.snapshot()
                if snap.version == self._shown[k]:
                    continue
                self._shown[k] = snap.version
                view.show(snap, self.show_test, self.discretize)
                changed = True
            if changed:
                self.frames += 1
                self.mark_best()
            self.update_status()
        except NoMatches:  # closing, or the grid is being rebuilt (recompose)
            return

    def mark_best(self) -> None:
        """Frame the point with the lowest held-out loss (its title gets a star)."""
        best = self.grid.best()
        index = None if best is None else self.grid.points.index(best)
        if index == self._best:
            return
        for k, point in enumerate(self.grid.points):
            view = self.view(point)
            view.set_class(k == index, "best")
            view.boundary.border_title = label_text((BEST if k == index else "") + point.label, None)
        self._best = index

    def status(self) -> str:
        """One line: the epoch, playing or paused, how many points train batched, which is best, how many stopped."""
        g = self.grid
        parts = [f"epoch {self.epoch}", self.play_state(), f"{len(g.points)} points, {g.batched} batched"]
        best = g.best()
        if best is not None:
            parts.append(f"best {best.label} ({best.held_out_loss():.4g})")
        if g.stopped:
            parts.append(f"{len(g.stopped)} stopped")
        return " · ".join(parts)

    def update_status(self) -> None:
        text = self.status()
        if text != self._status:
            self._status = text
            self.query_one("#grid-status", Static).update(Text(text), layout=False)

    # -------------------------------------------------------------- training
    def before_play(self) -> None:
        self._published = None

    def action_reset(self) -> None:
        """Every point back to its initial weights (also while playing: training goes on from epoch 0)."""
        self.grid.reset()
        self._reset_view()

    def action_toggle_test(self) -> None:
        self.show_test = not self.show_test
        self._shown = [-1] * len(self.grid.points)

    def action_toggle_discretize(self) -> None:
        self.discretize = not self.discretize
        self._shown = [-1] * len(self.grid.points)

    def action_axes(self) -> None:
        """Type other axes; the grid is rebuilt at epoch 0 (a bad key or value: one line, the grid stays as it was)."""
        now = " ".join(f"{a.key}={','.join(a.values)}" for a in self.grid.axes)
        self.cancel_job()
        self.app.push_screen(Prompt("grid axes, KEY=V1,V2,… (one or two, as tuinn sweep --grid takes them):", now),
                             self._new_axes)

    async def _new_axes(self, answer: str | None) -> None:
        if not answer or not answer.strip():
            return
        try:
            grid = GridSession(self.base, parse_axes(answer))
        except TuinnError as exc:
            self.notify(f"grid not changed: {exc}", severity="error", markup=False)
            return
        self.cancel_job()
        self.grid = grid
        self._reset_view()
        await self.recompose()
        self.call_after_refresh(self.refresh_view)

    def action_back(self) -> None:
        self.cancel_job()
        self.dismiss(None)


__all__ = ["GridScreen"]

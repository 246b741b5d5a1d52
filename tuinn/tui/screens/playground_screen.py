"""The playground as a screen: panels drawn from the session, its keys, its training worker.

Training runs in a thread worker (`@work(thread=True, exclusive=True)`) that polls
`is_cancelled`; the UI never waits for it. A 15 fps timer reads the session's latest
immutable snapshot and redraws only when its version changed, so a paused screen does
nothing. The controls are drawn from the session too: every change (a key, a click, the
palette, a load, a lesson, a weight typed in) is a typed session method
(:mod:`tuinn.session.edits`) that bumps ``spec_version``, and the timer redraws every
control from ``session.experiment`` when it moved. No panel keeps a value of its own.

Its keys are the screen's bindings: under another screen (Evaluate, a lab, step-through)
they are simply not active, so nothing trains, resets or edits the model a screen reads.
"""

from __future__ import annotations

import gc
import math
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from tuinn.data.synthetic import SOURCES
from tuinn.errors import TuinnError
from tuinn.session.pacing import SPEEDS, Pacer
from tuinn.session.playground import Playground, Snapshot
from tuinn.training.paths import slug
from tuinn.tui.screens.messages_screen import KEPT, MessagesScreen
from tuinn.tui.widgets.data_panel import DataPanel
from tuinn.tui.widgets.decision_boundary import BoundaryView, DecisionBoundary, place_color
from tuinn.tui.widgets.edit import Edit
from tuinn.tui.widgets.features_panel import FeaturesPanel
from tuinn.tui.widgets.hyper_panel import HyperPanel
from tuinn.tui.widgets.loss_plot import LossPlot
from tuinn.tui.widgets.network_diagram import NetworkDiagram
from tuinn.tui.widgets.status_line import StatusLine
from tuinn.tui.widgets.weight_heatmap import WeightHeatmap

if TYPE_CHECKING:  # a lesson's modules load when a lesson is opened; the prompts and links when asked for (startup, issue 17)
    from tuinn.course.lessons import Lesson

FPS = 18  # timer rate; Textual timers drift, so 18 gives ≥ 15 frames drawn a second
MIN_SIZE = (80, 24)
#: How long a warning's notification stays (long enough to read two wrapped lines twice).
WARNING_SECONDS = 10

#: Lesson control → the widgets that make it up (see tuinn.course.lessons.CONTROLS).
CONTROL_WIDGETS = {
    "source": ["#source"], "noise": ["#noise"], "test_fraction": ["#test_fraction"], "batch_size": ["#batch_size"],
    "classes": ["#classes"], "validation_fraction": ["#validation_fraction"], "balance": ["#balance"],
    "regenerate": ["#regenerate"], "features": ["#features-panel"], "learning_rate": ["#learning_rate"], "schedule": ["#schedule"],
    "optimizer": ["#optimizer"], "regularization": ["#regularization"], "reg_rate": ["#reg_rate"],
    "early_stopping": ["#early_stopping"], "problem": ["#problem"], "backend": ["#backend"],
    "layers": ["#add_layer"], "layer": ["#layer"], "activation": ["#activation"], "norm": ["#norm"],
    "dropout": ["#dropout"], "neurons": ["#add_neuron"],
}
DATA_CONTROLS = frozenset({"source", "noise", "test_fraction", "batch_size", "classes", "validation_fraction", "balance", "regenerate"})
HYPER_CONTROLS = frozenset({"learning_rate", "schedule", "optimizer", "regularization", "reg_rate", "early_stopping", "problem", "backend",
                            "layers", "layer", "activation", "norm", "dropout", "neurons"})
#: Actions that belong to a lesson control (off until the lesson introduces it).
ACTION_CONTROLS = {
    "toggle_play": "play", "step": "play", "reset": "play", "speed": "play", "regenerate": "regenerate",
    "step_through": "step_through", "evaluate": "evaluate", "latent": "latent", "weights_insight": "weights_insight",
    "edit_link": "play", "grid": "play",
}

#: Jump key → (id of the panel it focuses, its title). The panels in tab order: controls top
#: to bottom, then the network and weights, then the boundary and loss; `0` is a lesson's text.
PANELS = {
    "1": ("data-panel", "Data"), "2": ("features-panel", "Features"), "3": ("hyper-panel", "Hyperparameters"),
    "4": ("network", "Network"), "5": ("weights", "Weights"), "6": ("boundary", "Decision boundary"), "7": ("loss", "Loss"),
    "0": ("lesson", "Lesson"),
}
#: A control's edit → the session method it calls (per-layer controls act on the selected layer).
EDITS: dict[str, Callable[[Playground, Any], object]] = {
    "learning_rate": lambda pg, v: pg.set_learning_rate(float(v)),
    "schedule": lambda pg, v: pg.set_schedule(str(v)),
    "batch_size": lambda pg, v: pg.set_batch_size(v),
    "regularization": lambda pg, v: pg.set_regularization(v),
    "reg_rate": lambda pg, v: pg.set_reg_rate(float(v)),
    "early_stopping": lambda pg, v: pg.set_early_stopping(int(v)),
    "backend": lambda pg, v: pg.set_backend(v),
    "regenerate": lambda pg, _: pg.regenerate(),
    "source": lambda pg, v: pg.set_source(v),
    "noise": lambda pg, v: pg.set_noise(v),
    "test_fraction": lambda pg, v: pg.set_test_fraction(v),
    "classes": lambda pg, v: pg.set_classes(v),
    "validation_fraction": lambda pg, v: pg.set_validation_fraction(v),
    "balance": lambda pg, v: pg.set_balance(v),
    "features": lambda pg, v: pg.set_features(v),
    "optimizer": lambda pg, v: pg.set_optimizer(v),
    "problem": lambda pg, v: pg.set_problem(v),
    "layer": lambda pg, v: pg.select_layer(v),
    "activation": lambda pg, v: pg.set_activation(pg.selected_layer, v),
    "norm": lambda pg, v: pg.set_norm(pg.selected_layer, v),
    "dropout": lambda pg, v: pg.set_dropout(pg.selected_layer, v),
    "add_layer": lambda pg, _: pg.add_layer(),
    "remove_layer": lambda pg, _: pg.remove_layer(),
    "add_neuron": lambda pg, _: pg.add_neuron(pg.selected_layer),
    "remove_neuron": lambda pg, _: pg.remove_neuron(pg.selected_layer),
}


class PlaygroundScreen(Screen[None]):
    """A network learning, on one screen: controls, network, weights, boundary, loss, status."""

    #: The network has the focus from the start (Textual's default focuses the first control,
    #: and moving it on in on_mount restyled the screen twice more: ~5 % of the startup).
    AUTO_FOCUS = "#network"

    #: Every key is a priority binding: it acts before the focused widget sees it, so a Select
    #: that has the focus (after a choice in its dropdown) no longer eats `space`, and a Checkbox
    #: no longer takes `space` for itself (`enter` still opens a Select and ticks a box).
    #: :meth:`check_action` hands the keys back to a widget that takes typing (an open
    #: dropdown searching its options, a text input).
    BINDINGS = [
        Binding("space", "toggle_play", "play/pause", id="play", priority=True),
        Binding("n", "step", "one epoch", id="step", priority=True),
        Binding("r", "reset", "reset", id="reset", priority=True),
        Binding("g", "regenerate", "new data", id="regenerate", priority=True),
        Binding("plus,equals_sign", "speed(1)", "faster", id="faster", key_display="+", show=False, priority=True),
        Binding("minus", "speed(-1)", "slower", id="slower", key_display="-", show=False, priority=True),
        Binding("t", "toggle_test", "test points", id="test_points", show=False, priority=True),
        Binding("d", "toggle_discretize", "discretize", id="discretize", show=False, priority=True),
        Binding("o", "toggle_log", "log loss", id="log_loss", show=False, priority=True),
        Binding("y", "toggle_rate", "α on loss", id="rate_overlay", show=False, priority=True),
        Binding("s", "step_through", "step-through", id="step_through", priority=True),
        Binding("e", "evaluate", "evaluate", id="evaluate", priority=True),
        Binding("l", "latent", "latent space", id="latent", priority=True),
        Binding("w", "weights_insight", "inputs", id="weights_insight", priority=True),
        Binding("number_sign", "grid", "grid of experiments", id="grid", key_display="#", show=False, priority=True),
        Binding("c", "toggle_scale", "weight scale", id="weight_scale", show=False, priority=True),
        Binding("f", "weight_view", "W/b histograms", id="weight_view", show=False, priority=True),
        Binding("v", "edit_link", "edit weight", id="edit_weight", show=False, priority=True),
        Binding("m", "messages", "warnings", id="messages", show=False, priority=True),
        Binding("escape", "show_output", "output", id="show_output", show=False, priority=True),
        Binding("ctrl+s", "save", "save", id="save", priority=True),
        Binding("ctrl+o", "load", "load", id="load", priority=True),
        # The jump keys are written in each panel's title ("Network (4)") and in the help, not in the footer.
        *(Binding(key, f"jump('{panel}')", f"go to {title.lower()}", id=f"jump_{panel.split('-')[0]}", show=False, priority=True)
          for key, (panel, title) in PANELS.items()),
    ]

    def __init__(self, session: Playground, lesson: Lesson | None = None, shown: frozenset[str] | None = None,
                 autoplay: bool = False) -> None:
        super().__init__()
        self.session = session
        self.lesson = lesson
        #: The controls a lesson shows (None: all of them, the normal playground).
        self.shown = shown
        self.autoplay = autoplay
        self.speed = len(SPEEDS) - 1
        self.show_test = True
        self.discretize = False
        self.frames = 0
        self._shown_version = -1
        self._shown_running = False
        self._synced_version = -1
        self._shape_key: tuple[Any, ...] = ()
        #: The last warnings ("14:02:11 paused: …"), whole, for the `m` screen.
        self.warnings: deque[str] = deque(maxlen=KEPT)
        #: The session message announced last ("" once it is gone, so that it is announced again when it comes back).
        self._announced = ""

    # ---------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        pg = self.session
        with Horizontal(id="main"):
            if self.lesson is not None:
                from textual.widgets import Markdown  # markdown-it loads only for a lesson (startup, issue 17)

                from tuinn.tui.widgets.lesson_text import lesson_markdown

                with VerticalScroll(id="lesson"):
                    yield Markdown(lesson_markdown(self.lesson))
            with VerticalScroll(id="controls"):
                yield DataPanel(pg, id="data-panel")
                yield FeaturesPanel(pg, id="features-panel")
                yield HyperPanel(pg, id="hyper-panel")
            # The status line sits under the panels only, not under the controls: Textual
            # repaints the bounding box of what changed, and a full-width line that changes
            # every frame would make every frame repaint the whole screen (2-3× the cost).
            with Vertical(id="work"):
                with Horizontal(id="panels"):
                    with Vertical(id="middle"):
                        yield NetworkDiagram(id="network")
                        yield WeightHeatmap(id="weights")
                    with Vertical(id="right"):
                        yield DecisionBoundary(id="boundary")
                        yield LossPlot(id="loss")
                yield StatusLine(id="status")
        yield Static(f"make the window larger: tuinn needs at least {MIN_SIZE[0]}×{MIN_SIZE[1]}", id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        # Each panel's title says its jump key: "Network (4)". (query_one: an id lookup; iterating
        # query("#id") matched the selector against all ~200 nodes, 8 times: ~2 % of the startup.)
        for key, (panel, title) in PANELS.items():
            if panel != "lesson" or self.lesson is not None:
                self.query_one(f"#{panel}").border_title = f"{title} ({key})"
        self.query_one("#controls").border_title = "Controls"
        # The boundary and the loss take the focus too (their keys t, d, o are the screen's), so that
        # their jump keys and tab show where one is; the controls' scroll does not: focusing a
        # control scrolls it into view, and one tab stop fewer.
        for panel in ("#boundary", "#loss"):
            self.query_one(panel).can_focus = True
        self.query_one(DecisionBoundary).editable = True  # your own points: a, x, k, the arrows and the mouse
        self.query_one("#controls").can_focus = False
        if self.lesson is not None:
            self.query_one("#lesson").border_title = f"Lesson {self.lesson.number} (0)"
            self._hide_controls()
        self._synced_version = self.session.spec_version  # the panels were composed from it
        self.set_interval(1.0 / FPS, self.refresh_view)
        self._check_size(self.app.size)
        # Focus the network: the arrows explore it, and no Select swallows space or n.
        self.query_one(NetworkDiagram).focus()
        gc.freeze()  # fewer GC stalls while training (DESIGN.md §4)
        self.call_after_refresh(self.refresh_view)  # once the panels have their sizes
        if self.autoplay:
            self.action_toggle_play()

    #: Whether the screen has been shown once (its first ScreenResume has been handled).
    _resumed = False

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """The first time the screen is shown, do not style every node a second time.

        Textual styles each widget when it is registered, then restyles the whole screen on
        every ScreenResume, the first one included: at startup that is all ~200 nodes
        styled twice in a row with the same stylesheet (~10 % of the time to the first
        frame, issue 17). This handler runs before Screen's own and turns that first
        restyle off; later resumes (back from Evaluate, a lab, the palette) restyle as
        before. ``tests/integration/test_startup.py`` checks that a full restyle after
        the first frame changes no node's styles, i.e. that the skipped pass had nothing to do.
        """
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size)
        if self.frames != 1 or event.size != self._drawn_at:  # startup's Resize events: the size of the first frame
            self._shown_version = -1

    #: The screen size the first frame was drawn at (before the first paint).
    _drawn_at: Any = None

    def _compositor_refresh(self) -> None:
        """Before the first paint, once the layout has given the panels their sizes: draw the session,
        so that the first frame shows it (else the empty panels were painted, then all again: ~10 %
        of the startup). Textual has no public hook between its layout and its paint (issue 17)."""
        if self.frames == 0 and self.is_current and self.query_one(DecisionBoundary).size.area:
            self.refresh_view()
            self._drawn_at = self.size
        super()._compositor_refresh()

    def _check_size(self, size: Any) -> None:
        w, h = size
        self.set_class(w < MIN_SIZE[0] or h < MIN_SIZE[1], "too-small")

    # ----------------------------------------------------------------- view
    def refresh_view(self, force: bool = False) -> None:
        """15 fps: redraw the controls if the session changed, the panels if the snapshot did (idle when paused)."""
        if not self.is_active or not self.is_mounted:  # a screen is on top, or the app is closing
            return
        pg = self.session
        if pg.spec_version != self._synced_version:
            self.sync_controls()
        shape = self.query_one(DecisionBoundary).pixel_shape()
        if shape != pg.grid_shape:
            pg.grid_shape = shape
            pg._snapshot = None
        # While training, read what the training thread published (never wait for its
        # lock, which it holds for whole epochs); when paused, build it here.
        s = pg.latest if pg.running and pg.latest is not None else pg.snapshot()
        if not force and s.version == self._shown_version and s.running == self._shown_running:
            return
        self._shown_version, self._shown_running = s.version, s.running
        self.frames += 1
        self.draw(s)

    def sync_controls(self) -> None:
        """Every control redrawn from the session (posting no edits); a refused or failed edit is said."""
        pg = self.session
        self._synced_version = pg.spec_version
        for panel in (self.query_one(DataPanel), self.query_one(FeaturesPanel), self.query_one(HyperPanel)):
            panel.sync()
        if pg.edit_error:
            self.warn(pg.edit_error, severity="error")

    def draw(self, s: Snapshot) -> None:
        # While training, the network and the heatmaps redraw every third frame (weights
        # move slowly to the eye; it cuts the repaint cost, leaving the CPU to training);
        # the boundary, the loss and the status line every frame. The weights' percentiles
        # are recorded every frame (their history is what the Weights panel's `f` views draw).
        self.query_one(WeightHeatmap).record(self.session.trainer, s.epoch, list(s.weights), list(s.biases))
        if not s.running or self.frames % 3 == 0 or self._shape_key != (s.layer_sizes, s.feature_names):
            self._shape_key = (s.layer_sizes, s.feature_names)
            self.query_one(NetworkDiagram).show(list(s.layer_sizes), list(s.weights), list(s.biases), list(s.feature_names),
                                                list(s.activations), maps=s.neuron_maps)
            names = [f"W{i}" for i in range(1, len(s.weights) + 1)]
            self.query_one(WeightHeatmap).show(list(s.weights), names)
        if s.grid is not None:
            self.query_one(DecisionBoundary).place_color = place_color(s.task, self.session.place_target)
            self.query_one(DecisionBoundary).show(BoundaryView(
                kind=s.kind, values=s.grid, extent=s.extent, train_points=s.train_points, train_labels=s.train_labels,
                test_points=s.test_points, test_labels=s.test_labels, n_classes=max(s.n_classes, 2), value_range=s.value_range,
                show_test=self.show_test, discretize=self.discretize, caption=s.caption,
                class_points=s.task == "classification"))
        self.query_one(LossPlot).show(s.train_loss, s.test_loss, s.validation_loss, now=not s.running,
                                      best_epoch=s.best_epoch, monitor=s.monitor, stopped_epoch=s.stopped_epoch,
                                      learning_rates=s.learning_rates)
        self.query_one(StatusLine).show(s, self.speed_label())
        if s.message != self._announced and s.message:
            self.warn(s.message)
        elif not s.message:
            self._announced = ""
        if s.message and not s.running and self.session.running is False and self._worker_running():
            self.stop_training()

    def speed_label(self) -> str:
        """The pace of play: "10 epochs/s", or "max speed" (as fast as it goes)."""
        v = SPEEDS[self.speed]
        return "max speed" if v is None else f"{v:g} epoch{'' if v == 1 else 's'}/s"

    # ------------------------------------------------------------ warnings
    def warn(self, text: str, severity: SeverityLevel = "warning") -> None:
        """Say why training paused or an edit was refused: a notification (wrapped, whole) now, the
        status line while the session holds it, and the `m` screen until 50 newer ones replace it.
        The screen lists them with the time they came (an epoch would read as a second, different
        epoch next to "diverged in epoch 12; the weights of epoch 11 are kept")."""
        self._announced = text
        self.warnings.append(f"{time.strftime('%H:%M:%S')} {text}")
        self.notify(text, title="refused" if severity == "error" else "", severity=severity, timeout=WARNING_SECONDS,
                    markup=False)

    def refuse(self, why: str) -> None:
        """A refusal of the screen's own (a weight that is not a number, a save or load that failed) said as the
        session's are: the session keeps it (status line), :meth:`warn` announces it and lists it for `m`."""
        self.session.refuse(why)
        self.refresh_view()

    def action_messages(self) -> None:
        """The last warnings in full (the status line cuts a long one; a notification goes away)."""
        self.refresh_view()  # a pause the 18 fps timer has not drawn yet is listed too
        self.app.push_screen(MessagesScreen(self.warnings))

    def _worker_running(self) -> bool:
        return any(w.group == "train" and w.is_running for w in self.app.workers)

    # -------------------------------------------------------------- training
    def action_toggle_play(self) -> None:
        pg = self.session
        if pg.running:
            self.stop_training()
        else:
            pg.running = True
            pg.latest = None
            self.train_loop()
        pg.refresh()

    def stop_training(self) -> None:
        """Pause: the worker ends after the epoch in progress."""
        self.session.running = False
        self.app.workers.cancel_group(self, "train")

    @work(thread=True, exclusive=True, group="train")
    def train_loop(self) -> None:
        """Train until paused, cancelled, or the loss stops being finite."""
        worker = get_current_worker()
        pg = self.session
        pacer = Pacer()
        while pg.running and not worker.is_cancelled:
            if pacer.due(SPEEDS[self.speed]):
                pg.run_epochs(1)
        pg.running = False
        pg.refresh()

    def action_step(self) -> None:
        if not self.session.running:
            self.session.run_epochs(1)

    def action_reset(self) -> None:
        self.session.reset()

    def action_regenerate(self) -> None:
        self.session.regenerate()

    def action_speed(self, delta: int) -> None:
        self.speed = max(0, min(len(SPEEDS) - 1, self.speed + delta))
        self._shown_version = -1
        self.notify(f"speed: {self.speed_label()}", timeout=1.5, markup=False)

    # ------------------------------------------------------------- toggles
    def action_toggle_test(self) -> None:
        self.show_test = not self.show_test
        self._shown_version = -1

    def action_toggle_discretize(self) -> None:
        self.discretize = not self.discretize
        self._shown_version = -1

    def action_toggle_log(self) -> None:
        self.query_one(LossPlot).toggle_log()

    def action_toggle_rate(self) -> None:
        self.query_one(LossPlot).toggle_rate()

    def action_toggle_scale(self) -> None:
        heat = self.query_one(WeightHeatmap)
        heat.global_scale = not heat.global_scale

    def action_weight_view(self) -> None:
        """The Weights panel: heatmaps → each layer's W over the epochs (percentile bands) → b → heatmaps."""
        self.query_one(WeightHeatmap).cycle_view()

    def action_show_output(self) -> None:
        self.session.neuron = None
        self.session.refresh()

    # ------------------------------------------------------ other screens
    def action_step_through(self) -> None:
        """Backprop one layer at a time on the current weights and the next batch."""
        from tuinn.session.stepping import StepSession
        from tuinn.tui.screens.step_screen import StepScreen

        pg = self.session
        self.stop_training()
        stepping = StepSession(pg.trainer)

        def back(_: None) -> None:
            if stepping.steps_taken:
                with pg.lock:
                    pg._record_losses()
            pg.refresh()
            self._shown_version = -1

        self.app.push_screen(StepScreen(stepping), back)

    def open_over(self, screen: Screen[Any]) -> None:
        """Pause, then show a screen that reads the paused trainer; redraw when it closes."""
        self.stop_training()
        self.session.refresh()

        def back(_: object) -> None:
            self.session.refresh()
            self._shown_version = -1

        self.app.push_screen(screen, back)

    def action_evaluate(self) -> None:
        """The model judged: metrics per split, ROC and threshold, K-fold, class balance."""
        from tuinn.tui.screens.evaluate_screen import EvaluateScreen

        self.open_over(EvaluateScreen(self.session))

    def action_latent(self) -> None:
        """A layer's activations as a latent space (PCA / UMAP, k-means)."""
        from tuinn.tui.screens.latent_screen import LatentScreen

        self.open_over(LatentScreen(self.session))

    def action_weights_insight(self) -> None:
        """Which inputs matter: first-layer weights and gradients, stable across seeds?"""
        from tuinn.tui.screens.weights_screen import WeightsScreen

        self.open_over(WeightsScreen(self.session))

    def action_grid(self) -> None:
        """Small multiples: this experiment at α/3, α, 3α × three noise levels (or other axes), training together."""
        from tuinn.session.grid import GridSession, default_axes
        from tuinn.tui.screens.grid_screen import GridScreen

        pg = self.session
        self.stop_training()  # the points copy the experiment as it is between two epochs
        try:
            grid = GridSession(pg.experiment, default_axes(pg.experiment, pg.trainer.dataset.synthetic))
        except TuinnError as exc:
            self.refuse(f"no grid: {exc}")
            return
        self.open_over(GridScreen(pg.experiment, grid))

    def action_lab(self, name: str) -> None:
        """Open a concept lab over the playground (paused)."""
        from tuinn.course.labs import load_lab
        from tuinn.tui.lab_app import lab_screen

        self.open_over(lab_screen(load_lab(name)))

    # ------------------------------------------------------------ lessons
    def _hide_controls(self) -> None:
        """Hide every control the lesson has not introduced yet (and panels left empty)."""
        assert self.shown is not None
        for control, selectors in CONTROL_WIDGETS.items():
            if control in self.shown:
                continue
            for selector in selectors:
                for widget in self.query(selector):
                    row = widget.parent if isinstance(widget.parent, Horizontal) else widget
                    row.display = False
        for panel, controls in (("#data-panel", DATA_CONTROLS), ("#hyper-panel", HYPER_CONTROLS)):
            self.query_one(panel).display = bool(controls & self.shown)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Off (left out of the footer and the palette): every key while the focused widget takes typing
        (it gets the key instead), a jump to a panel that is not on screen, and in a lesson the keys
        of things not introduced yet."""
        if self._typing():
            return False
        if action == "jump":
            return self._panel_shown(str(parameters[0]))
        control = ACTION_CONTROLS.get(action)
        return not (self.shown is not None and control is not None and control not in self.shown)

    def _typing(self) -> bool:
        """Whether the focused widget takes typed characters: a text input, or an open dropdown searching its options.

        Textual already leaves printable keys to such a widget; this hands it `escape` and the
        ctrl keys as well (escape closes an open dropdown, ctrl+s stays the input's).
        """
        focused = self.focused
        return focused is not None and focused.check_consume_key("a", "a")

    # ------------------------------------------------------------ jumps
    def _panel_shown(self, panel: str) -> bool:
        """Whether ``panel`` is on this screen: the lesson's text in a lesson, a control panel once the lesson
        introduced one of its controls. (Cheap: Textual asks it for every key whenever the bindings refresh.)"""
        if panel == "lesson":
            return self.lesson is not None
        if self.shown is None:
            return True
        controls = {"data-panel": DATA_CONTROLS, "features-panel": frozenset({"features"}), "hyper-panel": HYPER_CONTROLS}
        return panel not in controls or bool(controls[panel] & self.shown)

    def _jump_target(self, panel: str) -> Widget | None:
        """The widget a jump to ``panel`` focuses: the panel, or its first control that can take the focus."""
        found = self.query(f"#{panel}")
        if not found:
            return None
        widget = found.first()
        # The focus chain holds only what is on screen (a lesson's hidden rows and panels are not).
        return next((w for w in self.focus_chain if w is widget or widget in w.ancestors), None)

    def action_jump(self, panel: str) -> None:
        """Focus a panel (1 data … 7 loss, 0 the lesson): the network is one key away, not 29 tabs."""
        target = self._jump_target(panel)
        if target is not None:
            target.focus()

    # --------------------------------------------------------- selections
    def on_network_diagram_neuron_selected(self, event: NetworkDiagram.NeuronSelected) -> None:
        pg = self.session
        layers = pg.experiment.model.layers
        pg.neuron = None if event.layer == len(layers) and layers[-1].units == 1 else (event.layer, event.index)
        pg.refresh()

    def on_decision_boundary_point_placed(self, event: DecisionBoundary.PointPlaced) -> None:
        """Your own point: the data becomes custom (inline in the experiment) and training goes on."""
        self.session.add_point(event.x, event.y)
        self.refresh_view()

    def on_decision_boundary_point_removed(self, event: DecisionBoundary.PointRemoved) -> None:
        self.session.remove_point(event.x, event.y)
        self.refresh_view()

    def on_decision_boundary_place_cycled(self, event: DecisionBoundary.PlaceCycled) -> None:
        self.notify(f"a point added now is {self.session.cycle_place()}", timeout=2, markup=False)
        self._shown_version = -1  # the cursor takes the class's colour

    def on_network_diagram_link_selected(self, event: NetworkDiagram.LinkSelected) -> None:
        self.notify(f"w{event.layer}[{event.row + 1},{event.col + 1}] = {event.value:.6g} · press v to type a new value", timeout=3, markup=False)

    def action_edit_link(self) -> None:
        link = self.query_one(NetworkDiagram).selected_link
        if link is None:
            self.notify("select a link first: focus the network, pick a neuron with the arrows, then press i", severity="warning", markup=False)
            return
        layer, row, col = link
        current = self.session.snapshot().weights[layer - 1][row, col]

        def done(answer: str | None) -> None:
            if answer is None:
                return
            try:
                value = float(answer)
            except ValueError:
                self.refuse(f"{answer!r} is not a number")
                return
            if not math.isfinite(value):
                self.refuse(f"{answer!r}: a weight must be a finite number")
                return
            self.session.edit_weight(layer, row, col, value)

        self.ask(f"new value of w{layer}[{row + 1},{col + 1}] (now {current:.6g})", done, f"{current:.6g}")

    def ask(self, question: str, done: Callable[[str | None], None], value: str = "") -> None:
        """A one-line question (:class:`~tuinn.tui.screens.prompt.Prompt`); ``done`` gets the answer, None if cancelled.
        The prompt's module loads when the first question is asked, not at startup."""
        from tuinn.tui.screens.prompt import Prompt

        self.app.push_screen(Prompt(question, value), done)

    # -------------------------------------------------------------- edits
    def on_edit(self, event: Edit) -> None:
        """A control asked for a change: the session method that makes it (the controls are redrawn from the session)."""
        event.stop()
        EDITS[event.what](self.session, event.value)
        self.refresh_view()

    # ------------------------------------------------------------ save/load
    def action_save(self) -> None:
        def done(answer: str | None) -> None:
            if answer:
                try:
                    path = self.session.save(Path(answer))
                    self.notify(f"saved to {path}", markup=False)
                except (TuinnError, OSError) as exc:
                    self.refuse(f"not saved: {exc}")

        # The spec's name is slugged: a name like "../../x" must not make the proposed folder leave runs/.
        default = f"runs/{slug(self.session.experiment.name)}-playground"
        self.ask("save the experiment and weights to the folder:", done, default)

    def action_load(self) -> None:
        from tuinn.config.tf_playground import looks_like_link

        def done(answer: str | None) -> None:
            if answer and looks_like_link(answer):
                self.load_link(answer)
            elif answer:
                self.load(Path(answer))

        self.ask("load an experiment (.toml), a run folder, a checkpoint (.safetensors) or a TF Playground link:", done)

    def load_link(self, url: str) -> bool:
        """A pasted TensorFlow Playground link: its experiment at epoch 0, and its test-points and discretize toggles."""
        from tuinn.config.tf_playground import parse_url

        try:
            link = parse_url(url)
            self.session.load(link.experiment)
        except TuinnError as exc:
            self.notify(f"not loaded: {exc}", severity="error", markup=False)
            return False
        self.show_test, self.discretize = link.show_test, link.discretize
        self._shown_version = -1
        self.notify(f"loaded {link.experiment.description}", markup=False)  # "loaded from a TF Playground link: circle, …"
        self.refresh_view()
        return True

    def load(self, target: Path) -> bool:
        """What ctrl+o does with the answer: load into the session and say how it went."""
        try:
            self.session.load(target)
        except (TuinnError, OSError) as exc:
            self.refuse(f"not loaded: {exc}")
            return False
        self.notify(f"loaded {target}", markup=False)
        self.refresh_view()
        return True

    # -------------------------------------------------------- command palette
    def commands(self) -> Iterator[SystemCommand]:
        """What the palette offers beyond the keys: the labs, the backends, the data sources."""
        from tuinn.course.labs import lab_names, load_lab

        pg = self.session
        for name in lab_names():
            yield SystemCommand(f"Lab: {name}", load_lab(name).title, lambda n=name: self.action_lab(n))
        yield SystemCommand("Backend: NumPy engine", "train on the from-scratch engine", lambda: pg.set_backend("numpy"))
        yield SystemCommand("Backend: PyTorch", "train with torch (CUDA if available)", lambda: pg.set_backend("torch"))
        for name in SOURCES:
            yield SystemCommand(f"Data: {name}", SOURCES[name].description, lambda n=name: pg.set_source(n))


__all__ = ["ACTION_CONTROLS", "CONTROL_WIDGETS", "EDITS", "PlaygroundScreen"]

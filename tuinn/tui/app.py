"""The playground: a network learning, on one screen (the `tuinn` command).

Training runs in a thread worker (`@work(thread=True, exclusive=True)`) that polls
`is_cancelled`; the UI never waits for it. A 15 fps timer reads the playground's latest
immutable snapshot and redraws only when its version changed, so a paused app does
nothing. All edits go through :meth:`Playground.apply` (between epochs while playing).
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from textual import events, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Markdown, Static
from textual.worker import get_current_worker

from tuinn.config.spec import EarlyStopping, Experiment, LayerSpec
from tuinn.course.lessons import Lesson
from tuinn.data.synthetic import SOURCES
from tuinn.errors import TuinnError
from tuinn.session.pacing import SPEEDS, Pacer
from tuinn.session.playground import Playground, Snapshot, problem_defaults
from tuinn.training.paths import slug
from tuinn.tui.palette import PaletteApp
from tuinn.tui.screens.help_screen import HelpScreen
from tuinn.tui.screens.prompt import Prompt
from tuinn.tui.widgets.data_panel import DataPanel
from tuinn.tui.widgets.decision_boundary import BoundaryView, DecisionBoundary
from tuinn.tui.widgets.edit import Edit
from tuinn.tui.widgets.features_panel import FeaturesPanel
from tuinn.tui.widgets.hyper_panel import HyperPanel
from tuinn.tui.widgets.loss_plot import LossPlot
from tuinn.tui.widgets.network_diagram import NetworkDiagram
from tuinn.tui.widgets.status_line import StatusLine
from tuinn.tui.widgets.weight_heatmap import WeightHeatmap

FPS = 18  # timer rate; Textual timers drift, so 18 gives ≥ 15 frames drawn a second
MIN_SIZE = (80, 24)

#: Lesson control → the widgets that make it up (see tuinn.course.lessons.CONTROLS).
CONTROL_WIDGETS = {
    "source": ["#source"], "noise": ["#noise"], "test_fraction": ["#test_fraction"], "batch_size": ["#batch_size"],
    "classes": ["#classes"], "validation_fraction": ["#validation_fraction"], "balance": ["#balance"],
    "regenerate": ["#regenerate"], "features": ["#features-panel"], "learning_rate": ["#learning_rate"],
    "optimizer": ["#optimizer"], "regularization": ["#regularization"], "reg_rate": ["#reg_rate"],
    "early_stopping": ["#early_stopping"], "problem": ["#problem"], "backend": ["#backend"],
    "layers": ["#add_layer"], "layer": ["#layer"], "activation": ["#activation"], "norm": ["#norm"],
    "dropout": ["#dropout"], "neurons": ["#add_neuron"],
}
DATA_CONTROLS = frozenset({"source", "noise", "test_fraction", "batch_size", "classes", "validation_fraction", "balance", "regenerate"})
HYPER_CONTROLS = frozenset({"learning_rate", "optimizer", "regularization", "reg_rate", "early_stopping", "problem", "backend",
                            "layers", "layer", "activation", "norm", "dropout", "neurons"})
#: Actions that belong to a lesson control (off until the lesson introduces it).
ACTION_CONTROLS = {
    "toggle_play": "play", "step": "play", "reset": "play", "speed": "play", "regenerate": "regenerate",
    "step_through": "step_through", "evaluate": "evaluate", "latent": "latent", "weights_insight": "weights_insight",
    "edit_link": "play",
}


#: The playground's own actions, off while another screen is on top of it.
PLAYGROUND_ACTIONS = frozenset({
    "toggle_play", "step", "reset", "regenerate", "speed", "toggle_test", "toggle_discretize", "toggle_log", "step_through",
    "evaluate", "latent", "weights_insight", "toggle_scale", "edit_link", "show_output", "save", "load", "lab",
})


def lesson_markdown(lesson: Lesson) -> str:
    """A lesson's panel: title, text, and how to move on."""
    return f"## {lesson.number}. {lesson.title}\n\n{lesson.text}\n\n---\n`<` previous lesson · `>` next lesson · `q` quit"


class TuinnApp(PaletteApp[None]):
    """TensorFlow Playground in the terminal, with the NumPy engine (or torch) underneath."""

    CSS_PATH = Path(__file__).with_name("tuinn.tcss")
    TITLE = "tuinn"
    BINDINGS = [
        Binding("space", "toggle_play", "play/pause", id="play"),
        Binding("n", "step", "one epoch", id="step"),
        Binding("r", "reset", "reset", id="reset"),
        Binding("g", "regenerate", "new data", id="regenerate"),
        Binding("plus,equals_sign", "speed(1)", "faster", id="faster", key_display="+", show=False),
        Binding("minus", "speed(-1)", "slower", id="slower", key_display="-", show=False),
        Binding("t", "toggle_test", "test points", id="test_points", show=False),
        Binding("d", "toggle_discretize", "discretize", id="discretize", show=False),
        Binding("o", "toggle_log", "log loss", id="log_loss", show=False),
        Binding("s", "step_through", "step-through", id="step_through"),
        Binding("e", "evaluate", "evaluate", id="evaluate"),
        Binding("l", "latent", "latent space", id="latent"),
        Binding("w", "weights_insight", "inputs", id="weights_insight"),
        Binding("c", "toggle_scale", "weight scale", id="weight_scale", show=False),
        Binding("v", "edit_link", "edit weight", id="edit_weight", show=False),
        Binding("escape", "show_output", "output", id="show_output", show=False),
        Binding("ctrl+s", "save", "save", id="save"),
        Binding("ctrl+o", "load", "load", id="load"),
        Binding("question_mark,f1", "help", "help", id="help", key_display="?"),
        Binding("greater_than_sign", "next_lesson", "next lesson", id="next_lesson", key_display=">"),
        Binding("less_than_sign", "previous_lesson", "previous lesson", id="previous_lesson", key_display="<"),
        Binding("q", "quit", "quit", id="quit"),
    ]

    def __init__(self, exp: Experiment, autoplay: bool = False, lesson: Lesson | None = None,
                 shown: frozenset[str] | None = None) -> None:
        super().__init__()
        self.lesson = lesson
        #: The controls a lesson shows (None: all of them, the normal playground).
        self.shown = shown
        self.playground = Playground(exp)
        self.speed = len(SPEEDS) - 1
        self.show_test = True
        self.discretize = False
        self.autoplay = autoplay
        self._shown_version = -1
        self.frames = 0

    # ---------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        exp = self.playground.experiment
        with Horizontal(id="main"):
            if self.lesson is not None:
                with VerticalScroll(id="lesson"):
                    yield Markdown(lesson_markdown(self.lesson))
            with VerticalScroll(id="controls"):
                yield DataPanel(exp, id="data-panel")
                yield FeaturesPanel(exp.data.features or ["x1", "x2"], enabled=exp.data.synthetic, id="features-panel")
                yield HyperPanel(exp, id="hyper-panel")
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
        titles = {"#data-panel": "Data", "#features-panel": "Features", "#hyper-panel": "Hyperparameters", "#network": "Network",
                  "#weights": "Weights", "#boundary": "Decision boundary", "#loss": "Loss", "#controls": "Controls"}
        for selector, title in titles.items():
            self.query_one(selector).border_title = title
        if self.lesson is not None:
            self.query_one("#lesson").border_title = f"Lesson {self.lesson.number}"
            self._hide_controls()
        self.set_interval(1.0 / FPS, self.refresh_view)
        self._check_size()
        # Focus the network: the arrows explore it, and no Select swallows space or n.
        self.query_one(NetworkDiagram).focus()
        gc.freeze()  # fewer GC stalls while training (DESIGN.md §4)
        self.call_after_refresh(self.refresh_view)  # once the panels have their sizes
        if self.autoplay:
            self.action_toggle_play()

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size)
        self._shown_version = -1

    def _check_size(self, size: Any = None) -> None:
        w, h = size if size is not None else self.size
        self.screen.set_class(w < MIN_SIZE[0] or h < MIN_SIZE[1], "too-small")

    # ----------------------------------------------------------------- view
    def refresh_view(self) -> None:
        """15 fps: redraw from the latest snapshot if it changed (idle when paused)."""
        pg = self.playground
        try:
            boundary = self.query_one(DecisionBoundary)
        except NoMatches:  # a modal screen is on top, or the app is closing
            return
        shape = boundary.pixel_shape()
        if shape != pg.grid_shape:
            pg.grid_shape = shape
            pg._snapshot = None
        # While training, read what the training thread published (never wait for its
        # lock, which it holds for whole epochs); when paused, build it here.
        s = pg.latest if pg.running and pg.latest is not None else pg.snapshot()
        if s.version == self._shown_version and s.running == self._shown_running:
            return
        self._shown_version, self._shown_running = s.version, s.running
        self.frames += 1
        self.draw(s)

    _shown_running = False
    _shape_key: tuple[Any, ...] = ()

    def draw(self, s: Snapshot) -> None:
        # While training, the network and the heatmaps redraw every third frame (weights
        # move slowly to the eye; it cuts the repaint cost, leaving the CPU to training);
        # the boundary, the loss and the status line every frame.
        if not s.running or self.frames % 3 == 0 or self._shape_key != (s.layer_sizes, s.feature_names):
            self._shape_key = (s.layer_sizes, s.feature_names)
            self.query_one(NetworkDiagram).show(list(s.layer_sizes), list(s.weights), list(s.biases), list(s.feature_names),
                                                list(s.activations))
            names = [f"W{i}" for i in range(1, len(s.weights) + 1)]
            self.query_one(WeightHeatmap).show(list(s.weights), names)
        if s.grid is not None:
            self.query_one(DecisionBoundary).show(BoundaryView(
                kind=s.kind, values=s.grid, extent=s.extent, train_points=s.train_points, train_labels=s.train_labels,
                test_points=s.test_points, test_labels=s.test_labels, n_classes=max(s.n_classes, 2), value_range=s.value_range,
                show_test=self.show_test, discretize=self.discretize, caption=s.caption))
        self.query_one(LossPlot).show(s.train_loss, s.test_loss, s.validation_loss, now=not s.running,
                                      best_epoch=s.best_epoch, monitor=s.monitor, stopped_epoch=s.stopped_epoch)
        self.query_one(StatusLine).show(s, self.speed_label())
        if s.message and not s.running and self.playground.running is False and self._worker_running():
            self.workers.cancel_group(self, "train")

    def speed_label(self) -> Any:
        v = SPEEDS[self.speed]
        return "max" if v is None else f"{v:g}/s"

    def _worker_running(self) -> bool:
        return any(w.group == "train" and w.is_running for w in self.workers)

    # -------------------------------------------------------------- training
    def action_toggle_play(self) -> None:
        pg = self.playground
        if pg.running:
            pg.running = False
            self.workers.cancel_group(self, "train")
        else:
            pg.running = True
            pg.latest = None
            self.train_loop()
        pg.refresh()

    @work(thread=True, exclusive=True, group="train")
    def train_loop(self) -> None:
        """Train until paused, cancelled, or the loss stops being finite."""
        worker = get_current_worker()
        pg = self.playground
        pacer = Pacer()
        while pg.running and not worker.is_cancelled:
            if pacer.due(SPEEDS[self.speed]):
                pg.run_epochs(1)
        pg.running = False
        pg.refresh()

    def action_step(self) -> None:
        if self.playground.running:
            return
        self.playground.run_epochs(1)

    def action_reset(self) -> None:
        self.playground.reset()

    def action_regenerate(self) -> None:
        self.playground.regenerate()

    def action_speed(self, delta: int) -> None:
        self.speed = max(0, min(len(SPEEDS) - 1, self.speed + delta))
        self._shown_version = -1
        self.notify(f"speed: {self.speed_label()} epochs", timeout=1.5, markup=False)

    # ------------------------------------------------------------- toggles
    def action_toggle_test(self) -> None:
        self.show_test = not self.show_test
        self._shown_version = -1

    def action_toggle_discretize(self) -> None:
        self.discretize = not self.discretize
        self._shown_version = -1

    def action_toggle_log(self) -> None:
        self.query_one(LossPlot).toggle_log()

    def action_toggle_scale(self) -> None:
        heat = self.query_one(WeightHeatmap)
        heat.global_scale = not heat.global_scale

    def action_show_output(self) -> None:
        self.playground.neuron = None
        self.playground.refresh()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_step_through(self) -> None:
        """Backprop one layer at a time on the current weights and the next batch."""
        from tuinn.session.stepping import StepSession
        from tuinn.tui.screens.step_screen import StepScreen

        pg = self.playground
        if pg.running:
            self.action_toggle_play()
        session = StepSession(pg.trainer)

        def back(_: None) -> None:
            if session.steps_taken:
                with pg.lock:
                    pg._record_losses()
            pg.refresh()
            self._shown_version = -1

        self.push_screen(StepScreen(session), back)

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
        """In a lesson, keys of things not introduced yet are off (and left out of the footer)."""
        if action in ("next_lesson", "previous_lesson"):
            return self.lesson is not None and len(self.screen_stack) == 1
        if len(self.screen_stack) > 1 and action in PLAYGROUND_ACTIONS:
            # A screen over the playground (Evaluate, a lab, step-through…) reads the paused
            # trainer: the playground's keys must not train, reset or edit it underneath.
            return False
        control = ACTION_CONTROLS.get(action)
        if self.shown is not None and control is not None and control not in self.shown:
            return False
        return True

    def action_next_lesson(self) -> None:
        self._leave("next")

    def action_previous_lesson(self) -> None:
        self._leave("previous")

    def _leave(self, result: str) -> None:
        self.playground.running = False
        self.workers.cancel_group(self, "train")
        self.exit(result)

    def action_lab(self, name: str) -> None:
        """Open a concept lab over the playground (paused)."""
        from tuinn.course.labs import load_lab
        from tuinn.tui.lab_app import lab_screen

        self._open(lambda _pg: lab_screen(load_lab(name)))

    def _open(self, screen_factory: Any) -> None:
        """Pause, then show a screen that reads the paused trainer; redraw when it closes."""
        pg = self.playground
        if pg.running:
            self.action_toggle_play()

        def back(_: None) -> None:
            pg.refresh()
            self._shown_version = -1
            self.query_one(DataPanel).sync(pg.experiment)  # the Evaluate screen can change the balance

        self.push_screen(screen_factory(pg), back)

    def action_evaluate(self) -> None:
        """The model judged: metrics per split, ROC and threshold, K-fold, class balance."""
        from tuinn.tui.screens.evaluate_screen import EvaluateScreen

        self._open(EvaluateScreen)

    def action_latent(self) -> None:
        """A layer's activations as a latent space (PCA / UMAP, k-means)."""
        from tuinn.tui.screens.latent_screen import LatentScreen

        self._open(LatentScreen)

    def action_weights_insight(self) -> None:
        """Which inputs matter: first-layer weights and gradients, stable across seeds?"""
        from tuinn.tui.screens.weights_screen import WeightsScreen

        self._open(WeightsScreen)

    # --------------------------------------------------------- selections
    def on_network_diagram_neuron_selected(self, event: NetworkDiagram.NeuronSelected) -> None:
        pg = self.playground
        pg.neuron = None if event.layer == len(pg.experiment.model.layers) and pg.experiment.model.layers[-1].units == 1 \
            else (event.layer, event.index)
        pg.refresh()

    def on_network_diagram_link_selected(self, event: NetworkDiagram.LinkSelected) -> None:
        self.notify(f"w{event.layer}[{event.row + 1},{event.col + 1}] = {event.value:.6g} · press v to type a new value", timeout=3, markup=False)

    def action_edit_link(self) -> None:
        link = self.query_one(NetworkDiagram).selected_link
        if link is None:
            self.notify("select a link first: focus the network, pick a neuron with the arrows, then press i", severity="warning", markup=False)
            return
        layer, row, col = link
        current = self.playground.snapshot().weights[layer - 1][row, col]

        def done(answer: str | None) -> None:
            if answer is None:
                return
            try:
                value = float(answer)
            except ValueError:
                self.notify(f"{answer!r} is not a number", severity="error", markup=False)
                return
            self.playground.set_weight(layer, row, col, value)

        self.push_screen(Prompt(f"new value of w{layer}[{row + 1},{col + 1}] (now {current:.6g})", f"{current:.6g}"), done)

    # -------------------------------------------------------------- edits
    def on_edit(self, event: Edit) -> None:
        pg = self.playground
        what, value = event.what, event.value
        layers = pg.experiment.model.layers
        if what == "learning_rate":
            pg.set_learning_rate(float(value))
        elif what == "batch_size":
            pg.set_batch_size(value)
        elif what == "regularization":
            kind, rate = value
            pg.set_regularization(rate if kind == "l1" else 0.0, rate if kind == "l2" else 0.0)
        elif what == "regenerate":
            pg.regenerate()
        elif what == "backend":
            pg.set_backend(value)
        elif what == "source":
            def change_source(e: Experiment) -> None:
                e.data.source = value
                src = SOURCES.get(value)
                if src is not None:
                    if src.dims == 1:
                        e.data.features = ["x1"]
                    elif e.data.features == ["x1"] or e.data.features is None:
                        e.data.features = ["x1", "x2"]
                    problem_defaults(e, src.task)
            pg.edit_spec(change_source)
        elif what == "early_stopping":
            def change_early(e: Experiment) -> None:
                e.train.early_stopping = None if not value else EarlyStopping(
                    monitor="validation_loss" if e.data.validation_fraction > 0 else "test_loss", patience=int(value))
            pg.edit_spec(change_early, restart=False)
        elif what == "norm":
            layer, norm = value
            pg.edit_spec(lambda e: setattr(e.model.layers[layer - 1], "norm", norm))
        elif what in ("validation_fraction", "balance"):
            def change_split(e: Experiment) -> None:
                setattr(e.data, what, value)
                es = e.train.early_stopping
                if es is not None and es.monitor.split("_")[0] in ("validation", "test"):
                    split = "validation" if e.data.validation_fraction > 0 else "test"
                    es.monitor = f"{split}_{es.monitor.split('_', 1)[1]}"
            pg.edit_spec(change_split)
        elif what in ("noise", "test_fraction", "classes"):
            def change_data(e: Experiment) -> None:
                setattr(e.data, what, value)
                if what == "classes" and SOURCES.get(e.data.source) and SOURCES[e.data.source].multiclass:
                    problem_defaults(e, "classification")
            pg.edit_spec(change_data)
        elif what == "features":
            pg.edit_spec(lambda e: setattr(e.data, "features", list(value)))
        elif what == "optimizer":
            pg.edit_spec(lambda e: setattr(e.train, "optimizer", value))
        elif what == "problem":
            pg.edit_spec(lambda e: problem_defaults(e, value))
        elif what == "activation":
            layer, act = value

            def change_activation(e: Experiment) -> None:
                e.model.layers[layer - 1].activation = act
                e.model.layers[layer - 1].weights = None
                e.model.layers[layer - 1].bias = None
            pg.edit_spec(change_activation)
        elif what == "dropout":
            layer, rate = value
            pg.edit_spec(lambda e: setattr(e.model.layers[layer - 1], "dropout", float(rate)))
        elif what in ("add_layer", "remove_layer"):
            def change_layers(e: Experiment) -> None:
                hidden = e.model.layers[:-1]
                if what == "add_layer":
                    act = hidden[-1].activation if hidden else "tanh"
                    hidden.append(LayerSpec(units=hidden[-1].units if hidden else 4, activation=act))
                elif hidden:
                    hidden.pop()
                e.model.layers = [LayerSpec(units=h.units, activation=h.activation, dropout=h.dropout, norm=h.norm) for h in hidden] + \
                    [LayerSpec(units=e.model.layers[-1].units, activation=e.model.layers[-1].activation)]
            pg.edit_spec(change_layers)
        elif what in ("add_neuron", "remove_neuron"):
            layer = int(value)
            if layer == len(layers):
                self.notify("the output layer's size is set by the data (classes or targets)", severity="warning", markup=False)
                return

            def change_units(e: Experiment) -> None:
                spec = e.model.layers[layer - 1]
                spec.units = max(1, spec.units + (1 if what == "add_neuron" else -1))
                for s in e.model.layers:
                    s.weights = s.bias = None
            pg.edit_spec(change_units)
        self.call_after_refresh(self._sync_controls)

    def _sync_controls(self) -> None:
        exp = self.playground.experiment
        self.query_one(HyperPanel).sync(exp)
        self.query_one(DataPanel).sync(exp)
        self.query_one(FeaturesPanel).set_selected(exp.data.features or ["x1", "x2"], exp.data.synthetic)
        if self.playground.message:
            self.notify(self.playground.message, severity="error", markup=False)

    # ------------------------------------------------------------ save/load
    def action_save(self) -> None:
        def done(answer: str | None) -> None:
            if answer:
                try:
                    path = save_session(self.playground, Path(answer))
                    self.notify(f"saved to {path}", markup=False)
                except (TuinnError, OSError) as exc:
                    self.notify(f"not saved: {exc}", severity="error", markup=False)

        # The spec's name is slugged: a name like "../../x" must not make the proposed folder leave runs/.
        default = f"runs/{slug(self.playground.experiment.name)}-playground"
        self.push_screen(Prompt("save the experiment and weights to the folder:", default), done)

    def action_load(self) -> None:
        def done(answer: str | None) -> None:
            if answer:
                try:
                    load_session(self.playground, Path(answer))
                    self.call_after_refresh(self._sync_controls)
                    self.notify(f"loaded {answer}", markup=False)
                except (TuinnError, OSError) as exc:
                    self.notify(f"not loaded: {exc}", severity="error", markup=False)

        self.push_screen(Prompt("load an experiment (.toml), a run folder or a checkpoint (.safetensors):"), done)

    # -------------------------------------------------------- command palette
    def get_system_commands(self, screen: Screen) -> Any:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.id in ("quit", "help") or not self.check_action(binding.action, ()):
                continue
            action = binding.action
            yield SystemCommand(binding.description.capitalize(), f"key: {binding.key_display or binding.key}",
                                lambda a=action: self.run_action(a))
        from tuinn.course.labs import lab_names, load_lab

        for name in lab_names():
            yield SystemCommand(f"Lab: {name}", load_lab(name).title, lambda n=name: self.action_lab(n))
        yield SystemCommand("Backend: NumPy engine", "train on the from-scratch engine", lambda: self.playground.set_backend("numpy"))
        yield SystemCommand("Backend: PyTorch", "train with torch (CUDA if available)", lambda: self.playground.set_backend("torch"))
        for name in SOURCES:
            yield SystemCommand(f"Data: {name}", SOURCES[name].description, lambda n=name: self.post_message(Edit("source", n)))

    def action_quit(self) -> None:  # type: ignore[override]
        self.playground.running = False
        self.workers.cancel_group(self, "train")
        self.exit()


def save_session(pg: Playground, folder: Path) -> Path:
    """config.toml + model.safetensors, as `tuinn train` writes them (atomic writes)."""
    import tomli_w

    from tuinn.config.spec import to_dict
    from tuinn.training import checkpoint

    with pg.lock:
        spec = to_dict(pg.experiment)
        state = pg.trainer.state()
        inputs = pg.trainer.input_info()
    folder.mkdir(parents=True, exist_ok=True)
    checkpoint.atomic_write_text(folder / "config.toml", tomli_w.dumps(spec))
    checkpoint.save(folder / "model.safetensors", spec, state, None, inputs)
    return folder


def load_session(pg: Playground, target: Path) -> None:
    """Open an experiment file, or a run folder / checkpoint with its weights."""
    import copy

    from tuinn.config.spec import from_dict, load
    from tuinn.training import checkpoint

    if target.suffix == ".toml":
        exp, state = load(target), None
    else:
        ckpt = target / "model.safetensors" if target.is_dir() else target
        saved = checkpoint.load(ckpt)
        exp, state = from_dict(saved.spec, None), saved.state

    def edit() -> None:
        old = pg.experiment
        pg.experiment = copy.deepcopy(exp)
        try:
            pg.restart()
            if state is not None:
                pg.trainer.restore(state)
                pg.train_loss, pg.test_loss, pg.validation_loss = [], [], []
                pg._record_losses()
        except TuinnError:
            pg.experiment = old
            pg.restart()
            raise

    pg.apply(edit)
    if pg.message:
        raise TuinnError(pg.message)


def run(exp: Experiment) -> int:
    """Open the playground on ``exp``."""
    from tuinn.tui.runner import run_app

    run_app(TuinnApp(exp))  # a crash of the app: AppCrashed, exit 1
    return 0

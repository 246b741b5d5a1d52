"""The hyperparameters of the lecture: learning rate, optimizer, regularisation, problem
type, backend, and the architecture (layers, neurons, activation and dropout per layer)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Select

from tuinn.config import ACTIVATIONS, OPTIMIZERS, Experiment
from tuinn.tui.widgets.edit import Edit

RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
REG_RATES = [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
DROPOUT = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]


def _nearest(value: float, options: list[float]) -> float:
    return min(options, key=lambda o: abs(o - value))


class HyperPanel(Vertical):
    """Posts :class:`Edit` for every hyperparameter; ``sync`` shows an experiment's values."""

    DEFAULT_CSS = """
    HyperPanel { height: auto; }
    HyperPanel Label { margin: 0 0 0 1; color: $text-muted; }
    HyperPanel Horizontal { height: auto; }
    HyperPanel Button { min-width: 5; width: 1fr; }
    """

    def __init__(self, exp: Experiment, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.exp = exp
        self.layer = 1

    def compose(self) -> ComposeResult:
        e = self.exp
        yield Label("learning rate")
        yield Select([(f"{r:g}", r) for r in RATES], value=_nearest(e.train.learning_rate, RATES), allow_blank=False, id="learning_rate")
        yield Label("optimizer")
        yield Select([(o, o) for o in OPTIMIZERS], value=e.train.optimizer, allow_blank=False, id="optimizer")
        yield Label("regularization")
        reg = "l1" if e.train.l1 else "l2" if e.train.l2 else "none"
        yield Select([("none", "none"), ("L1", "l1"), ("L2", "l2")], value=reg, allow_blank=False, id="regularization")
        yield Label("regularization rate")
        rate = e.train.l1 or e.train.l2
        yield Select([(f"{r:g}", r) for r in REG_RATES], value=_nearest(rate, REG_RATES), allow_blank=False, id="reg_rate")
        yield Label("problem type")
        task = "regression" if e.train.loss in ("mse", "mae") and e.model.layers[-1].activation == "linear" else "classification"
        yield Select([("classification", "classification"), ("regression", "regression")], value=task, allow_blank=False, id="problem")
        yield Label("backend")
        yield Select([("numpy", "numpy"), ("torch", "torch")], value=e.train.backend if e.train.backend != "auto" else "numpy",
                     allow_blank=False, id="backend")
        yield Label("hidden layers")
        with Horizontal():
            yield Button("− layer", id="remove_layer")
            yield Button("+ layer", id="add_layer")
        yield Label("layer")
        yield Select(self._layer_options(), value=1, allow_blank=False, id="layer")
        yield Label("activation of the layer")
        yield Select([(a, a) for a in ACTIVATIONS], value=e.model.layers[0].activation, allow_blank=False, id="activation")
        yield Label("dropout of the layer")
        yield Select([(f"{d:g}", d) for d in DROPOUT], value=_nearest(e.model.layers[0].dropout, DROPOUT), allow_blank=False, id="dropout")
        with Horizontal():
            yield Button("− neuron", id="remove_neuron")
            yield Button("+ neuron", id="add_neuron")

    def _layer_options(self) -> list[tuple[str, int]]:
        n = len(self.exp.model.layers)
        return [(f"{i} ({'output' if i == n else 'hidden'}, {layer.units})", i) for i, layer in enumerate(self.exp.model.layers, 1)]

    def sync(self, exp: Experiment) -> None:
        """Show ``exp``'s values without posting edits."""
        self.exp = exp
        self.layer = min(self.layer, len(exp.model.layers))
        layer = exp.model.layers[self.layer - 1]
        values = {
            "learning_rate": _nearest(exp.train.learning_rate, RATES),
            "optimizer": exp.train.optimizer,
            "backend": exp.train.backend if exp.train.backend != "auto" else "numpy",
            "activation": layer.activation,
            "dropout": _nearest(layer.dropout, DROPOUT),
        }
        select = self.query_one("#layer", Select)
        with select.prevent(Select.Changed):
            select.set_options(self._layer_options())
            select.value = self.layer
        for key, value in values.items():
            widget = self.query_one(f"#{key}", Select)
            if widget.value != value:
                with widget.prevent(Select.Changed):
                    widget.value = value

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        key = event.select.id or ""
        if key == "layer":
            self.layer = int(event.value)  # type: ignore[arg-type]
            self.sync(self.exp)
            return
        if key in ("activation", "dropout"):
            self.post_message(Edit(key, (self.layer, event.value)))
            return
        if key in ("regularization", "reg_rate"):
            kind = self.query_one("#regularization", Select).value
            rate = float(self.query_one("#reg_rate", Select).value)  # type: ignore[arg-type]
            self.post_message(Edit("regularization", (kind, rate)))
            return
        self.post_message(Edit(key, event.value))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        key = event.button.id or ""
        if key in ("add_neuron", "remove_neuron"):
            self.post_message(Edit(key, self.layer))
        else:
            self.post_message(Edit(key, None))

"""The hyperparameters of the lecture: learning rate, optimizer, regularisation, early
stopping, problem type, backend, and the architecture (layers, neurons, activation,
normalisation and dropout per layer)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Select

from tuinn.config.spec import ACTIVATIONS, NORMS, OPTIMIZERS, Experiment
from tuinn.tui.widgets.edit import ArmedPanel, Edit, with_value

RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
REG_RATES = [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
DROPOUT = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
#: Early-stopping patience in epochs (0: off).
PATIENCE = [0, 10, 25, 50, 100, 250]


def _nearest(value: float, options: list[float]) -> float:
    return min(options, key=lambda o: abs(o - value))


class HyperPanel(ArmedPanel, Vertical):
    """Posts :class:`Edit` for every hyperparameter; ``sync`` shows an experiment's values."""

    DEFAULT_CSS = """
    HyperPanel { height: auto; }
    HyperPanel .row { height: 1; }
    HyperPanel .row Label { width: 11; color: $text-muted; }
    HyperPanel .row Select { width: 1fr; }
    HyperPanel Horizontal { height: auto; }
    HyperPanel Button { width: 50%; min-width: 0; margin: 0; }
    """

    def __init__(self, exp: Experiment, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.exp = exp
        self.layer_index = 1

    def compose(self) -> ComposeResult:
        e = self.exp
        reg = "l1" if e.train.l1 else "l2" if e.train.l2 else "none"
        task = "regression" if e.train.loss in ("mse", "mae") and e.model.layers[-1].activation == "linear" else "classification"
        rows = [
            ("learn rate", "learning_rate", [(f"{r:g}", r) for r in with_value(RATES, e.train.learning_rate)], e.train.learning_rate),
            ("optimizer", "optimizer", [(o, o) for o in OPTIMIZERS], e.train.optimizer),
            ("regularize", "regularization", [("none", "none"), ("L1", "l1"), ("L2", "l2")], reg),
            ("reg. rate", "reg_rate", [(f"{r:g}", r) for r in with_value(REG_RATES, e.train.l1 or e.train.l2)], e.train.l1 or e.train.l2),
            ("early stop", "early_stopping", [("off" if p == 0 else f"patience {p}", p) for p in PATIENCE],
             _nearest(e.train.early_stopping.patience, PATIENCE[1:]) if e.train.early_stopping else 0),
            ("problem", "problem", [("classification", "classification"), ("regression", "regression")], task),
            ("backend", "backend", [("numpy", "numpy"), ("torch", "torch")], e.train.backend if e.train.backend != "auto" else "numpy"),
        ]
        for label, key, options, value in rows:
            with Horizontal(classes="row"):
                yield Label(label)
                yield Select(options, value=value, allow_blank=False, id=key, compact=True)
        with Horizontal():
            yield Button("− layer", id="remove_layer", compact=True)
            yield Button("+ layer", id="add_layer", compact=True)
        first = e.model.layers[0]
        rows = [
            ("layer", "layer", self._layer_options(), 1),
            ("activation", "activation", [(a, a) for a in ACTIVATIONS], first.activation),
            ("norm", "norm", [(n, n) for n in NORMS], first.norm),
            ("dropout", "dropout", [(f"{d:g}", d) for d in DROPOUT], _nearest(first.dropout, DROPOUT)),
        ]
        for label, key, options, value in rows:
            with Horizontal(classes="row"):
                yield Label(label)
                yield Select(options, value=value, allow_blank=False, id=key, compact=True)
        with Horizontal():
            yield Button("− neuron", id="remove_neuron", compact=True)
            yield Button("+ neuron", id="add_neuron", compact=True)

    def _layer_options(self) -> list[tuple[str, int]]:
        n = len(self.exp.model.layers)
        return [(f"{i} ({'output' if i == n else 'hidden'}, {layer.units})", i) for i, layer in enumerate(self.exp.model.layers, 1)]

    def sync(self, exp: Experiment) -> None:
        """Show ``exp``'s values without posting edits."""
        self.exp = exp
        self.layer_index = min(self.layer_index, len(exp.model.layers))
        layer = exp.model.layers[self.layer_index - 1]
        values = {
            "learning_rate": exp.train.learning_rate,
            "optimizer": exp.train.optimizer,
            "backend": exp.train.backend if exp.train.backend != "auto" else "numpy",
            "activation": layer.activation,
            "norm": layer.norm,
            "dropout": _nearest(layer.dropout, DROPOUT),
        }
        rate = self.query_one("#learning_rate", Select)
        if exp.train.learning_rate not in RATES:  # a loaded session's own rate: shown as it is
            with rate.prevent(Select.Changed):
                rate.set_options([(f"{r:g}", r) for r in with_value(RATES, exp.train.learning_rate)])
        select = self.query_one("#layer", Select)
        with select.prevent(Select.Changed):
            select.set_options(self._layer_options())
            select.value = self.layer_index
        for key, value in values.items():
            widget = self.query_one(f"#{key}", Select)
            if widget.value != value:
                with widget.prevent(Select.Changed):
                    widget.value = value

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if not self._armed:
            return
        key = event.select.id or ""
        if key == "layer":
            self.layer_index = int(event.value)  # type: ignore[arg-type]
            self.sync(self.exp)
            return
        if key in ("activation", "dropout", "norm"):
            self.post_message(Edit(key, (self.layer_index, event.value)))
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
            self.post_message(Edit(key, self.layer_index))
        else:
            self.post_message(Edit(key, None))

"""The hyperparameters of the lecture: learning rate and its decay (schedule), optimizer, regularisation, early
stopping, problem type, backend, and the architecture (layers, neurons, activation,
normalisation and dropout per layer).

The panel keeps no value of its own: :func:`hyper_rows` reads every control from the
session (the regularisation kind and the layer being edited included), for the first
drawing and for every redraw after a change, and the edits it posts name one control each,
so the session, not the panel, combines them (a new rate keeps the loaded kind).

Controls that do nothing in the present state are disabled (drawn dim, skipped by tab),
instead of taking an edit the session would refuse or ignore: the rate while there is no
regularisation, dropout and the neuron buttons on the output layer (its size is the
data's), "− layer" with no hidden layer left.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Select

from tuinn.config.spec import ACTIVATIONS, NORMS, OPTIMIZERS, SCHEDULES
from tuinn.session.edits import task_of
from tuinn.session.playground import Playground
from tuinn.tui.widgets.edit import ArmedPanel, Edit, with_value

RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
REG_RATES = [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
DROPOUT = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
#: Early-stopping patience in epochs (0: off).
PATIENCE = [0, 10, 25, 50, 100, 250]

#: (label, control id, options, value, does not apply now: disabled)
Row = tuple[str, str, list[tuple[str, Any]], Any, bool]


def hyper_rows(pg: Playground) -> list[Row]:
    """The Selects above the layer buttons, as the session has them."""
    e = pg.experiment
    t = e.train
    patience = t.early_stopping.patience if t.early_stopping else 0
    return [
        ("learn rate", "learning_rate", [(f"{r:g}", r) for r in with_value(RATES, t.learning_rate)], t.learning_rate, False),
        ("decay", "schedule", [(n, n) for n in SCHEDULES], t.schedule.name, False),
        ("optimizer", "optimizer", [(o, o) for o in OPTIMIZERS], t.optimizer, False),
        ("regularize", "regularization", [("none", "none"), ("L1", "l1"), ("L2", "l2")], pg.regularization_kind, False),
        ("reg. rate", "reg_rate", [(f"{r:g}", r) for r in with_value(REG_RATES, pg.regularization_rate)], pg.regularization_rate,
         pg.regularization_kind == "none"),
        ("early stop", "early_stopping", [("off" if p == 0 else f"patience {p}", p) for p in with_value(PATIENCE, patience)], patience, False),
        ("problem", "problem", [("classification", "classification"), ("regression", "regression")], task_of(e), False),
        ("backend", "backend", [("numpy", "numpy"), ("torch", "torch")], t.backend if t.backend != "auto" else "numpy", False),
    ]


def layer_rows(pg: Playground) -> list[Row]:
    """The Selects of the layer being edited (``pg.selected_layer``): a layer reads "1 hidden 4" (it fits the
    Select's 11 cells at 80 columns; "1 (hidden, 4)" was cut to "1 (hidden,", losing the size)."""
    layers = pg.experiment.model.layers
    n = len(layers)
    layer = layers[pg.selected_layer - 1]
    return [
        ("layer", "layer", [(f"{i} {'output' if i == n else 'hidden'} {s.units}", i) for i, s in enumerate(layers, 1)], pg.selected_layer, False),
        ("activation", "activation", [(a, a) for a in ACTIVATIONS], layer.activation, False),
        ("norm", "norm", [(m, m) for m in NORMS], layer.norm, False),
        ("dropout", "dropout", [(f"{d:g}", d) for d in with_value(DROPOUT, layer.dropout)], layer.dropout,
         pg.selected_layer == n and not layer.dropout),
    ]


def disabled_buttons(pg: Playground) -> dict[str, bool]:
    """Button id → whether it does nothing now: no hidden layer to remove, or the output layer's neurons."""
    layers = pg.experiment.model.layers
    output = pg.selected_layer == len(layers)
    return {"remove_layer": len(layers) == 1, "add_layer": False, "remove_neuron": output, "add_neuron": output}


class HyperPanel(ArmedPanel, Vertical):
    """Posts :class:`Edit` for every hyperparameter; :meth:`sync` shows the session's values."""

    DEFAULT_CSS = """
    HyperPanel { height: auto; }
    HyperPanel .row { height: 1; }
    HyperPanel .row Label { width: 11; color: $text-muted; }
    HyperPanel .row Select { width: 1fr; }
    HyperPanel Horizontal { height: auto; }
    HyperPanel Button { width: 50%; min-width: 0; margin: 0; }
    """

    def __init__(self, session: Playground, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session

    def compose(self) -> ComposeResult:
        off = disabled_buttons(self.session)
        for label, key, options, value, disabled in hyper_rows(self.session):
            with Horizontal(classes="row"):
                yield Label(label)
                yield self.make_select(key, options, value, disabled)
        with Horizontal():
            yield Button("− layer", id="remove_layer", compact=True, disabled=off["remove_layer"])
            yield Button("+ layer", id="add_layer", compact=True)
        for label, key, options, value, disabled in layer_rows(self.session):
            with Horizontal(classes="row"):
                yield Label(label)
                yield self.make_select(key, options, value, disabled)
        with Horizontal():
            yield Button("− neuron", id="remove_neuron", compact=True, disabled=off["remove_neuron"])
            yield Button("+ neuron", id="add_neuron", compact=True, disabled=off["add_neuron"])

    def sync(self) -> None:
        """Show the session's values (and which controls apply), posting no edits."""
        for _, key, options, value, disabled in hyper_rows(self.session) + layer_rows(self.session):
            self.show_select(key, options, value, disabled)
        for key, off in disabled_buttons(self.session).items():
            self.query_one(f"#{key}", Button).disabled = off

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self._armed:
            self.post_message(Edit(event.select.id or "", event.value))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(Edit(event.button.id or "", None))

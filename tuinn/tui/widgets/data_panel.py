"""The Data panel: which data, how noisy, how much for testing and validation, class balance, batch size, regenerate.

It keeps no value of its own: :func:`data_rows` reads every control's options and value
from the session, for the first drawing and for every redraw after a change (a load, a
lesson, the palette), so what it shows is what the session holds.

A control that does not apply to the data is hidden, not shown disabled: "classes" only
for the multi-class sources, "balance" only for classification. The dataset list gives
the bare names, classification sets first, then regression: at 15 cells a Select cut
"circle (classification)" to "circle (class)", and the problem row says the task anyway.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Select

from tuinn.config.spec import Experiment
from tuinn.data.synthetic import SOURCES
from tuinn.session.playground import Playground
from tuinn.tui.widgets.edit import ArmedPanel, Edit, with_value

NOISE = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
TEST = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
BATCH = [1, 2, 5, 10, 20, 30, 50, 100, "full"]
CLASSES = [2, 3, 4, 5, 6]
VALIDATION = [0.0, 0.1, 0.2, 0.3]
BALANCE = ["none", "undersample", "oversample", "weights"]

#: (label, control id, options, value, does not apply: hidden)
Row = tuple[str, str, list[tuple[str, Any]], Any, bool]


def _multiclass(exp: Experiment) -> bool:
    src = SOURCES.get(exp.data.source)
    return bool(src and src.multiclass)


def _classifies(exp: Experiment) -> bool:
    src = SOURCES.get(exp.data.source)
    return src.task == "classification" if src is not None else exp.train.loss in ("bce", "cce")


def percent(fraction: float) -> str:
    """A split's share as the control shows it: ``50 %``, and ``49.6 %`` for your own points' 124 of 250
    (three significant digits: ``49.6016 %`` said more than the split can mean)."""
    return f"{fraction * 100:.3g} %"


def data_rows(exp: Experiment) -> list[Row]:
    """Every Select of the panel as the experiment has it (a value off the usual list is added to it)."""
    d = exp.data
    sources = [(name, name) for name, src in sorted(SOURCES.items(), key=lambda item: item[1].task != "classification")]
    if d.source not in SOURCES:
        sources.insert(0, (d.source, d.source))
    tf = d.resolved_test_fraction
    b = exp.train.batch_size
    return [
        ("dataset", "source", sources, d.source, False),
        ("noise", "noise", [(f"{n:g}", n) for n in with_value(NOISE, d.noise)], d.noise, False),
        ("test", "test_fraction", [(percent(t), t) for t in with_value(TEST, tf)], tf, False),
        ("batch", "batch_size", [(str(v), v) for v in with_value(BATCH, b)], b, False),
        ("classes", "classes", [(str(c), c) for c in with_value(CLASSES, d.classes)], d.classes, not _multiclass(exp)),
        ("validation", "validation_fraction", [(percent(v), v) for v in with_value(VALIDATION, d.validation_fraction)],
         d.validation_fraction, False),
        ("balance", "balance", [(m, m) for m in BALANCE], d.balance, not _classifies(exp)),
    ]


class DataPanel(ArmedPanel, Vertical):
    """Posts :class:`Edit` for source, noise, test_fraction, batch_size, classes, validation, balance and regenerate."""

    DEFAULT_CSS = """
    DataPanel { height: auto; }
    DataPanel .row { height: 1; }
    DataPanel .row.-not-applicable { display: none; }
    DataPanel .row Label { width: 11; color: $text-muted; }
    DataPanel .row Select { width: 1fr; }
    DataPanel Horizontal { height: auto; }
    DataPanel Button { width: 100%; min-width: 0; margin: 0; }
    """

    def __init__(self, session: Playground, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session

    def compose(self) -> ComposeResult:
        for label, key, options, value, not_applicable in data_rows(self.session.experiment):
            with Horizontal(classes="row -not-applicable" if not_applicable else "row"):
                yield Label(label)
                yield self.make_select(key, options, value, not_applicable)
        yield Button("regenerate (g)", id="regenerate", variant="primary", compact=True)

    def sync(self) -> None:
        """Show the session's data settings, posting no edits."""
        for _, key, options, value, not_applicable in data_rows(self.session.experiment):
            self.show_select(key, options, value, not_applicable)
            row = self.query_one(f"#{key}").parent
            if row is not None:
                row.set_class(not_applicable, "-not-applicable")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if not self._armed:
            return
        self.post_message(Edit(event.select.id or "", event.value))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(Edit("regenerate", None))

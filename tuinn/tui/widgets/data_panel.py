"""The Data panel: which data, how noisy, how much for testing and validation, class balance, batch size, regenerate."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Select

from tuinn.config.spec import Experiment
from tuinn.data.synthetic import SOURCES
from tuinn.tui.widgets.edit import ArmedPanel, Edit, with_value

NOISE = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
TEST = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
BATCH = [1, 2, 5, 10, 20, 30, 50, 100, "full"]
CLASSES = [2, 3, 4, 5, 6]
VALIDATION = [0.0, 0.1, 0.2, 0.3]
BALANCE = ["none", "undersample", "oversample", "weights"]


class DataPanel(ArmedPanel, Vertical):
    """Posts :class:`Edit` for source, noise, test_fraction, batch_size, classes and regenerate."""

    DEFAULT_CSS = """
    DataPanel { height: auto; }
    DataPanel .row { height: 1; }
    DataPanel .row Label { width: 11; color: $text-muted; }
    DataPanel .row Select { width: 1fr; }
    DataPanel Horizontal { height: auto; }
    DataPanel Button { width: 100%; min-width: 0; margin: 0; }
    """

    def __init__(self, exp: Experiment, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.exp = exp

    def compose(self) -> ComposeResult:
        e = self.exp
        sources = [(f"{name} ({src.task[:5]})", name) for name, src in SOURCES.items()]
        if e.data.source not in SOURCES:
            sources.insert(0, (e.data.source, e.data.source))
        tf = e.data.resolved_test_fraction
        b = e.train.batch_size
        rows = [
            ("dataset", "source", sources, e.data.source),
            ("noise", "noise", [(f"{n:g}", n) for n in with_value(NOISE, e.data.noise)], e.data.noise),
            ("test", "test_fraction", [(f"{t * 100:g} %", t) for t in with_value(TEST, tf)], tf),
            ("batch", "batch_size", [(str(v), v) for v in with_value(BATCH, b)], b),
            ("classes", "classes", [(str(c), c) for c in CLASSES], e.data.classes if e.data.classes in CLASSES else 3),
            ("validation", "validation_fraction", [(f"{int(v * 100)} %", v) for v in VALIDATION],
             min(VALIDATION, key=lambda v: abs(v - e.data.validation_fraction))),
            ("balance", "balance", [(b, b) for b in BALANCE], e.data.balance),
        ]
        for label, key, options, value in rows:
            with Horizontal(classes="row"):
                yield Label(label)
                yield Select(options, value=value, allow_blank=False, id=key, compact=True,
                             disabled=(key == "classes" and not self._multiclass(e)) or (key == "balance" and not self._classifies(e)))
        yield Button("regenerate (g)", id="regenerate", variant="primary", compact=True)

    @staticmethod
    def _multiclass(exp: Experiment) -> bool:
        src = SOURCES.get(exp.data.source)
        return bool(src and src.multiclass)

    @staticmethod
    def _classifies(exp: Experiment) -> bool:
        src = SOURCES.get(exp.data.source)
        return src.task == "classification" if src is not None else exp.train.loss in ("bce", "cce")

    def sync(self, exp: Experiment) -> None:
        """Show ``exp``'s data settings without posting edits."""
        self.exp = exp
        self.query_one("#classes", Select).disabled = not self._multiclass(exp)
        self.query_one("#balance", Select).disabled = not self._classifies(exp)
        balance = self.query_one("#balance", Select)
        if balance.value != exp.data.balance:
            with balance.prevent(Select.Changed):
                balance.value = exp.data.balance
        select = self.query_one("#source", Select)
        if select.value != exp.data.source and exp.data.source in SOURCES:
            with select.prevent(Select.Changed):
                select.value = exp.data.source

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if not self._armed:
            return
        self.post_message(Edit(event.select.id or "", event.value))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(Edit("regenerate", None))

"""The Data panel: which data, how noisy, how much for testing, batch size, regenerate."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Label, Select

from tuinn.config import Experiment
from tuinn.data.synthetic import SOURCES
from tuinn.tui.widgets.edit import Edit

NOISE = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
TEST = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
BATCH = [1, 2, 5, 10, 20, 30, 50, 100, "full"]
CLASSES = [2, 3, 4, 5, 6]


class DataPanel(Vertical):
    """Posts :class:`Edit` for source, noise, test_fraction, batch_size, classes and regenerate."""

    DEFAULT_CSS = """
    DataPanel { height: auto; }
    DataPanel Label { margin: 0 0 0 1; color: $text-muted; }
    DataPanel Select { margin: 0 0 0 0; }
    """

    def __init__(self, exp: Experiment, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.exp = exp

    def compose(self) -> ComposeResult:
        sources = [(f"{name} ({src.task[:5]})", name) for name, src in SOURCES.items()]
        if self.exp.data.source not in SOURCES:
            sources.insert(0, (self.exp.data.source, self.exp.data.source))
        yield Label("dataset")
        yield Select(sources, value=self.exp.data.source, allow_blank=False, id="source")
        yield Label("noise")
        yield Select([(f"{n:g}", n) for n in NOISE], value=self.exp.data.noise if self.exp.data.noise in NOISE else 0.0,
                     allow_blank=False, id="noise")
        yield Label("test fraction")
        tf = round(self.exp.data.resolved_test_fraction, 1)
        yield Select([(f"{int(t * 100)} %", t) for t in TEST], value=tf if tf in TEST else 0.5, allow_blank=False, id="test_fraction")
        yield Label("batch size")
        b = self.exp.train.batch_size
        yield Select([(str(v), v) for v in BATCH], value=b if b in BATCH else 10, allow_blank=False, id="batch_size")
        yield Label("classes (blobs, spirals)")
        yield Select([(str(c), c) for c in CLASSES], value=self.exp.data.classes if self.exp.data.classes in CLASSES else 3,
                     allow_blank=False, id="classes")
        yield Button("regenerate (g)", id="regenerate", variant="primary")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.post_message(Edit(event.select.id or "", event.value))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(Edit("regenerate", None))

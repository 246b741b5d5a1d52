"""The step-through's gradient panel: |∂L/∂W| of every layer on one log axis.

Shown under the terms (a key toggles it) so that it stays in view while the stages are
walked: after `u` the next batch's gradients replace these. The picture itself is
:func:`tuinn.tui.render.log_histogram.gradient_lines` (why a shared log axis: see there);
this widget only keeps the last gradients so that a resize can redraw them at the new width.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.text import Text
from textual import events
from textual.widgets import Static

from tuinn.tui.render.log_histogram import gradient_lines


class GradientHistogram(Static):
    """Per-layer histograms of |∂L/∂W| (one row each) over a shared log axis."""

    DEFAULT_CSS = """
    GradientHistogram {
        height: auto;
        border: round $secondary;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._gradients: list[np.ndarray] = []
        self._names: list[str] = []
        self.lines: list[Text] = []

    def show(self, gradients: Sequence[np.ndarray], names: Sequence[str]) -> None:
        """Draw these gradients (read, never changed), one row per layer named ``names``."""
        self._gradients = [np.asarray(g) for g in gradients]
        self._names = list(names)
        self._draw()

    def _draw(self) -> None:
        width = self.content_size.width or max(20, self.app.size.width - 4)
        self.lines = gradient_lines(self._gradients, self._names, width)
        self.update(Text("\n").join(self.lines))

    def on_resize(self, event: events.Resize) -> None:
        if self._gradients:
            self._draw()

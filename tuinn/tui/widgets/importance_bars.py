"""Horizontal bars, one per input, sorted by importance, with the feature names and values.

A plain text widget rather than a plotext bar chart: the names are the point of the
picture (Pima's ``glucose``, ``bmi`` …), they must be readable in full at the left of
each bar, and plotext would abbreviate or rotate them. Bars are scaled to the largest
value and drawn with eighth blocks so that close values still look different.

Feature names are user data: the lines are built as rich ``Text``, never as markup.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.text import Text
from textual.widget import Widget

from tuinn.analysis.importance import ranking

EIGHTHS = " ▏▎▍▌▋▊▉█"
BAR_COLOR = "#3b8eea"


def bar(fraction: float, width: int) -> str:
    """A bar of ``fraction`` (0…1) of ``width`` cells, to an eighth of a cell."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[part] if part else "")


class ImportanceBars(Widget):
    """One bar per input, largest first, with a line of explanation under them."""

    DEFAULT_CSS = """
    ImportanceBars { height: auto; padding: 0 1; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.names: list[str] = []
        self.values = np.zeros(0)
        #: Input indices in the order drawn, most important first (tests read it).
        self.order: list[int] = []
        self.explanation = ""

    def show(self, names: list[str], values: np.ndarray, explanation: str = "") -> None:
        """Draw ``values[i]`` as the bar of input ``names[i]``, sorted as :func:`ranking` sorts them."""
        self.names = list(names)
        self.values = np.asarray(values, dtype=float).reshape(-1)
        self.order = ranking(self.values)
        self.explanation = explanation
        self.refresh(layout=True)

    def bar_labels(self) -> list[str]:
        """The feature names in the order drawn."""
        return [self.names[i] for i in self.order]

    def render(self) -> Text:
        width = max(self.size.width, 20)
        text = Text()
        if not self.order:
            text.append("no inputs", style="dim")
            return text
        name_w = min(max(len(n) for n in self.names), max(8, width // 3))
        numbers = [f"{self.values[i]:.3g}" for i in self.order]
        num_w = max(len(s) for s in numbers)
        bar_w = max(4, width - name_w - num_w - 3)
        top = float(np.nanmax(self.values)) if np.isfinite(self.values).any() else 0.0
        for i, number in zip(self.order, numbers, strict=True):
            name = self.names[i]
            name = name if len(name) <= name_w else name[: name_w - 1] + "…"
            v = float(self.values[i])
            frac = v / top if top > 0 and np.isfinite(v) else 0.0
            text.append(name.rjust(name_w) + " ")
            text.append(bar(frac, bar_w).ljust(bar_w), style=BAR_COLOR)
            text.append(" " + number.rjust(num_w) + "\n")
        if self.explanation:
            text.append(self.explanation, style="italic dim")
        else:
            text.rstrip()
        return text

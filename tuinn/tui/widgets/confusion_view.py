"""The confusion matrix of one split: TP/FN/FP/TN with the threshold for two classes, C×C for more.

Actual classes are rows and predicted classes columns, as in the lecture and in
:mod:`tuinn.metrics`. For two classes the positive class (class 1) comes first, so the
table reads TP FN / FP TN like the slide, and the threshold with the sensitivity and
specificity it gives sits under it: moving the threshold moves counts between the cells.
Class names come from the data (a CSV's labels), so they are always rich Text, never markup.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from tuinn.tui.widgets.metrics_table import fmt_value


class ConfusionView(Static):
    """Binary 2×2 with named cells, multi-class C×C with the diagonal in bold, or a note."""

    DEFAULT_CSS = "ConfusionView { height: auto; }"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: The counts shown, keyed "tp", "fn", "fp", "tn" (binary) or (actual, predicted) for C×C; for tests.
        self.counts: dict[Any, int] = {}
        #: The line of rates under a binary matrix (threshold, sensitivity, specificity), as shown.
        self.rates = ""
        self._shape: tuple[Any, ...] = ()

    def _show(self, content: Any, shape: tuple[Any, ...]) -> None:
        """Update, with a new layout only when the kind of table changes (its height is fixed otherwise)."""
        self.update(content, layout=shape != self._shape)
        self._shape = shape

    def show_binary(self, split: str, confusion: list[list[int]], class_names: list[str], threshold: float,
                    sensitivity: float, specificity: float) -> None:
        """Draw the 2×2 table of ``split`` (``confusion[actual][predicted]``, class 1 positive)."""
        (tn, fp), (fn, tp) = confusion
        self.counts = {"tp": tp, "fn": fn, "fp": fp, "tn": tn}
        neg, pos = (class_names[0], class_names[1]) if len(class_names) >= 2 else ("0", "1")
        table = Table(box=box.ROUNDED, padding=(0, 1), show_header=True, expand=False)
        table.add_column(Text("actual ↓  predicted →", style="dim"), no_wrap=True)
        table.add_column(Text.assemble(Text(pos), Text(" (+)", style="dim")), justify="right", no_wrap=True)
        table.add_column(Text.assemble(Text(neg), Text(" (−)", style="dim")), justify="right", no_wrap=True)

        def cell(tag: str, n: int, good: bool) -> Text:
            return Text.assemble(Text(f"{tag} ", style="dim"), Text(str(n), style="bold green" if good else "bold red"))

        table.add_row(Text.assemble(Text(pos), Text(" (+)", style="dim")), cell("TP", tp, True), cell("FN", fn, False))
        table.add_row(Text.assemble(Text(neg), Text(" (−)", style="dim")), cell("FP", fp, False), cell("TN", tn, True))
        self.rates = (f"threshold {threshold:.4f} · sensitivity {fmt_value(sensitivity)} · "
                      f"specificity {fmt_value(specificity)}")
        why = Text("positive when P(" + pos + ") ≥ threshold; TP/(TP+FN) = sensitivity, TN/(TN+FP) = specificity",
                   style="dim")
        self._show(Group(table, Text(self.rates, style="bold"), why), ("binary", pos, neg, split))
        self.border_title = Text(f"Confusion matrix · {split}")
        self.border_subtitle = None

    def show_matrix(self, split: str, confusion: list[list[int]], class_names: list[str]) -> None:
        """Draw the C×C table of ``split``: row i, column j counts class i predicted as j."""
        c = len(confusion)
        names = list(class_names) if len(class_names) == c else [str(k) for k in range(c)]
        self.counts = {(i, j): int(confusion[i][j]) for i in range(c) for j in range(c)}
        self.rates = ""
        self._shape: tuple[Any, ...] = ()
        table = Table(box=box.ROUNDED, padding=(0, 1), expand=False)
        table.add_column(Text("actual ↓  predicted →", style="dim"), no_wrap=True)
        for name in names:
            table.add_column(Text(name), justify="right", no_wrap=True)
        for i, name in enumerate(names):
            table.add_row(Text(name), *[Text(str(confusion[i][j]), style="bold green" if i == j else ("red" if confusion[i][j] else "dim"))
                                        for j in range(c)])
        self._show(table, ("matrix", tuple(names), split))
        self.border_title = Text(f"Confusion matrix · {split}")
        self.border_subtitle = Text("no threshold: predicted = most probable class")

    def show_note(self, title: str, note: str) -> None:
        """No matrix to draw (regression, or one class only): say why instead."""
        self.counts, self.rates = {}, ""
        self._show(Text(note, style="dim"), ("note", note))
        self.border_title = Text(title)
        self.border_subtitle = None

"""The metrics of every split side by side: the lecture's "different accuracies on different datasets".

One column per split that holds samples (train, test, validation, whole) and one row per
metric, read straight from :func:`tuinn.analysis.evaluation.evaluation_report`, so that the screen
and ``tuinn eval --json`` show the same numbers. Every value goes through
:func:`fmt_value`, which the tests use too: "the same number" then means the same text.

A plain Static (not a DataTable) because a DataTable would take the arrow keys that move
the threshold; it can take focus, so that no Select holds it and swallows the screen's keys.
"""

from __future__ import annotations

import math
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

#: (label, report key) per task; multi-class rates are macro averages (see ``metrics.macro``).
ROWS: dict[str, list[tuple[str, str]]] = {
    "binary": [("n", "n"), ("loss", "loss"), ("accuracy", "accuracy"), ("precision", "precision"),
               ("sensitivity", "sensitivity"), ("specificity", "specificity"), ("F1", "f1"), ("AUC", "auc")],
    "multiclass": [("n", "n"), ("loss", "loss"), ("accuracy", "accuracy"), ("precision (macro)", "precision"),
                   ("sensitivity (macro)", "sensitivity"), ("specificity (macro)", "specificity"), ("F1 (macro)", "f1"),
                   ("AUC (macro, 1-vs-rest)", "auc")],
    "regression": [("n", "n"), ("loss", "loss"), ("MSE", "mse"), ("MAE", "mae"), ("R²", "r2")],
}


def fmt_value(value: Any) -> str:
    """A metric as shown: counts as integers, rates with 4 decimals, undefined (nan, missing) as "–".

    nan is "–" rather than "nan" because it means "undefined here" (an AUC with one class
    present, the R² of a constant target), not a number that came out wrong.
    """
    if value is None:
        return "–"
    if isinstance(value, int | bool):
        return str(int(value))
    v = float(value)
    if math.isnan(v):
        return "–"
    return f"{v:.4f}"


def report_kind(report: dict[str, Any]) -> str:
    """``binary``, ``multiclass`` or ``regression`` for an :func:`evaluation_report` result."""
    if report.get("task") == "regression":
        return "regression"
    return "multiclass" if any("per_class" in r for r in report.get("splits", {}).values()) else "binary"


class MetricsTable(Static):
    """Splits as columns, metrics as rows; the selected split's column is highlighted."""

    can_focus = True  # holds the focus at mount, so the screen's keys reach the screen

    DEFAULT_CSS = """
    MetricsTable { height: auto; }
    MetricsTable:focus { background-tint: $foreground 3%; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: What is shown, as text: ``cells[split][key]`` (for tests and for anyone reading the screen back).
        self.cells: dict[str, dict[str, str]] = {}
        self.selected = ""
        self._shape: tuple[Any, ...] = ()

    def show(self, report: dict[str, Any], selected: str) -> None:
        """Draw the table of ``report`` (from :func:`evaluation_report`) with ``selected`` highlighted."""
        kind = report_kind(report)
        rows = ROWS[kind]
        splits = list(report["splits"])
        self.selected = selected
        self.cells = {name: {key: fmt_value(r.get(key)) for _, key in rows} for name, r in report["splits"].items()}
        table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, expand=False, show_edge=False)
        table.add_column(Text("metric", style="bold"), no_wrap=True)
        for name in splits:
            head = Text(f"▸{name}" if name == selected else name, style="bold reverse" if name == selected else "bold")
            table.add_column(head, justify="right", no_wrap=True)
        for label, key in rows:
            table.add_row(Text(label, style="dim"),
                          *[Text(self.cells[name][key], style="bold" if name == selected else "") for name in splits])
        # A new layout only when rows or columns change: a threshold move keeps the table's size, and a
        # relayout of the whole screen per key press is most of what a move costs.
        shape = (kind, tuple(splits), selected)
        self.update(table, layout=shape != self._shape)
        self._shape = shape
        where = {"binary": f"threshold {report['threshold']:.4f}", "multiclass": "argmax of the class probabilities",
                 "regression": "outputs against targets"}[kind]
        self.border_title = Text(f"Metrics per split · {where}")

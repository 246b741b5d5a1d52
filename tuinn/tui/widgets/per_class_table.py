"""Per-class rates of a multi-class split: each class against all the others pooled (one-vs-rest).

Macro averages in the metrics table hide which class the model gets wrong; this table
shows it, one row per class, with the rows of ``split_report(...)["per_class"]``.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from tuinn.tui.widgets.metrics_table import fmt_value

#: (header, key); headers abbreviated so that the table fits beside the ROC plot at 160 columns.
COLUMNS = (("precision", "precision"), ("sens.", "sensitivity"), ("spec.", "specificity"), ("F1", "f1"),
           ("AUC", "auc"), ("n", "support"))


class PerClassTable(Static):
    """Class × (precision, sensitivity, specificity, F1, AUC, support) of the selected split."""

    DEFAULT_CSS = "PerClassTable { height: auto; }"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: ``cells[class name][key]`` as shown, for tests.
        self.cells: dict[str, dict[str, str]] = {}

    def show(self, split: str, per_class: list[dict[str, Any]], class_names: list[str]) -> None:
        names = list(class_names) if len(class_names) == len(per_class) else [str(k) for k in range(len(per_class))]
        self.cells = {name: {key: fmt_value(row.get(key)) for _, key in COLUMNS} for name, row in zip(names, per_class, strict=True)}
        table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, show_edge=False)
        table.add_column(Text("class", style="bold"), no_wrap=True)
        for label, _ in COLUMNS:
            table.add_column(Text(label, style="bold"), justify="right", no_wrap=True)
        for name in names:
            table.add_row(Text(name), *[Text(self.cells[name][key]) for _, key in COLUMNS])
        self.update(table)
        self.border_title = Text(f"Per class (one-vs-rest) · {split}")

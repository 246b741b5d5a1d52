"""A row per independently trained model: its seed, its test score and its top inputs.

Filled row by row while "train N seeds" runs, so the reader sees the rankings arrive and
can already compare them before the agreement is computed. Cells are rich ``Text``:
DataTable parses plain strings as markup, and feature names are user data.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

TOP = 3


def score_of(test: dict[str, float], task: str) -> tuple[str, str]:
    """(column title, formatted value) of a model's test score: accuracy, or R² for a regression."""
    if task == "regression":
        r2 = test.get("r2")
        return "test R²", "—" if r2 is None else f"{r2:.3f}"
    acc = test.get("accuracy")
    return "test accuracy", "—" if acc is None else f"{acc:.3f}"


def top_names(rank: list[int], features: list[str], k: int = TOP) -> str:
    """The names of the first ``k`` inputs of a ranking, most important first."""
    return ", ".join(features[i] for i in rank[:k])


class SeedTable(DataTable[Text]):
    """The per-seed results of :func:`tuinn.analysis.importance.insight`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="none", zebra_stripes=True, **kwargs)
        self.can_focus = False  # nothing to select; keys stay with the screen
        #: One (seed, score, top by gradient, top by |W|) tuple of strings per row (tests read it).
        self.cells: list[tuple[str, str, str, str]] = []
        self.task_kind = "classification"

    def reset(self, task: str, k: int = TOP) -> None:
        """Empty the table and set its columns for a task."""
        self.task_kind = task
        self.cells = []
        self.clear(columns=True)
        title, _ = score_of({}, task)
        for name in ("seed", title, f"top {k} by gradient", f"top {k} by |W|"):
            self.add_column(Text(name), key=name)

    def add_result(self, result: dict[str, Any], features: list[str], k: int = TOP) -> None:
        """Append the row of one trained model (an element of ``insight(...)["seeds"]``)."""
        _, score = score_of(result.get("test", {}), self.task_kind)
        row = (str(result["seed"]), score, top_names(result["rank_gradient"], features, k),
               top_names(result["rank_weights"], features, k))
        self.cells.append(row)
        self.add_row(*(Text(c) for c in row))

"""``tuinn data list | show NAME | fetch NAME``: what data tuinn can learn from.

``show`` accepts a synthetic source (described at its defaults: 500 samples, no
noise, seed 0), a registered dataset, or the path of a CSV file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table as RichTable

from tuinn.errors import DataError


def data_list() -> int:
    from tuinn.data.registry import cards, search_paths
    from tuinn.data.synthetic import SOURCES

    console = Console(highlight=False)
    table = RichTable(title="data sources", title_justify="left")
    for col in ("name", "kind", "task", "description"):
        table.add_column(col)
    for name, src in SOURCES.items():
        extra = " (classes = C)" if src.multiclass else ""
        table.add_row(name, f"synthetic {src.dims}-D", src.task, src.description + extra)
    for name, c in cards().items():
        try:
            from tuinn.data.registry import locate

            where = f"found: {locate(name)}"
        except DataError:
            where = f"not downloaded: tuinn data fetch {name}"
        table.add_row(name, "registered", c.task, f"{c.title} · {c.rows} rows · {where}")
    table.add_row("csv", "file", "auto", 'your own CSV: source = "csv", path = "…", target = "column"')
    table.add_row("inline", "in the file", "as given", "rows written in the experiment file: x = [[…]], y = [[…]]")
    console.print(table)
    console.print("registered files are looked for in: " + ", ".join(str(p) for p in search_paths()), markup=False)
    return 0


def _stats_table(title: str, names: list[str], x: np.ndarray, zeros: dict[str, int] | None = None) -> RichTable:
    table = RichTable(title=title, title_justify="left")
    for col in ("column", "mean", "std", "min", "max") + (("zeros (missing?)",) if zeros else ()):
        table.add_column(col, justify="left" if col == "column" else "right")
    for j, name in enumerate(names):
        row = [name, *(f"{v:.4g}" for v in (x[:, j].mean(), x[:, j].std(), x[:, j].min(), x[:, j].max()))]
        if zeros:
            row.append(str(zeros.get(name, "")))
        table.add_row(*row)
    return table


def data_show(name: str) -> int:
    from tuinn.data.registry import cards, describe
    from tuinn.data.synthetic import SOURCES, generate

    console = Console(highlight=False)
    if name in SOURCES:
        src = SOURCES[name]
        x, y = generate(name, 500, 0.0, np.random.default_rng(0))
        console.print(f"{name}: {src.description} · synthetic, {src.task} · 500 samples at noise 0 (seed 0)", markup=False)
        if src.task == "classification":
            counts = np.bincount(y)
            console.print("class counts: " + ", ".join(f"{c}: {n}" for c, n in enumerate(counts)), markup=False)
        cols = [f"x{i + 1}" for i in range(x.shape[1])]
        console.print(_stats_table("columns", [*cols, "y"], np.column_stack([x, y])))
        return 0
    if name in cards():
        info: dict[str, Any] = describe(name)
        c = cards()[name]
        console.print(f"{c.title} · {info['path']}", markup=False)
        console.print(f"{info['rows']} rows × {info['columns']} columns · target {info['target']!r}", markup=False)
    else:
        path = Path(name)
        if not path.exists():
            known = ", ".join([*SOURCES, *cards()])
            raise DataError(f"no dataset or file named {name!r} (known: {known})")
        from tuinn.data.tabular import read_csv

        info = describe(read_csv(path))
        console.print(f"{path} · {info['rows']} rows × {info['columns']} columns · target (last column) {info['target']!r}",
                      markup=False)
    if info["class_counts"]:
        names = cards()[name].class_names if name in cards() else []
        console.print("class counts: " + ", ".join(
            f"{k}{f' ({names[k]})' if k < len(names) else ''}: {v}" for k, v in info["class_counts"].items()), markup=False)
    stats = info["stats"]
    x = np.array([[s["mean"], s["std"], s["min"], s["max"]] for s in stats.values()])
    table = RichTable(title="columns", title_justify="left")
    for col in ("column", "mean", "std", "min", "max") + (("zeros (missing?)",) if info["missing_zeros"] else ()):
        table.add_column(col, justify="left" if col == "column" else "right")
    for (col, _), row in zip(stats.items(), x, strict=True):
        cells = [col, *(f"{v:.4g}" for v in row)]
        if info["missing_zeros"]:
            cells.append(str(info["missing_zeros"].get(col, "")))
        table.add_row(*cells)
    console.print(table)
    if info["missing_zeros"]:
        console.print("zeros in the marked columns are really missing measurements (a glucose or BMI of 0 is not a value).", markup=False)
    return 0


def data_fetch(name: str) -> int:
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    from tuinn.data.registry import card, fetch

    c = card(name)
    console = Console(stderr=True, highlight=False)
    with Progress(TextColumn(f"[bold]{name}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("fetch", total=None)

        def report(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        path = fetch(name, progress=report)
    print(f"{c.title}: {path} (content checked against the card: {c.rows} rows, class counts {c.class_counts})")
    return 0

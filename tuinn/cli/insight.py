"""``tuinn insight EXPERIMENT --seeds N [--json]``: do independently trained models agree on which inputs matter?

Trains N models that differ only in their seed (see :func:`tuinn.analysis.importance.insight`)
and prints, per model, the inputs ranked by the gradient reading (mean |∂ŷ/∂x|) and by
the first-layer weights (mean |W¹|), then how much the rankings agree across the models.
Progress goes to stderr; with ``--json`` the result is one JSON object on stdout.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tuinn.analysis.importance import insight
from tuinn.config.spec import from_dict
from tuinn.errors import DivergedError
from tuinn.training.run import read_spec
from tuinn.training.run_folder import json_safe

LABELS = {"gradient": "gradient mean |dy/dx|", "weights": "first-layer mean |W|"}


def insight_command(args: Any) -> int:
    raw, source = read_spec(args.config, args.set)
    if args.epochs is not None:
        raw.setdefault("train", {})["epochs"] = args.epochs
    exp = from_dict(raw, source)
    from rich.console import Console

    err = Console(stderr=True, highlight=False)
    out = Console(highlight=False)
    total = args.seeds * exp.train.epochs
    progress = None
    if not args.json and err.is_terminal:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(TextColumn("[bold]insight"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True)
        task = progress.add_task("insight", total=total)

    def on_epoch() -> None:
        if progress is not None:
            progress.advance(task)

    def on_seed(i: int, r: dict[str, Any]) -> None:
        if not args.json:
            err.print(f"model {i + 1}/{args.seeds} (seed {r['seed']}) trained", markup=False)

    try:
        if progress is not None:
            progress.start()
        try:
            result = insight(exp, args.seeds, k=args.top, on_seed=on_seed, on_epoch=on_epoch)
        finally:
            if progress is not None:
                progress.stop()
    except DivergedError as exc:
        raise DivergedError(f"insight: {exc}") from None
    if args.json:
        sys.stdout.write(json.dumps(json_safe(result)) + "\n")
        return 0
    print_report(out, result)
    return 0


def print_report(console: Any, result: dict[str, Any]) -> None:
    """The rankings per seed and the agreement, as tables."""
    from rich.table import Table

    names = result["features"]
    k = result["agreement"]["gradient"]["k"]
    table = Table(title=f"{result['experiment']} · {len(result['seeds'])} models · {result['epochs']} epochs each · top {k} inputs",
                  title_justify="left")
    table.add_column("seed", justify="right")
    metric = next((m for m in ("accuracy", "r2") if m in result["seeds"][0]["test"]), None)
    if metric:
        table.add_column(f"test {metric}", justify="right")
    table.add_column(f"by {LABELS['gradient']}")
    table.add_column(f"by {LABELS['weights']}")
    for r in result["seeds"]:
        row = [str(r["seed"])]
        if metric:
            row.append(f"{r['test'][metric]:.4f}")
        row += [", ".join(names[i] for i in r["rank_gradient"][:k]), ", ".join(names[i] for i in r["rank_weights"][:k])]
        table.add_row(*row)
    console.print(table)
    agree = Table(title="agreement across the models", title_justify="left")
    agree.add_column("reading")
    agree.add_column("most often first")
    agree.add_column(f"top-{k} overlap", justify="right")
    agree.add_column("Spearman ρ", justify="right")
    n = len(result["seeds"])
    for method in ("gradient", "weights"):
        a = result["agreement"][method]
        agree.add_row(LABELS[method], f"{names[a['top1']]} ({round(a['top1_share'] * n)}/{n})", f"{a['topk_overlap']:.2f}", f"{a['spearman']:.2f}")
    console.print(agree)
    g, w = result["agreement"]["gradient"], result["agreement"]["weights"]
    if g["spearman"] > w["spearman"]:
        console.print(f"The gradient ranking is the more stable one (ρ {g['spearman']:.2f} vs {w['spearman']:.2f}): it reads the whole "
                      "network, while |W¹| ignores what later layers do with each first-layer unit.", markup=False)

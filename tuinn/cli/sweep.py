"""``tuinn sweep SPEC --grid KEY=V1,V2,… [--grid …] [--seeds S] [--json]``: a hyperparameter grid, ranked.

Trains every grid point × seed (see :mod:`tuinn.training.sweep`: each run is the one
``tuinn train SPEC --set KEY=V …`` would train, runs of one architecture trained
together on the batched engine), prints a table sorted by mean held-out loss with
mean ± std over the seeds, and writes ``sweep.json`` into a new folder
(``runs/<name>-sweep-<timestamp>`` or ``--out DIR``, which must be new or empty).
Every bad key or value is refused in one line, exit 2, before anything is trained or
written. Progress lines and the table go to stdout, or to stderr with ``--json``,
whose object (the content of ``sweep.json``) is then the only thing on stdout.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import sys
from pathlib import Path
from typing import Any

SCORES = ("accuracy", "r2")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``tuinn sweep`` (called by :func:`tuinn.cli.build_parser`)."""
    from tuinn.cli import _positive

    sw = sub.add_parser(
        "sweep",
        help="train a grid of hyperparameters (several seeds each, batched) and rank it by held-out loss",
        description=("Train every combination of the --grid values (each run is the one `tuinn train SPEC --set KEY=V` would "
                     "train), several seeds each, and print them sorted by held-out loss, mean ± std over the seeds. "
                     "Runs of one architecture train together on the batched NumPy engine. Writes sweep.json."),
    )
    sw.add_argument("config", metavar="SPEC", help="experiment TOML file or built-in name")
    sw.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,…",
                    help="a key as --set takes it and its values, e.g. --grid train.learning_rate=0.01,0.03,0.1 (repeatable: "
                         "the grid is every combination)")
    sw.add_argument("--seeds", type=_positive, default=1, metavar="S",
                    help="seeds per grid point: the spec's seed, seed+1, … (default 1: the spec's seed)")
    sw.add_argument("--epochs", type=_positive, metavar="N", help="epochs per run (overrides train.epochs)")
    sw.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a spec value for every run (repeatable)")
    sw.add_argument("--out", metavar="DIR", help="folder for sweep.json (default runs/<name>-sweep-<timestamp>); must be new or empty")
    sw.add_argument("--json", action="store_true", help="stdout: one JSON object (sweep.json's content); the table goes to stderr")
    sw.set_defaults(func=sweep_command)


def _cell(stats: dict[str, Any]) -> str:
    """``mean ± std`` (four decimals), the mean alone for one seed, "—" when there is none."""
    mean, std = stats.get("mean"), stats.get("std")
    if mean is None or not math.isfinite(mean):
        return "—"
    return f"{mean:.4f}" if std is None else f"{mean:.4f} ± {std:.4f}"


def table(result: Any) -> Any:
    """The rich table: one row per grid point, best held-out loss first."""
    from rich.table import Table
    from rich.text import Text  # grid keys and values are the user's text: never read as rich markup

    rows = result.rows
    held = rows[0]["held_out"] if rows else "test"
    score = next((s for s in SCORES if any(f"held_out_{s}" in r for r in rows)), None)
    seeds = len(result.seeds)
    title = f"tuinn sweep · {len(rows)} grid points × {seeds} seed{'s' if seeds > 1 else ''} · sorted by {held} loss"
    t = Table(title=Text(title), title_justify="left")
    diverged = any(r["diverged"] for r in rows)
    t.add_column("#", justify="right")
    for axis in result.axes:
        t.add_column(Text(axis.key), no_wrap=True)
    t.add_column(f"{held} loss", justify="right", no_wrap=True)
    t.add_column("train loss", justify="right", no_wrap=True)
    if score:
        t.add_column(f"{held} {score}", justify="right", no_wrap=True)
    if diverged:
        t.add_column("diverged")
    for rank, row in enumerate(rows, 1):
        cells: list[str | Text] = [str(rank), *[Text(row["values"][a.key]) for a in result.axes], _cell(row["held_out_loss"]),
                                   _cell(row["train_loss"])]
        if score:
            cells.append(_cell(row.get(f"held_out_{score}", {})))
        if diverged:
            cells.append(", ".join(f"seed {d['seed']} in epoch {d['epoch']}" for d in row["diverged"]))
        t.add_row(*cells)
    return t


def notes(runs: list[Any]) -> list[str]:
    """What a sweep does differently from ``tuinn train`` for these runs' specs, said once each."""
    out = []
    if any(r.exp.train.kfold for r in runs):
        out.append("train.kfold is not run by a sweep: each run is ranked by its final model's held-out loss")
    if any(r.exp.train.backend == "torch" for r in runs):
        out.append('train.backend = "torch": a sweep trains on the NumPy engine (the weights agree with torch\'s to rounding)')
    return out


def sweep_command(args: argparse.Namespace) -> int:
    from rich.console import Console

    from tuinn.config.spec import from_dict, to_dict
    from tuinn.training.paths import slug
    from tuinn.training.run import read_spec
    from tuinn.training.run_folder import prepare_out
    from tuinn.training.sweep import parse_grid, plan

    axes = parse_grid(args.grid)
    raw, source = read_spec(args.config, args.set)
    if args.epochs is not None:
        raw.setdefault("train", {})["epochs"] = args.epochs
    base = from_dict(copy.deepcopy(raw), source)  # the spec and --set alone: their errors are theirs, not the grid's
    runs = plan(raw, source, axes, args.seeds)
    stream = sys.stderr if args.json else sys.stdout
    # Piped, rich would wrap the table at 80 columns; a wide grid stays readable at its own width.
    console = Console(file=stream, highlight=False, soft_wrap=True, width=None if stream.isatty() else 200)
    existed = args.out is not None and Path(args.out).is_dir()
    folder = prepare_out(args.out, f"{slug(base.name)}-sweep")
    try:
        return _train_and_report(args, runs, axes, to_dict(base), base.name, folder, console)
    except BaseException:
        if not existed and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()  # stopped (Ctrl-C) before sweep.json: leave no empty folder behind
        raise


def _train_and_report(args: argparse.Namespace, runs: list[Any], axes: list[Any], spec: dict[str, Any], name: str, folder: Path,
                      console: Any) -> int:
    """Train the planned runs, write ``sweep.json``, show the table (and the JSON line with --json)."""
    from tuinn.training import checkpoint
    from tuinn.training.run_folder import json_safe, writing
    from tuinn.training.sweep import sweep

    console.print(f"tuinn sweep · {name} · {len(runs)} runs ({len(runs) // args.seeds} grid points × {args.seeds} seeds) "
                  f"· NumPy engine, batched · {folder}", markup=False)
    for note in notes(runs):
        console.print(f"note: {note}", markup=False)

    progress = task = None
    if console.is_terminal:  # a bar only where a person watches; piped output stays a few lines
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(TextColumn("[bold]sweep"), BarColumn(), MofNCompleteColumn(), TextColumn("model-epochs"),
                            TimeElapsedColumn(), console=console, transient=True)
        task = progress.add_task("sweep", total=sum(r.exp.train.epochs for r in runs))

    def on_epoch(models: int) -> None:
        if progress is not None:
            progress.advance(task, models)  # type: ignore[arg-type]

    def on_group(number: int, of: int, models: int, seconds: float) -> None:
        console.print(f"group {number}/{of}: {models} model{'s' if models > 1 else ''} trained together in {seconds:.2f} s",
                      markup=False)

    if progress is not None:
        progress.start()
    try:
        result = sweep(runs, axes, spec, on_group=on_group, on_epoch=on_epoch)
    finally:
        if progress is not None:
            progress.stop()
    payload: dict[str, Any] = json_safe(result.to_json())
    with writing(folder / "sweep.json"):
        checkpoint.atomic_write_text(folder / "sweep.json", json.dumps(payload, indent=1) + "\n")
    console.print(table(result))
    console.print(f"wrote {folder / 'sweep.json'}", markup=False)
    if args.json:
        sys.stdout.write(json.dumps(payload) + "\n")
    return 0

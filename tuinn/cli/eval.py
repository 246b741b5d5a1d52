"""``tuinn eval RUN_DIR_OR_CHECKPOINT [--data CONFIG_OR_CSV] [--threshold T] [--latent LAYER] [--json]``.

Per split (train, test, validation, whole): the metrics at the threshold, for a binary
problem the point where sensitivity = specificity, and the ROC points (``roc``, by split).
``--latent LAYER`` adds the 2-D PCA coordinates of that layer's activations (all samples).
The numbers come from :mod:`tuinn.analysis.saved_model`; this module checks the
arguments and prints: a table and a line per split, or one JSON object with ``--json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tuinn.analysis.saved_model import evaluate_other, evaluate_own, latent_json, open_saved
from tuinn.cli.train import SPLITS, results_table
from tuinn.errors import TuinnError
from tuinn.training.run_folder import json_safe


def eval_command(args: Any) -> int:
    """``tuinn eval``: refuse bad arguments in one line, then print the report (or its JSON)."""
    threshold = getattr(args, "threshold", 0.5)
    if not 0.0 <= threshold <= 1.0:
        raise TuinnError(f"--threshold {threshold:g}: must be between 0 and 1")
    ckpt, saved, exp = open_saved(Path(args.run))
    latent_layer = getattr(args, "latent", None)
    if latent_layer is not None and not 0 <= latent_layer <= len(exp.model.layers):
        raise TuinnError(f"--latent {latent_layer}: the model has layers 0 (inputs) to {len(exp.model.layers)}")
    if args.data is not None and latent_layer is not None:
        raise TuinnError("--latent works on the model's own data; it cannot be combined with --data")
    payload: dict[str, Any] = {"checkpoint": str(ckpt)}
    if args.data is None:
        trainer, report = evaluate_own(exp, saved, ckpt, threshold)
        splits = report["splits"]
        payload.update(task=report["task"], threshold=threshold)
        roc = {name: r.pop("roc") for name, r in splits.items() if "roc" in r}
        payload.update(splits)
        payload["roc"] = roc
        if latent_layer is not None:
            payload["latent"] = latent_json(trainer, latent_layer)
        title = f"{exp.name} · {ckpt}" + (f" · threshold {threshold:g}" if trainer.dataset.labels is not None else "")
    else:
        splits = {"data": evaluate_other(exp, saved, ckpt, args.data, threshold)}
        payload["threshold"] = threshold
        roc = {"data": splits["data"].pop("roc")} if "roc" in splits["data"] else {}
        payload.update(data=splits["data"], roc=roc)
        title = f"{exp.name} · {ckpt} on {args.data}"
    if args.json:
        sys.stdout.write(json.dumps(json_safe(payload)) + "\n")
        return 0
    print_report(splits, title, payload.get("latent"))
    return 0


def print_report(splits: dict[str, dict[str, Any]], title: str, latent: dict[str, Any] | None) -> None:
    """The table of every split, the equal-error point of each binary split, the latent space's explained variance."""
    from rich.console import Console

    console = Console(highlight=False)
    console.print(results_table(splits, title, columns=[*SPLITS, "whole", "data"]))
    for name, r in splits.items():
        eq = r.get("equal_error")
        if eq:
            console.print(f"{name}: sensitivity = specificity at threshold {eq['threshold']:.4f}: "
                          f"sensitivity {eq['sensitivity']:.4f}, specificity {eq['specificity']:.4f}", markup=False)
    if latent is not None:
        console.print(f"latent space of {latent['layer_name']}: PCA, explained variance "
                      + ", ".join(f"{v:.1%}" for v in latent["explained"]) + " (the coordinates are in --json)", markup=False)

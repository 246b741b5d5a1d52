"""The concept labs: one idea of the lecture per screen, described by a data file.

Each ``<name>.toml`` here gives the lab's title, its explanation (text shown beside it)
and, for the labs that train, the base experiment and the variants compared side by
side (``set`` lists in the ``section.key=value`` form of ``tuinn train --set``). The
screens that draw them live in :mod:`tuinn.tui.screens.labs`; nothing here imports
textual, so ``tuinn lab --list`` and the tests can read the labs headless.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from tuinn.config.spec import Experiment, from_dict
from tuinn.errors import TuinnError

#: Lab names in the lecture's order, with the kind of screen each one uses.
KINDS = {
    "neuron": "neuron",
    "activations": "activations",
    "linear-collapse": "collapse",
    "learning-rate": "runs",
    "overfitting": "runs",
}


@dataclass(frozen=True)
class Group:
    """Variants drawn together; ``plot`` is ``overlay`` (one loss plot, a train curve per variant) or ``each``."""

    title: str
    plot: str
    variants: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Lab:
    name: str
    title: str
    kind: str
    text: str
    experiment: Experiment | None = None
    epochs: int = 0  # how far the "run" key trains (0: until paused)
    groups: tuple[Group, ...] = field(default_factory=tuple)


def lab_names() -> list[str]:
    return list(KINDS)


def _experiment(raw: Any, where: str) -> Experiment | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        from tuinn.config.experiments import resolve
        from tuinn.config.spec import loads

        return loads(*resolve(raw))
    return from_dict(raw, where)


def load_lab(name: str) -> Lab:
    """Read a lab's data file (one-line TuinnError for an unknown name)."""
    if name not in KINDS:
        raise TuinnError(f"no lab {name!r} (labs: {', '.join(KINDS)})")
    text = resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    where = f"lab {name}"
    groups = tuple(
        Group(g["title"], g.get("plot", "overlay"), tuple((v["label"], tuple(v.get("set", []))) for v in g["variant"]))
        for g in raw.get("group", [])
    )
    return Lab(name=name, title=raw["title"], kind=KINDS[name], text=raw["text"].strip(),
               experiment=_experiment(raw.get("experiment"), where), epochs=int(raw.get("epochs", 0)), groups=groups)

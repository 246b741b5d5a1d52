"""The concept labs: one idea of the lecture per screen, described by a data file.

Each ``<name>.toml`` here gives the lab's title, its explanation (text shown beside it)
and, for the labs that train, the base experiment and the variants compared side by
side (``set`` lists in the ``section.key=value`` form of ``tuinn train --set``). The
screens that draw them live in :mod:`tuinn.tui.screens.labs`; nothing here imports
textual, so ``tuinn lab --list`` and the tests can read the labs headless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from tuinn.config.spec import Checker, Experiment
from tuinn.course.files import preset, read_toml, required, string_list, text_field, variant
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


#: The keys a lab file may hold.
LAB_KEYS = ("title", "text", "experiment", "epochs", "group")
#: Kinds whose screen trains the variants of an experiment (they need both).
TRAINED_KINDS = ("collapse", "runs")
PLOTS = ("overlay", "each")


def lab_names() -> list[str]:
    return list(KINDS)


def lab_folder() -> Traversable:
    """Where the lab files are (the tests point it at a folder of crafted files)."""
    return resources.files(__name__)


def load_lab(name: str) -> Lab:
    """Read and check a lab's data file (one-line TuinnError for an unknown name or a bad file)."""
    if name not in KINDS:
        raise TuinnError(f"no lab {name!r} (labs: {', '.join(KINDS)})")
    raw, c = read_toml(lab_folder().joinpath(f"{name}.toml"))
    return parse_lab(name, raw, c)


def parse_lab(name: str, raw: dict[str, Any], c: Checker) -> Lab:
    """A :class:`Lab` from a parsed file, every key checked; ``c`` names the file in messages."""
    c.table(raw, "", LAB_KEYS)
    title = text_field(raw, "title", c)
    text = text_field(raw, "text", c)
    experiment = preset(raw.get("experiment"), c)
    epochs = c.integer(raw.get("epochs", 0), "epochs", lo=0)
    groups = _groups(raw.get("group", []), experiment, c)
    kind = KINDS[name]
    if kind in TRAINED_KINDS and (experiment is None or not groups):
        raise c.fail("experiment" if experiment is None else "group", f"a {kind} lab trains variants: it needs an experiment and a [[group]]")
    return Lab(name=name, title=title, kind=kind, text=text, experiment=experiment, epochs=epochs, groups=groups)


def _groups(raw: Any, experiment: Experiment | None, c: Checker) -> tuple[Group, ...]:
    """``[[group]]`` tables, each with ``[[group.variant]]`` tables; variants must validate against the experiment."""
    if not isinstance(raw, list):
        raise c.fail("group", "must be [[group]] tables")
    if raw and experiment is None:
        raise c.fail("group", "variants vary an experiment: give the lab an experiment")
    groups = []
    for g, table in enumerate(raw, 1):
        key = f"group[{g}]"
        c.table(table, key, ("title", "plot", "variant"))
        title = c.string(required(table, "title", c, f"{key}.title"), f"{key}.title")
        plot = c.choice(table.get("plot", "overlay"), f"{key}.plot", PLOTS, "plot")
        variants = table.get("variant")
        if not isinstance(variants, list) or not variants:
            raise c.fail(f"{key}.variant", "must be one or more [[group.variant]] tables")
        groups.append(Group(title, plot, tuple(_variant(v, f"{key}.variant[{i}]", experiment, c) for i, v in enumerate(variants, 1))))
    return tuple(groups)


def _variant(raw: Any, key: str, experiment: Experiment | None, c: Checker) -> tuple[str, tuple[str, ...]]:
    c.table(raw, key, ("label", "set"))
    label = c.string(required(raw, "label", c, f"{key}.label"), f"{key}.label")
    overrides = string_list(raw.get("set", []), f"{key}.set", c)
    if experiment is not None:
        variant(experiment, overrides, f"{key}.set", c)
    return label, overrides

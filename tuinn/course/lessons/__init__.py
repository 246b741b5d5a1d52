"""The lessons: the lecture in order, each a short text and a preset that shows only what it needs.

Each ``NN-<slug>.toml`` holds a lesson's number, title and text, and either a ``lab`` to
open or an ``experiment`` (a built-in name or an inline spec) for the playground, plus
the controls it ``introduces``. A lesson shows the controls introduced by it and by
every lesson before it, so the screen grows with the course, as TensorFlow Playground's
classroom mode hides what has not been taught yet. Headless: no textual.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from tuinn.config.spec import Experiment, from_dict
from tuinn.course.labs import KINDS
from tuinn.errors import ConfigError, TuinnError

#: Every control a lesson can introduce: the playground's panel rows (by widget id), its
#: buttons, its screens and its keys.
CONTROLS = {
    # Data panel
    "source", "noise", "test_fraction", "batch_size", "classes", "validation_fraction", "balance", "regenerate",
    # Features panel
    "features",
    # Hyperparameters panel
    "learning_rate", "optimizer", "regularization", "reg_rate", "early_stopping", "problem", "backend",
    "layers", "layer", "activation", "norm", "dropout", "neurons",
    # keys and screens
    "play", "step_through", "evaluate", "latent", "weights_insight",
}


@dataclass(frozen=True)
class Lesson:
    number: int
    slug: str
    title: str
    text: str
    lab: str | None
    experiment: Experiment | None
    introduces: tuple[str, ...]


def _parse(name: str, text: str) -> Lesson:
    where = f"lesson file {name}"
    m = re.fullmatch(r"(\d+)-([a-z0-9-]+)\.toml", name)
    if m is None:
        raise TuinnError(f"{where}: lesson files are named NN-slug.toml")
    raw: dict[str, Any] = tomllib.loads(text)
    lab = raw.get("lab")
    if lab is not None and lab not in KINDS:
        raise ConfigError("lab", f"no lab {lab!r}", where)
    exp_raw = raw.get("experiment")
    if (lab is None) == (exp_raw is None):
        raise ConfigError("experiment", "a lesson has either a lab or an experiment", where)
    experiment = None
    if isinstance(exp_raw, str):
        from tuinn.config.experiments import resolve
        from tuinn.config.spec import loads

        experiment = loads(*resolve(exp_raw))
    elif exp_raw is not None:
        experiment = from_dict(exp_raw, where)
    introduces = tuple(raw.get("introduces", []))
    unknown = [c for c in introduces if c not in CONTROLS]
    if unknown:
        raise ConfigError("introduces", f"unknown control {unknown[0]!r}", where)
    return Lesson(int(m.group(1)), m.group(2), raw["title"], raw["text"].strip(), lab, experiment, introduces)


def lessons() -> list[Lesson]:
    """Every lesson, in order."""
    files = sorted(p for p in resources.files(__name__).iterdir() if p.name.endswith(".toml"))
    return [_parse(p.name, p.read_text(encoding="utf-8")) for p in files]


def lesson(number: int) -> tuple[Lesson, frozenset[str]]:
    """Lesson ``number`` and the controls shown in it (introduced by it or any lesson before)."""
    all_lessons = lessons()
    numbers = [les.number for les in all_lessons]
    if number not in numbers:
        raise TuinnError(f"no lesson {number} (lessons {numbers[0]}-{numbers[-1]}; see tuinn lesson list)")
    shown: set[str] = set()
    for les in all_lessons:
        shown.update(les.introduces)
        if les.number == number:
            return les, frozenset(shown)
    raise AssertionError("unreachable")

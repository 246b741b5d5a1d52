"""The lessons: the lecture in order, each a short text and a preset that shows only what it needs.

Each ``NN-<slug>.toml`` holds a lesson's number, title and text, and either a ``lab`` to
open or an ``experiment`` (a built-in name or an inline spec) for the playground, plus
the controls it ``introduces``. A lesson shows the controls introduced by it and by
every lesson before it, so the screen grows with the course, as TensorFlow Playground's
classroom mode hides what has not been taught yet. Headless: no textual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from tuinn.config.spec import Checker, Experiment
from tuinn.course.files import preset, read_toml, string_list, text_field
from tuinn.course.labs import KINDS
from tuinn.errors import TuinnError

#: Every control a lesson can introduce: the playground's panel rows (by widget id), its
#: buttons, its screens and its keys.
CONTROLS = {
    # Data panel
    "source", "noise", "test_fraction", "batch_size", "classes", "validation_fraction", "balance", "regenerate",
    # Features panel
    "features",
    # Hyperparameters panel
    "learning_rate", "schedule", "optimizer", "regularization", "reg_rate", "early_stopping", "problem", "backend",
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


#: The keys a lesson file may hold (its number and slug are its file name).
LESSON_KEYS = ("title", "text", "lab", "experiment", "introduces")


def lesson_folder() -> Traversable:
    """Where the lesson files are (the tests point it at a folder of crafted files)."""
    return resources.files(__name__)


def parse_lesson(name: str, raw: dict[str, Any], c: Checker) -> Lesson:
    """A :class:`Lesson` from a parsed ``NN-slug.toml``, every key checked; ``c`` names the file."""
    m = re.fullmatch(r"(\d+)-([a-z0-9-]+)\.toml", name)
    if m is None:
        raise TuinnError(f"{c.source}: lesson files are named NN-slug.toml")
    c.table(raw, "", LESSON_KEYS)
    title = text_field(raw, "title", c)
    text = text_field(raw, "text", c)
    lab = raw.get("lab")
    if lab is not None:
        lab = c.choice(lab, "lab", tuple(KINDS), "lab")
    if (lab is None) == ("experiment" not in raw):
        raise c.fail("experiment", "a lesson has either a lab or an experiment")
    experiment = preset(raw.get("experiment"), c)
    introduces = string_list(raw.get("introduces", []), "introduces", c)
    for i, control in enumerate(introduces, 1):
        c.choice(control, f"introduces[{i}]", tuple(sorted(CONTROLS)), "control")
    return Lesson(int(m.group(1)), m.group(2), title, text, lab, experiment, introduces)


def lessons() -> list[Lesson]:
    """Every lesson, in order, each file checked."""
    files = sorted((p for p in lesson_folder().iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)
    return [parse_lesson(p.name, *read_toml(p)) for p in files]


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

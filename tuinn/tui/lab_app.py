"""The concept labs as an app (``tuinn lab NAME``, the lab lessons of ``tuinn lesson N``).

Each lab is a screen (in :mod:`tuinn.tui.screens.labs`) built from its data file; this
module maps a lab's kind to its screen, so that the playground's command palette and
this app open the same thing. In a lesson, ``>`` and ``<`` leave with "next" or
"previous" and ``tuinn lesson`` opens that lesson.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from textual.binding import Binding
from textual.screen import Screen

from tuinn.course.labs import Lab, load_lab
from tuinn.course.lessons import Lesson
from tuinn.tui.palette import PaletteApp
from tuinn.tui.widgets.lesson_text import lesson_markdown

#: Lab kind → (module, class) of its screen.
SCREENS = {
    "neuron": ("tuinn.tui.screens.labs.neuron_lab", "NeuronLab"),
    "activations": ("tuinn.tui.screens.labs.activations_lab", "ActivationsLab"),
    "collapse": ("tuinn.tui.screens.labs.collapse_lab", "CollapseLab"),
    "runs": ("tuinn.tui.screens.labs.runs_lab", "RunsLab"),
}


def lab_screen(lab: Lab, lesson: str | None = None) -> Screen[Any]:
    """The screen of ``lab`` (``lesson``: markdown shown above the lab's own text)."""
    module, name = SCREENS[lab.kind]
    return getattr(import_module(module), name)(lab, lesson)


class LabApp(PaletteApp[str | None]):
    """One lab, full screen; closing the lab (escape) quits."""

    TITLE = "tuinn lab"
    BINDINGS = [
        Binding("greater_than_sign", "leave('next')", "next lesson", id="next_lesson", key_display=">"),
        Binding("less_than_sign", "leave('previous')", "previous lesson", id="previous_lesson", key_display="<"),
        Binding("q", "leave('')", "quit", id="quit"),
    ]

    def __init__(self, name: str, lesson: Lesson | None = None) -> None:
        super().__init__()
        self.lab = load_lab(name)
        self.lesson = lesson
        self.title = f"tuinn lab · {self.lab.title}"
        #: The command that opens this screen again, as typed: a crash line names it (:func:`tuinn.tui.runner.run_app`).
        self.command = f"tuinn lesson {lesson.number}" if lesson is not None else f"tuinn lab {name}"

    def on_mount(self) -> None:
        text = lesson_markdown(self.lesson) if self.lesson is not None else None
        self.push_screen(lab_screen(self.lab, text), lambda _: self.exit(None))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave" and parameters and parameters[0] in ("next", "previous"):
            return self.lesson is not None
        return True

    def action_leave(self, where: str) -> None:
        self.exit(where or None)

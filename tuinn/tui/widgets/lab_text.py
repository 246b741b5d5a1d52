"""The explanation beside a concept lab: the lesson (when a lesson opened the lab) above the lab's own text.

Both texts are Markdown from the package's data files (``tuinn/labs/*.toml``,
``tuinn/lessons/*.toml``), so they go through textual's Markdown widget, which treats
them as documents, not as console markup. A lesson wraps the lab: its text comes first,
then a rule, then the lab's text with the keys. The panel scrolls when the two do not
fit, without taking the focus (the labs' arrow keys drive the sliders).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown


def lab_markdown(text: str, lesson: str | None = None) -> str:
    """The panel's document: ``lesson``, a rule, then ``text`` (only ``text`` without a lesson)."""
    if lesson and lesson.strip():
        return f"{lesson.strip()}\n\n---\n\n{text.strip()}"
    return text.strip()


class LabText(VerticalScroll, can_focus=False):
    """A scrolling Markdown panel with a title in its border."""

    DEFAULT_CSS = """
    LabText { border: round $primary; padding: 0 1; }
    LabText > Markdown { margin: 0; padding: 0; }
    """

    def __init__(self, text: str, lesson: str | None = None, *, title: str = "", id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.document = lab_markdown(text, lesson)
        self._title = title

    def compose(self) -> ComposeResult:
        yield Markdown(self.document)

    def on_mount(self) -> None:
        if self._title:
            self.border_title = Text(self._title)

"""A bare app around one screen, for the tests of that screen alone.

TuinnApp and LabApp bring the playground, its timers and their own keys; a test of a lab
(or a snapshot of one) wants the screen and nothing else, and its footer listing that
screen's keys only.
"""

from __future__ import annotations

from textual.app import App
from textual.screen import Screen


class Host(App[None]):
    """Opens ``screen`` when mounted. The title is part of an SVG snapshot (its window bar): the default is "Host"."""

    def __init__(self, screen: Screen[None], title: str | None = None) -> None:
        super().__init__()
        self.hosted = screen
        if title is not None:
            self.title = title

    def on_mount(self) -> None:
        self.push_screen(self.hosted)

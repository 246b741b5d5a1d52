"""The terms of a step-through stage: the main panel, focusable, scrolled by keyboard.

A stage writes 15 to 90 lines, matrices up to a few hundred columns wide, and a box that
could not be focused showed its first ten: most of the numbers were out of reach. This
panel scrolls both ways: ↑ ↓ PgUp PgDn Home End down the page, shift+← shift+→ (or < >)
and ctrl+PgUp ctrl+PgDn sideways, for matrices wider than the screen. ← → are left to the
screen (they walk the stages), so the keys that move through the step stay the same
wherever the focus is.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.widgets import Static

#: A stage's lines by their indentation: headings, equations in symbols, their numbers.
HEADING, SYMBOLS = "bold", "bold cyan"


def styled(lines: list[str]) -> Text:
    """Headings (no indent) bold, the equations in symbols (indent 2) lit, their numbers (deeper) plain."""
    text = Text(no_wrap=True, overflow="ignore")
    for i, line in enumerate(lines):
        if i:
            text.append("\n")
        depth = len(line) - len(line.lstrip(" "))
        text.append(line, style=HEADING if depth == 0 else SYMBOLS if depth == 2 else "")
    return text


class TermsView(ScrollableContainer, can_focus=True, inherit_bindings=False):
    """Plain lines (``w[i,1]`` is not markup), never wrapped: a matrix row stays one line."""

    BINDINGS = [
        Binding("up", "go('up')", "scroll up", show=False),
        Binding("down", "go('down')", "scroll down", show=False),
        Binding("pageup", "go('page_up')", "page up", show=False),
        Binding("pagedown", "go('page_down')", "page down", show=False),
        Binding("home", "go('home')", "top", show=False),
        Binding("end", "go('end')", "bottom", show=False),
        Binding("shift+left,less_than_sign", "go('left')", "sideways", show=False),
        Binding("shift+right,greater_than_sign", "go('right')", "sideways", show=False),
        Binding("ctrl+pageup", "go('page_left')", "page left", show=False),
        Binding("ctrl+pagedown", "go('page_right')", "page right", show=False),
    ]
    DEFAULT_CSS = """
    TermsView { height: 1fr; border: round $primary; padding: 0 1; scrollbar-size: 1 1; }
    TermsView:focus { border: round $accent; }
    TermsView > Static { width: auto; height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[str] = []

    def _subtitle(self) -> None:
        """The keys, and the sideways ones only when a line is wider than the panel."""
        widest = max((len(line) for line in self.lines), default=0)
        self.border_subtitle = "↑↓ PgUp PgDn Home End" + (" · ⇧← ⇧→ sideways" if widest > self.scrollable_content_region.width else "")

    def on_resize(self) -> None:
        self._subtitle()

    def action_go(self, where: str) -> None:
        """Scroll at once (a page of numbers that glides is harder to follow); Home/End go down the page only."""
        if where in ("home", "end"):
            (self.scroll_home if where == "home" else self.scroll_end)(animate=False, x_axis=False)
        else:
            getattr(self, f"scroll_{where}")(animate=False)

    def compose(self) -> ComposeResult:
        yield Static(id="terms-text")

    def show(self, lines: list[str], title: str, keep_position: bool = False) -> None:
        """Show ``lines``; a new stage starts at its top-left, the same stage redrawn stays where it was."""
        self.lines = lines
        text = styled(lines)
        self.query_one("#terms-text", Static).update(text)
        self.border_title = title
        self._subtitle()
        if not keep_position:
            self.scroll_to(0, 0, animate=False)

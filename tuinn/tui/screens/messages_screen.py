"""The last warnings of the playground in full (`m`): why training paused, why an edit was refused.

Why a screen: the notification that announces a warning goes away after a few seconds, and
the status line cuts a long one to its width (at 80 columns, 48 cells). This screen shows
each one whole, wrapped, newest last, with the epoch it came at: the full text is one key
away at any terminal size.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

#: How many warnings the playground keeps for this screen.
KEPT = 50


def messages_text(messages: Sequence[str]) -> Text:
    """The warnings, newest last, one paragraph each; a line saying there are none."""
    if not messages:
        return Text("No warnings yet: a pause or a refused edit is listed here with its full reason.")
    return Text("\n\n").join(Text(f"⚠ {m}") for m in messages)


class MessagesScreen(ModalScreen[None]):
    """The playground's last warnings, whole; `escape`, `m` or `q` closes it."""

    BINDINGS = [Binding("escape,m,q", "close", "close", id="messages.close")]
    DEFAULT_CSS = """
    MessagesScreen { align: center middle; }
    MessagesScreen > VerticalScroll { width: 90%; max-width: 100; height: auto; max-height: 80%;
                                      border: thick $warning; background: $surface; padding: 0 1; }
    """

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__()
        self.messages = list(messages)

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll()
        scroll.border_title = f"Warnings ({len(self.messages)}) · escape closes"
        with scroll:
            yield Static(messages_text(self.messages), id="messages-text")

    def on_mount(self) -> None:
        scroll = self.query_one(VerticalScroll)
        scroll.focus()
        scroll.scroll_end(animate=False)  # the newest is last

    def action_close(self) -> None:
        self.dismiss(None)

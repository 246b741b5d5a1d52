"""The one message every control panel posts: the user asked to change something."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class Edit(Message):
    """``what`` names the change ("source", "noise", "features", "learning_rate", …)."""

    def __init__(self, what: str, value: Any) -> None:
        super().__init__()
        self.what = what
        self.value = value

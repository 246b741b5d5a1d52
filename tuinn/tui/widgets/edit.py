"""The one message every control panel posts (the user asked to change something), and
what the panels share about their Selects."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class Edit(Message):
    """``what`` names the change ("source", "noise", "features", "learning_rate", …)."""

    def __init__(self, what: str, value: Any) -> None:
        super().__init__()
        self.what = what
        self.value = value


def with_value(options: list[Any], value: Any) -> list[Any]:
    """``options`` plus ``value`` in numeric order when it is not one of them.

    An experiment file may say ``learning_rate = 0.05`` or ``batch_size = 16``: the Select
    must show that value, not the nearest option (showing 0.03 would be a lie, and
    choosing it would change the experiment).
    """
    if value in options:
        return list(options)
    numbers = [o for o in options if not isinstance(o, str)]
    words = [o for o in options if isinstance(o, str)]
    return sorted([*numbers, value]) + words


class ArmedPanel:
    """Mixin for the control panels: Select changes count only once the panel is on screen.

    Textual's Select announces its initial value with a Changed message when it mounts;
    taken as edits, those would restart the playground and could change the experiment.
    """

    _armed = False

    def on_mount(self) -> None:
        self.call_after_refresh(self._arm)  # type: ignore[attr-defined]

    def _arm(self) -> None:
        self._armed = True

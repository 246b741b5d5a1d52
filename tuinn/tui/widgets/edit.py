"""The one message every control panel posts (the user asked to change something), and
what the panels share about their Selects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.message import Message
from textual.widgets import Select

from tuinn.tui.widgets.compact_select import CompactSelect


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
    """Mixin for the control panels: Select changes count only once the panel is on screen,
    and a panel redraws a Select from the session without announcing it.

    Textual's Select announces its initial value with a Changed message when it mounts;
    taken as edits, those would restart the playground and could change the experiment.
    """

    _armed = False

    def make_select(self, key: str, options: Sequence[tuple[str, Any]], value: Any, disabled: bool = False) -> Select[Any]:
        """A compact Select ``#key`` showing ``value`` (its options remembered for :meth:`show_select`)."""
        options = tuple(options)
        self.__dict__.setdefault("_drawn_options", {})[key] = options
        return CompactSelect(options, value=value, id=key, disabled=disabled)

    def show_select(self, key: str, options: Sequence[tuple[str, Any]], value: Any, disabled: bool = False) -> None:
        """Draw ``value`` (and ``options`` when they changed) in the Select ``#key``, posting no edit.

        The options are replaced only when they differ from the ones drawn last: a loaded
        file's own value (a learning rate of 0.05) adds an option, and the next file may not.
        """
        select: Select[Any] = self.query_one(f"#{key}", Select)  # type: ignore[attr-defined]
        drawn: dict[str, tuple[tuple[str, Any], ...]] = self.__dict__.setdefault("_drawn_options", {})
        options = tuple(options)
        with select.prevent(Select.Changed):
            if drawn.get(key) != options:
                select.set_options(options)
                drawn[key] = options
                if select.value == value:  # set_options picked it already: its label may be the old option's
                    select.mutate_reactive(Select.value)
            if select.value != value:
                select.value = value
        select.disabled = disabled

    def on_mount(self) -> None:
        self.call_after_refresh(self._arm)  # type: ignore[attr-defined]

    def _arm(self) -> None:
        self._armed = True

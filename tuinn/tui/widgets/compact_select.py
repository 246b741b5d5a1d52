"""The controls' dropdown: Textual's compact Select, whose list of options is built when it is first opened.

Why this module exists: the playground's first frame (issue 17 §6). Its controls are 19
Selects, and a Textual Select is six nodes: itself, the row showing the value (with a
label and two arrows, the up one displayed only while open) and, hidden until the Select
is opened, the list of options (an ``OptionList`` with eight component classes, each
styled like a node of its own, plus its scrollbars and timers). The hidden parts were
~10 % of the time to the first frame, for dropdowns a user opens a few of, if any. Two
further costs came from Textual setting classes on the children right after mounting
them (``-has-value`` on the value's row once it draws its first value,
``-textual-compact`` on the list by data binding): each class change restyles that node
and everything under it, a moment after the mount styled it.

:class:`CompactSelect` is Textual's ``Select(allow_blank=False, compact=True)`` with:

- the value's row born with ``-has-value`` (a Select without a blank always has a
  value), so it is styled once;
- the list (Textual's ``SelectOverlay``, with ``-textual-compact``) and the row's up
  arrow mounted the first time the Select opens (``enter``, a click,
  ``action_show_overlay``), then kept: from then on it is exactly Textual's Select.
  Until then there is nothing to highlight in the list; opening highlights the current
  value, as Textual does on every opening.

What the user sees and does is unchanged (``tests/tui/test_compact_select.py`` drives
both alike and compares their screenshots; the playground's snapshots are the same). The
same messages (``Select.Changed``), matched by ``Select`` in CSS and in queries. The price
is knowing three of Select's methods by name (``_setup_options_renderables``,
``_watch_value``, ``_watch_expanded``): each is overridden to do Select's own work, minus
the list while there is none.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Any

from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import OptionList, Select
from textual.widgets._select import SelectCurrent, SelectOverlay

#: The class Textual's ``compact`` reactive toggles on the Select and on its list.
COMPACT = "-textual-compact"
#: The class Textual's SelectCurrent sets on itself once it shows a value.
HAS_VALUE = "-has-value"


class ValueRow(SelectCurrent):
    """Select's row showing the value, whose up arrow (shown only while the list is open) is mounted with the list."""

    #: The up arrow Textual's row composes, held back until the list is first opened.
    up_arrow: Widget | None = None

    def compose(self) -> ComposeResult:
        for child in super().compose():
            if child.has_class("up-arrow"):
                self.up_arrow = child
            else:
                yield child


class CompactSelect(Select[Any]):
    """``Select(options, value=value, allow_blank=False, compact=True)``; the list of options is mounted when first opened."""

    #: The list of options, once the Select has been opened (None until then).
    _dropdown: SelectOverlay | None = None

    def __init__(self, options: Iterable[tuple[str, Any]], value: Any, *, id: str | None = None,
                 disabled: bool = False) -> None:
        super().__init__(options, value=value, allow_blank=False, id=id, compact=True, disabled=disabled)

    def compose(self) -> ComposeResult:
        """The row that shows the value, with the class it would be given as soon as it shows one."""
        current = ValueRow(self.prompt)
        current.set_reactive(SelectCurrent.has_value, True)
        current.add_class(HAS_VALUE, update=False)
        yield current

    async def _mount_dropdown(self) -> None:
        """Mount the list of options (once), filled and compact as Select's own compose and mount make it.

        Select binds its list's ``compact`` to its own; a CompactSelect is compact for life, so it is set once here."""
        if self._dropdown is not None:
            return
        dropdown = SelectOverlay(type_to_search=self._type_to_search)
        dropdown.set_reactive(OptionList.compact, self.compact)
        dropdown.set_class(self.compact, COMPACT, update=False)
        self._dropdown = dropdown
        row = self.query_one(ValueRow)
        if row.up_arrow is not None:
            await row.mount(row.up_arrow)  # after the label and the down arrow, as Textual composes them
        await self.mount(dropdown)
        super()._setup_options_renderables()

    def _setup_options_renderables(self) -> None:
        """Fill the list with the options: once there is a list (mounting it fills it)."""
        if self._dropdown is not None:
            super()._setup_options_renderables()

    def _watch_value(self, value: Any) -> None:
        """Select's own, but before there is a list: show the value's label and announce it (nothing to highlight)."""
        if self._dropdown is not None:
            super()._watch_value(value)
            return
        self._value = value
        try:
            current = self.query_one(SelectCurrent)
        except NoMatches:  # not composed yet: Select's mount sets the value again
            return
        label = next((prompt for prompt, option in self._options if option == value), None)
        if label is not None:
            current.update(label)
        self.post_message(self.Changed(self, value))

    def _watch_expanded(self, expanded: bool) -> Awaitable[None] | None:
        """Opening the first time (a click): mount the list, then open it as Select does (Textual awaits what this returns)."""
        if expanded and self._dropdown is None:
            return self._open_first_time()
        super()._watch_expanded(expanded)
        return None

    async def _open_first_time(self) -> None:
        await self._mount_dropdown()
        if self.expanded:  # still wanted open once the list is there
            super()._watch_expanded(True)

    async def action_show_overlay(self) -> None:
        """Open (enter, space, the arrows): the list first, then Select's own opening."""
        await self._mount_dropdown()
        super().action_show_overlay()

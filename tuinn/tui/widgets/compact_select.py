"""The controls' dropdown: Textual's compact Select whose children are born with the classes they get once mounted.

Why this module exists: a Textual ``Select(compact=True, allow_blank=False)`` changes
CSS classes on its children right after they are mounted: the data binding of
``compact`` sets ``-textual-compact`` on its option list (the dropdown overlay), and
drawing its first value sets ``-has-value`` on the row that shows it. Each change
restyles that node and everything under it at once, a moment after the mount styled them:
for the playground's 19 Selects, 95 extra stylings, ~4 % of the time to the first frame
(issue 17 §6).

:class:`CompactSelect` gives the two children those classes, and the reactive values
behind them, before they are mounted, so the later assignments change nothing and
restyle nothing. It is otherwise Textual's Select: the same children, the same styles
once mounted, the same messages (``Select.Changed``), matched by ``Select`` in CSS and
in queries. A Select without a blank always has a value, so its row always ends up with
``-has-value``. (The Select's own ``-textual-compact``, set in its ``__init__`` before it
is mounted, is :meth:`tuinn.tui.app.TuinnApp.update_styles`'s business.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import ComposeResult
from textual.widgets import OptionList, Select
from textual.widgets._select import SelectCurrent, SelectOverlay

#: The class Textual's ``compact`` reactive toggles on the Select and on its overlay.
COMPACT = "-textual-compact"
#: The class Textual's SelectCurrent sets on itself once it shows a value.
HAS_VALUE = "-has-value"


class CompactSelect(Select[Any]):
    """``Select(options, value=value, allow_blank=False, compact=True)``, its children styled once instead of twice."""

    def __init__(self, options: Iterable[tuple[str, Any]], value: Any, *, id: str | None = None,
                 disabled: bool = False) -> None:
        super().__init__(options, value=value, allow_blank=False, id=id, compact=True, disabled=disabled)

    def compose(self) -> ComposeResult:
        """Select's own two children, with the classes (and the values behind them) they are given right after mounting."""
        for child in super().compose():
            if isinstance(child, SelectCurrent):
                child.set_reactive(SelectCurrent.has_value, True)
                child.add_class(HAS_VALUE, update=False)
            elif isinstance(child, SelectOverlay):
                child.set_reactive(OptionList.compact, True)
                child.add_class(COMPACT, update=False)
            yield child

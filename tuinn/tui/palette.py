"""The command palette (ctrl+p) of every tuinn app, safe against keys that come too early.

Why this module exists: Textual 8.2.8's ``OptionList._move_page`` (pagedown / pageup in
the palette) reads its line cache, which ``OptionList._update_lines`` fills only once the
list has been laid out (it returns early while ``scrollable_content_region`` is empty).
The palette fills and highlights its list as soon as it has gathered the commands, so a
pagedown that arrives in the same burst of input as ctrl+p (a fast typist, a paste, key
fuzzing) finds options and a highlight but no lines, and ``self._index_to_line[0]``
raises ``KeyError``, which ends the app. :class:`CommandPalette` holds such a key back
until the list has been laid out, then does what it asked for.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from textual import command
from textual.app import App
from textual.css.query import NoMatches

ReturnType = TypeVar("ReturnType")


class CommandPalette(command.CommandPalette):
    """Textual's palette whose list keys wait for the list to be laid out."""

    def _action_command_list(self, action: str, deferred: bool = False) -> None:
        """Pass ``action`` on to the list; wait for one refresh first while it has no size.

        After one refresh a list with options has been laid out; one still without a size
        then has no room to move through, so the key is dropped rather than deferred again
        (which would wait on every refresh for as long as the terminal stays that small).
        """
        try:
            commands = self.query_one(command.CommandList)
        except NoMatches:  # a deferred key after the palette closed: nothing left to move through
            return
        if not commands.scrollable_content_region:
            if not deferred:
                self.call_after_refresh(self._action_command_list, action, True)
            return
        super()._action_command_list(action)


class PaletteApp(App[ReturnType], Generic[ReturnType]):
    """Base of tuinn's apps: ctrl+p opens :class:`CommandPalette` instead of Textual's own."""

    def action_command_palette(self) -> None:
        """Show the command palette (as :meth:`App.action_command_palette` does, with the guarded class)."""
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette"))

"""The `tuinn` app: the playground screen, the keys every screen shares, and the command palette.

The App holds screens, the palette and the keymap; the playground itself (its panels, its
keys, its training worker) is :class:`~tuinn.tui.screens.playground_screen.PlaygroundScreen`,
drawn from the session (:class:`~tuinn.session.playground.Playground`). Because the
playground's keys belong to its screen, they are off under any other screen without a list
of actions to switch off, and the palette lists the actions of whatever screen is in front.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget

from tuinn.config.spec import Experiment
from tuinn.session.pacing import SPEEDS
from tuinn.session.playground import Playground
from tuinn.tui.palette import PaletteApp
from tuinn.tui.screens.playground_screen import PlaygroundScreen

if TYPE_CHECKING:  # the lessons (and the labs they import) load when a lesson is opened: `tuinn` starts without them
    from tuinn.course.lessons import Lesson

#: Keys of the app the palette leaves out (Textual's own commands already offer them).
NOT_IN_PALETTE = frozenset({"quit", "help", "command_palette"})


class TuinnApp(PaletteApp[None]):
    """TensorFlow Playground in the terminal, with the NumPy engine (or torch) underneath."""

    CSS_PATH = Path(__file__).with_name("tuinn.tcss")
    TITLE = "tuinn"
    BINDINGS = [
        Binding("question_mark,f1", "help", "help", id="help", key_display="?"),
        Binding("greater_than_sign", "next_lesson", "next lesson", id="next_lesson", key_display=">"),
        Binding("less_than_sign", "previous_lesson", "previous lesson", id="previous_lesson", key_display="<"),
        Binding("q", "quit", "quit", id="quit"),
    ]

    def __init__(self, exp: Experiment, autoplay: bool = False, lesson: Lesson | None = None,
                 shown: frozenset[str] | None = None, playground: Playground | None = None) -> None:
        """``playground``: the session on ``exp`` when the caller built it already (``tuinn`` builds
        it first, so that a bad file fails before the screen opens): building it twice cost startup time."""
        super().__init__()
        self.lesson = lesson
        #: The session every view of this app draws from.
        self.playground = Playground(exp) if playground is None else playground
        self.playground_screen = PlaygroundScreen(self.playground, lesson=lesson, shown=shown, autoplay=autoplay)

    def on_ready(self) -> None:
        """The first frame is on screen: collect garbage again, from here on only what is new.

        ``tuinn`` turns the cyclic garbage collector off while it starts (a few hundred
        collections during the imports and the first layout, ~12 % of the time to the first
        frame, and almost nothing to collect); ``gc.freeze()`` then moves everything that
        startup made out of the collector's way, so that it is never walked again.
        """
        gc.freeze()
        gc.enable()

    def update_styles(self, node: DOMNode, animate: bool = True) -> None:
        """Restyle ``node`` after a change of its classes, unless it is not mounted yet.

        Textual restyles a node (and its children) whenever a class is set on it, even a
        node that is not on screen yet, e.g. the ``-textual-compact`` a Select or a Button
        sets on itself in its ``__init__``; mounting then styles it again, from scratch
        (``App._register``). Skipping the first of the two is what Textual already does for
        widgets made before the app runs (no active app: ``DOMNode.update_node_styles``
        does nothing). ~30 such stylings at startup (issue 17 §6).
        """
        if isinstance(node, Widget) and not node.is_attached:
            return
        super().update_styles(node, animate)

    def get_default_screen(self) -> Screen[None]:
        """The playground is the first screen; Evaluate, the labs, step-through… open over it."""
        return self.playground_screen

    def refresh_view(self) -> None:
        """Draw the playground from the session now (what its 15 fps timer does next)."""
        self.playground_screen.refresh_view(force=True)

    # ------------------------------------------------------------- keys
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`<` and `>` move between lessons, from the playground only."""
        if action in ("next_lesson", "previous_lesson"):
            return self.lesson is not None and self.screen is self.playground_screen
        return True

    def action_help(self) -> None:
        from tuinn.tui.screens.help_screen import HelpScreen  # its Markdown (markdown-it) loads when first asked for

        self.push_screen(HelpScreen())

    def action_next_lesson(self) -> None:
        self._leave("next")

    def action_previous_lesson(self) -> None:
        self._leave("previous")

    def _leave(self, result: str | None) -> None:
        self.playground_screen.stop_training()
        self.exit(result)

    def action_quit(self) -> None:  # type: ignore[override]
        self._leave(None)

    # -------------------------------------------------------- command palette
    def get_system_commands(self, screen: Screen) -> Iterator[SystemCommand]:  # type: ignore[type-arg]
        """Textual's commands, every action of ``screen`` (the one in front) with its key, and what the screen adds."""
        yield from super().get_system_commands(screen)
        yield from self.binding_commands(screen)
        commands = getattr(screen, "commands", None)
        if commands is not None:
            yield from commands()

    def binding_commands(self, screen: Screen) -> Iterator[SystemCommand]:  # type: ignore[type-arg]
        """One command per action of ``screen`` and of this app that is on now (a lesson's hidden keys are not)."""
        own = {binding.id for binding in self.BINDINGS if isinstance(binding, Binding)}
        seen: set[str] = set()
        for namespace, binding, enabled, _ in screen.active_bindings.values():
            ours = namespace is screen or (namespace is self and binding.id in own)
            if not ours or not enabled or not binding.description or binding.action in NOT_IN_PALETTE or binding.action in seen:
                continue
            seen.add(binding.action)
            yield SystemCommand(binding.description.capitalize(), f"key: {binding.key_display or binding.key}",
                                partial(self.run_action, binding.action, namespace))


def run(exp: Experiment) -> int:
    """Open the playground on ``exp``."""
    from tuinn.tui.runner import run_app

    run_app(TuinnApp(exp))  # a crash of the app: AppCrashed, exit 1
    return 0


__all__ = ["SPEEDS", "TuinnApp", "run"]

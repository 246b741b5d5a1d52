"""What every SVG snapshot of tuinn shares: the terminal, the theme, the environment, a bare host app.

A picture must depend on the seeded state and the code only (DESIGN.md §5), so every
snapshot is taken at the same size, in the same theme, with animations off and colours
on whatever the environment says. The ``snap`` fixture (tests/tui/conftest.py) pins all
of that and is what the ``test_*snapshots*.py`` modules call; this module holds the
pieces so that a module can also assert them inside its own ``run_before``; the
bare :class:`Host` app comes from tests/tui/host.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import pytest
import textual.constants
from textual.app import App
from textual.pilot import Pilot

SIZE = (160, 48)
THEME = "textual-dark"

RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


def pin_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Animations off and colours on, whatever the environment the tests run in.

    Textual reads TEXTUAL_ANIMATIONS (and TEXTUAL_THEME) when it is imported, before any
    fixture runs, so the constant that App.__init__ copies is pinned as well; the theme is
    pinned on the app (:func:`prepare`). NO_COLOR, read by App.__init__, turns every
    colour off.
    """
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setattr(textual.constants, "TEXTUAL_ANIMATIONS", "none")
    monkeypatch.delenv("NO_COLOR", raising=False)


def assert_pinned(app: App[Any]) -> None:
    """The app about to be photographed runs without animations, in :data:`THEME`, in colour."""
    assert app.animation_level == "none" and app.theme == THEME and not app.no_color


def pressing(*keys: str) -> RunBefore:
    """A ``run_before`` that lets the app settle, presses ``keys`` one by one and lets the screen draw them."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.pause()

    return run_before


def prepare(app: App[Any], run_before: RunBefore | None) -> RunBefore:
    """Put ``app`` in :data:`THEME` and wrap ``run_before`` so that it first checks the pinned environment."""
    app.theme = THEME

    async def checked(pilot: Pilot[Any]) -> None:
        assert_pinned(pilot.app)
        if run_before is not None:
            await run_before(pilot)

    return checked


Snap = Callable[..., bool]


def snapper(snap_compare: Callable[..., bool]) -> Snap:
    """``snap(app, press=(), run_before=None)``: photograph ``app`` at :data:`SIZE` in :data:`THEME`."""

    def snap(app: App[Any], press: Iterable[str] = (), run_before: RunBefore | None = None) -> bool:
        return snap_compare(app, press=press, terminal_size=SIZE, run_before=prepare(app, run_before))

    return snap

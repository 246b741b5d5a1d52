"""CompactSelect (the controls' dropdown) looks and acts as Textual's compact Select, its list built on first opening.

Each test runs the same small app twice, once with Textual's ``Select(compact=True,
allow_blank=False)`` and once with :class:`CompactSelect`, drives both the same way (keys,
clicks, typing to search, a value set from code) and compares what they draw and what
they announce. Cheap: a 40×12 app per run, no playground.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Label, Select
from textual.widgets._select import SelectOverlay

from tuinn.tui.widgets.compact_select import CompactSelect

OPTIONS = [("circle", "circle"), ("xor", "xor"), ("gauss", "gauss"), ("spiral", "spiral")]
SIZE = (40, 12)


class Chooser(App[None]):
    """A label above one Select (Textual's or ours) showing "xor"; every ``Changed`` it posts is recorded."""

    def __init__(self, compact_select: bool) -> None:
        super().__init__()
        self.compact_select = compact_select
        self.changes: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Label("dataset")
        if self.compact_select:
            yield CompactSelect(OPTIONS, value="xor", id="choice")
        else:
            yield Select(OPTIONS, value="xor", allow_blank=False, compact=True, id="choice")

    def on_select_changed(self, event: Select.Changed) -> None:
        self.changes.append(event.value)


async def drive(compact_select: bool, steps: list[tuple[str, Any]]) -> tuple[list[str], list[Any], list[bool]]:
    """(a screenshot after each step, the values announced, whether the list existed after each step)."""
    app = Chooser(compact_select)
    shots, lists = [], []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        select = app.query_one("#choice", Select)
        for kind, arg in steps:
            if kind == "keys":
                await pilot.press(*arg)
            elif kind == "click":
                await pilot.click(arg)
            elif kind == "set":
                select.value = arg
            await pilot.pause()
            await pilot.pause()
            shots.append(app.export_screenshot())
            lists.append(bool(select.query(SelectOverlay)))
        await pilot.pause()
        return shots, app.changes, lists


def both(steps: list[tuple[str, Any]]) -> tuple[tuple[list[str], list[Any], list[bool]], ...]:
    return asyncio.run(drive(False, steps)), asyncio.run(drive(True, steps))


def test_by_keyboard_it_draws_and_announces_what_textuals_select_does() -> None:
    steps = [("keys", ["tab"]),  # focused, closed: no list yet
             ("keys", ["enter"]),  # opened on "xor"
             ("keys", ["down"]),  # "gauss" highlighted
             ("keys", ["enter"]),  # chosen, closed
             ("keys", ["space"]),  # opened again, on "gauss"
             ("keys", ["s"]),  # typing searches: "spiral"
             ("keys", ["escape"])]  # closed, still "gauss"
    (textual_shots, textual_changes, _), (shots, changes, lists) = both(steps)
    assert lists[0] is False and all(lists[1:])  # built when first opened, then kept
    assert changes == textual_changes == ["xor", "gauss"]  # the mount's announcement, then the choice
    for i, (ours, theirs) in enumerate(zip(shots, textual_shots, strict=True)):
        assert ours == theirs, f"step {i} ({steps[i]}) draws differently"


def test_by_mouse_and_from_code_it_draws_and_announces_what_textuals_select_does() -> None:
    steps = [("set", "spiral"),  # a value set from code before the list exists (a load, a lesson)
             ("click", "#choice"),  # a click on the row opens it, on "spiral"
             ("click", "SelectOverlay"),  # a click in the list picks the option under the pointer
             ("click", "#choice"),  # open again
             ("keys", ["escape"])]  # closed
    (textual_shots, textual_changes, _), (shots, changes, lists) = both(steps)
    assert lists == [False, True, True, True, True]
    assert changes == textual_changes and changes[:2] == ["xor", "spiral"]
    for i, (ours, theirs) in enumerate(zip(shots, textual_shots, strict=True)):
        assert ours == theirs, f"step {i} ({steps[i]}) draws differently"


def test_new_options_before_and_after_the_first_opening() -> None:
    """``set_options`` (a loaded file's own value adds one) with and without a list to refill."""
    async def go() -> None:
        app = Chooser(True)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            select = app.query_one("#choice", CompactSelect)
            select.set_options([*OPTIONS, ("moons", "moons")])
            select.value = "moons"
            await pilot.pause()
            assert not select.query(SelectOverlay) and "moons" in app.export_screenshot()
            select.focus()
            await pilot.press("enter")
            await pilot.pause()
            dropdown = select.query_one(SelectOverlay)
            assert select.expanded and dropdown.option_count == 5 and dropdown.highlighted == 4
            await pilot.press("escape")
            select.set_options(OPTIONS)  # refills the list that exists now
            await pilot.pause()
            assert dropdown.option_count == 4 and select.value == "circle"
    asyncio.run(go())

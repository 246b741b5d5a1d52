"""SVG snapshots of the neuron and activations labs at 160×48 (the issue's acceptance).

The labs hold no randomness: the picture depends only on the keys pressed and the code.
Update with ``pytest --snapshot-update`` after a deliberate change, and look at the new
SVGs (rendered to PNG) before committing them.
"""

from __future__ import annotations

import pytest
import textual.constants
from textual.app import App
from textual.screen import Screen

from tuinn.course.labs import load_lab
from tuinn.tui.screens.labs.activations_lab import ActivationsLab
from tuinn.tui.screens.labs.neuron_lab import NeuronLab

SIZE = (160, 48)
THEME = "textual-dark"


@pytest.fixture(autouse=True)
def pinned_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No animations and colours on, whatever the environment (see test_snapshots.py)."""
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setattr(textual.constants, "TEXTUAL_ANIMATIONS", "none")
    monkeypatch.delenv("NO_COLOR", raising=False)


class Host(App[None]):
    TITLE = "tuinn"

    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self.lab_screen = screen
        self.theme = THEME

    def on_mount(self) -> None:
        self.push_screen(self.lab_screen)


def keys(*pressed: str):  # type: ignore[no-untyped-def]
    """A ``run_before`` that presses ``pressed`` and lets the screen draw what they did."""

    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        assert app.animation_level == "none" and app.theme == THEME and not app.no_color
        await pilot.pause()
        await pilot.press(*pressed)
        await pilot.pause()
        await pilot.pause()

    return before


def test_neuron_one_input(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Sigmoid with w = 2.0, b = 1.0: steeper than the reference, middle at x = −0.5."""
    screen = NeuronLab(load_lab("neuron"))
    assert snap_compare(Host(screen), terminal_size=SIZE, run_before=keys("shift+right", "shift+up"))
    assert (screen.w, screen.b) == (2.0, 1.0)


def test_neuron_two_inputs(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Tanh neuron on the plane: w₁ = 1.5, w₂ = −0.5, b = 1 (the line crosses x₁ at −0.67, x₂ at 2)."""
    screen = NeuronLab(load_lab("neuron"))
    pressed = ("2", "f", *["right"] * 5, "shift+down", "down", "down", "down", "down", "down", "right_curly_bracket")
    assert snap_compare(Host(screen), terminal_size=SIZE, run_before=keys(*pressed))
    assert (screen.activation, screen.w, screen.w2, screen.b, screen.two_inputs) == ("tanh", 1.5, -0.5, 1.0, True)


def test_activations(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The six panels with tanh selected."""
    screen = ActivationsLab(load_lab("activations"))
    assert snap_compare(Host(screen), terminal_size=SIZE, run_before=keys("right"))
    assert screen.selected == 1

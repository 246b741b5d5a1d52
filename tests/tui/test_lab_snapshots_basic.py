"""SVG snapshots of the neuron and activations labs at 160×48 (the issue's acceptance).

The labs hold no randomness: the picture depends only on the keys pressed and the code.
Update with ``pytest --snapshot-update`` after a deliberate change, and look at the new
SVGs (rendered to PNG) before committing them.
"""

from __future__ import annotations

from tuinn.course.labs import load_lab
from tuinn.tui.screens.labs.activations_lab import ActivationsLab
from tuinn.tui.screens.labs.neuron_lab import NeuronLab

from .host import Host
from .snapshot_harness import Snap, pressing

TITLE = "tuinn"


def test_neuron_one_input(snap: Snap) -> None:
    """Sigmoid with w = 2.0, b = 1.0: steeper than the reference, middle at x = −0.5."""
    screen = NeuronLab(load_lab("neuron"))
    assert snap(Host(screen, TITLE), run_before=pressing("shift+right", "shift+up"))
    assert (screen.w, screen.b) == (2.0, 1.0)


def test_neuron_two_inputs(snap: Snap) -> None:
    """Tanh neuron on the plane: w₁ = 1.5, w₂ = −0.5, b = 1 (the line crosses x₁ at −0.67, x₂ at 2)."""
    screen = NeuronLab(load_lab("neuron"))
    pressed = ("2", "f", *["right"] * 5, "shift+down", "down", "down", "down", "down", "down", "right_curly_bracket")
    assert snap(Host(screen, TITLE), run_before=pressing(*pressed))
    assert (screen.activation, screen.w, screen.w2, screen.b, screen.two_inputs) == ("tanh", 1.5, -0.5, 1.0, True)


def test_activations(snap: Snap) -> None:
    """The six panels with tanh selected."""
    screen = ActivationsLab(load_lab("activations"))
    assert snap(Host(screen, TITLE), run_before=pressing("right"))
    assert screen.selected == 1

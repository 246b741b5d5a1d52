"""SVG snapshots of the step-through mode at 160×48: a forward stage, a backward stage
and the scalar chain of the worked example (deterministic: explicit weights, one sample)."""

from __future__ import annotations

import pytest
import textual.constants

from tuinn.config.experiments import resolve
from tuinn.config.spec import loads
from tuinn.tui.step_app import StepApp

SIZE = (160, 48)


@pytest.fixture(autouse=True)
def pinned_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in test_snapshots.py: animations off, colours on, whatever the environment."""
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setattr(textual.constants, "TEXTUAL_ANIMATIONS", "none")
    monkeypatch.delenv("NO_COLOR", raising=False)


def app() -> StepApp:
    a = StepApp(loads(*resolve("backprop")))
    a.theme = "textual-dark"
    return a


def keys(*presses: str):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause()
        for key in presses:
            await pilot.press(key)
        await pilot.pause()

    return run_before


def test_forward_stage(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app(), terminal_size=SIZE, run_before=keys("right"))  # Forward layer 2


def test_backward_stage(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app(), terminal_size=SIZE, run_before=keys("right", "right", "right", "right"))  # Backward layer 1


def test_scalar_chain(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app(), terminal_size=SIZE, run_before=keys("end"))  # the chain of w¹[1,1]

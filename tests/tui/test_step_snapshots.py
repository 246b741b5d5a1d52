"""SVG snapshots of the step-through mode at 160×48: a forward stage, a backward stage
and the scalar chain of the worked example (deterministic: explicit weights, one sample)."""

from __future__ import annotations

from tuinn.config.experiments import resolve
from tuinn.config.spec import loads
from tuinn.tui.step_app import StepApp

from .snapshot_harness import Snap, pressing


def app() -> StepApp:
    return StepApp(loads(*resolve("backprop")))


def test_forward_stage(snap: Snap) -> None:
    assert snap(app(), run_before=pressing("right"))  # Forward layer 2


def test_backward_stage(snap: Snap) -> None:
    assert snap(app(), run_before=pressing("right", "right", "right", "right"))  # Backward layer 1


def test_scalar_chain(snap: Snap) -> None:
    assert snap(app(), run_before=pressing("end"))  # the chain of w¹[1,1]

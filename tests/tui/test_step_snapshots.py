"""SVG snapshots of the step-through mode from seeded, untrained states.

At 160×48: a forward stage, a backward stage and the scalar chain of the worked example
(explicit weights, one sample). At 100×30: the playground's batch of 10 (seeded
initial weights), a backward stage with its Σₛ sums, and the update scrolled to its end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tuinn.config.experiments import resolve
from tuinn.config.spec import loads
from tuinn.tui.step_app import StepApp

from .snapshot_harness import RunBefore, Snap, pin_environment, prepare, pressing

SMALL = (100, 30)


def app(name: str = "backprop") -> StepApp:
    return StepApp(loads(*resolve(name)))


@pytest.fixture
def snap_small(snap_compare: Callable[..., bool], monkeypatch: pytest.MonkeyPatch) -> Callable[[Any, RunBefore], bool]:
    """``snap`` at 100×30 (the harness' own is 160×48), same theme and pinned environment."""
    pin_environment(monkeypatch)

    def snap(a: Any, run_before: RunBefore) -> bool:
        return snap_compare(a, terminal_size=SMALL, run_before=prepare(a, run_before))

    return snap


def test_forward_stage(snap: Snap) -> None:
    assert snap(app(), run_before=pressing("right"))  # Forward layer 2


def test_backward_stage(snap: Snap) -> None:
    assert snap(app(), run_before=pressing("right", "right", "right", "right"))  # Backward layer 1


def test_scalar_chain(snap: Snap) -> None:
    assert snap(app(), run_before=pressing("G"))  # the chain of w¹[1,1]


def test_batch_backward_stage_at_100x30(snap_small: Callable[[Any, RunBefore], bool]) -> None:
    assert snap_small(app("playground"), pressing("right", "right", "right", "right", "right"))  # Backward layer 2


def test_update_scrolled_to_its_end_at_100x30(snap_small: Callable[[Any, RunBefore], bool]) -> None:
    assert snap_small(app("playground"), pressing("G", "left", "end"))  # the last lines of the Update stage

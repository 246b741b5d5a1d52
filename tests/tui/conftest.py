"""Fixtures of the TUI tests: ``snap``, the one way a test takes an SVG snapshot."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .snapshot_harness import Snap, pin_environment, snapper


@pytest.fixture
def snap(snap_compare: Callable[..., bool], monkeypatch: pytest.MonkeyPatch) -> Snap:
    """``snap(app, press=(), run_before=None) -> bool`` at 160×48 in textual-dark, animations off, colours on.

    The environment is pinned when the fixture is set up, before the test builds its app
    (App.__init__ copies the animation level and NO_COLOR).
    """
    pin_environment(monkeypatch)
    return snapper(snap_compare)

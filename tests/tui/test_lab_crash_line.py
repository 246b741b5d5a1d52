"""A lab that crashes names the command that opened it (``tuinn lab neuron``), not its long title.

The crash is real (Textual's own handling of an exception in ``on_mount``, headless driver);
only its cause is planted, as in tests/integration/test_app_crash_exit.py, but in-process.
"""

from __future__ import annotations

import pytest
from textual import constants

from tuinn.cli import main
from tuinn.tui.lab_app import LabApp


def crash(self: LabApp) -> None:
    raise RuntimeError("planted crash")


@pytest.mark.parametrize(("argv", "named"), [(["lab", "neuron"], "tuinn lab neuron"), (["lesson", "1"], "tuinn lesson 1")])
def test_the_crash_line_of_a_lab_names_the_command(argv: list[str], named: str, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(constants, "DRIVER", "textual.drivers.headless_driver:HeadlessDriver")
    monkeypatch.setattr(LabApp, "on_mount", crash)
    assert main(argv) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"tuinn: error: {named} stopped on an unexpected error"), last

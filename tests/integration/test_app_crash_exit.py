"""A crash of a Textual app is a failed command: exit status 1, after Textual's traceback.

The apps run with Textual's headless driver (``TEXTUAL_DRIVER``), and a
``sitecustomize`` put on ``PYTHONPATH`` makes every app raise in ``on_mount``: the
crash is real (Textual's own exception handling), only its cause is planted.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from textual import constants
from textual.app import App

from tuinn.tui.runner import AppCrashed, run_app

HEADLESS = "textual.drivers.headless_driver:HeadlessDriver"
HOOK = '''
import textual.app

def _crash(self):
    raise RuntimeError("planted crash")

textual.app.App.on_mount = _crash
'''


class Crashes(App[str]):
    def on_mount(self) -> None:
        raise RuntimeError("planted crash")


class Quits(App[str]):
    def on_mount(self) -> None:
        self.exit("done")


def test_run_app_raises_app_crashed_with_exit_code_1_when_the_app_dies(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(constants, "DRIVER", HEADLESS)
    with pytest.raises(AppCrashed) as caught:
        run_app(Crashes())
    assert caught.value.exit_code == 1 and "stopped on an unexpected error" in str(caught.value)
    assert "planted crash" in capsys.readouterr().err  # Textual printed its traceback first
    assert run_app(Quits()) == "done"  # a normal exit keeps its result and raises nothing


def crash_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(HOOK)
    return {**os.environ, "PYTHONPATH": str(tmp_path / "hook"), "TEXTUAL_DRIVER": HEADLESS}


@pytest.mark.parametrize("command", [["play", "xor"], ["lab", "neuron"], ["lesson", "1"]], ids=" ".join)
def test_a_crashing_app_makes_the_command_exit_1(tmp_path: Path, command: list[str]) -> None:
    out = subprocess.run([sys.executable, "-m", "tuinn", *command], capture_output=True, text=True, cwd=tmp_path,
                         env=crash_env(tmp_path), timeout=120)
    assert out.returncode == 1, out.stderr[-2000:]
    assert 0 <= out.stderr.find("planted crash") < out.stderr.find("tuinn: error: ")  # Textual's traceback, then our line


def test_a_crashing_step_through_app_makes_tuinn_step_exit_1(tmp_path: Path) -> None:
    """``tuinn step`` opens its app only when stdout is a terminal: give it a pseudo-terminal."""
    master, slave = pty.openpty()
    try:
        out = subprocess.run([sys.executable, "-m", "tuinn", "step", "xor"], stdout=slave, stderr=subprocess.PIPE, text=True,
                             cwd=tmp_path, env=crash_env(tmp_path), timeout=120)
    finally:
        os.close(slave)
        os.close(master)
    assert out.returncode == 1, out.stderr[-2000:]
    assert 0 <= out.stderr.find("planted crash") < out.stderr.find("tuinn: error: ")

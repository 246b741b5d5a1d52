"""The real `tuinn` command in a real terminal (tmux, 160×48): it opens, steps, plays, shows
its help, the Evaluate and Latent space screens, and quits cleanly (DESIGN.md §5).

The test runs its own tmux server on a dedicated socket (``tmux -L``) with no user
configuration, so it never touches the user's tmux, and kills that server in any case.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")

WIDTH, HEIGHT = 160, 48
TITLES = ["Network", "Weights", "Decision boundary", "Loss", "Data", "Features"]
STATUS = re.compile(r"(paused|training) · epoch (\d+) ·")


def tuinn_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m tuinn``."""
    script = Path(sys.executable).parent / "tuinn"
    return [str(script)] if script.is_file() and os.access(script, os.X_OK) else [sys.executable, "-m", "tuinn"]


class Tmux:
    """One detached session on a private tmux server."""

    def __init__(self, tmp: Path) -> None:
        self.name = f"tuinn-test-{uuid.uuid4().hex[:12]}"
        self.conf = tmp / "tmux.conf"
        # remain-on-exit: the pane stays after tuinn exits, to read whatever it printed last
        # (a traceback would be printed after the screen closes). /bin/sh runs the command
        # line whatever the user's $SHELL is.
        self.conf.write_text("set -g remain-on-exit on\nset -g default-shell /bin/sh\n", encoding="utf-8")
        self.exit_file = tmp / "exit-status"
        self.socket: Path | None = None
        self.captures: list[str] = []

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run([TMUX, "-L", self.name, "-f", str(self.conf), *args], capture_output=True, text=True, timeout=10)
        assert done.returncode == 0, f"tmux {' '.join(args)}: {done.stderr}"
        return done.stdout

    def start(self, command: list[str], cwd: Path) -> None:
        # COLUMNS/LINES override the terminal's size in Textual; pytest-xdist workers have 80×24 there.
        env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX") and k not in ("COLUMNS", "LINES")}
        # The exit status goes to a file: tmux's #{pane_dead_status} is sometimes never set
        # (tmux 3.3a, when it sees the pty close before it reaps the child).
        shell = shlex.join(["env", "TERM=xterm-256color", "TEXTUAL_ANIMATIONS=none", *command]) + \
            f"; echo $? > {shlex.quote(str(self.exit_file))}"
        assert TMUX is not None
        subprocess.run([TMUX, "-L", self.name, "-f", str(self.conf), "new-session", "-d", "-s", self.name,
                        "-x", str(WIDTH), "-y", str(HEIGHT), "-c", str(cwd), shell], env=env, check=True, timeout=10)
        self.socket = Path(self.tmux("display-message", "-p", "-t", self.name, "#{socket_path}").strip())

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def capture(self) -> str:
        text = self.tmux("capture-pane", "-p", "-t", self.name)
        self.captures.append(text)
        assert "Traceback" not in text, text
        return text

    def pane(self, fmt: str) -> str:
        """A tmux format expanded for the pane, e.g. ``#{pane_dead}``."""
        return self.tmux("list-panes", "-t", self.name, "-F", fmt).strip()

    def wait_for(self, ok: Callable[[str], bool], what: str, timeout: float = 15.0) -> str:
        """Poll capture-pane until ``ok(screen)``; fail with the last screen after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.capture()
            if ok(text):
                return text
            if self.pane("#{pane_dead}") == "1":
                pytest.fail(f"tuinn exited (status {self.exit_status()}) while waiting for {what}:\n{text}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} after {timeout:g} s; the screen was:\n{text}")
            time.sleep(0.1)

    def exit_status(self) -> str | None:
        """tuinn's exit status once it has exited and the pane is closed, else None."""
        if self.pane("#{pane_dead}") != "1" or not self.exit_file.is_file():
            return None
        return self.exit_file.read_text(encoding="utf-8").strip() or None

    def kill(self) -> None:
        assert TMUX is not None
        subprocess.run([TMUX, "-L", self.name, "kill-server"], capture_output=True, timeout=10)
        if self.socket is not None and self.socket.name == self.name:  # tmux leaves its socket file behind
            self.socket.unlink(missing_ok=True)


def status(text: str) -> tuple[str, int] | None:
    """(paused|training, epoch) from the status line, if it is on the screen."""
    m = STATUS.search(text)
    return (m.group(1), int(m.group(2))) if m else None


def test_tuinn_in_tmux(tmp_path: Path) -> None:
    t = Tmux(tmp_path)
    try:
        t.start(tuinn_command(), tmp_path)

        screen = t.wait_for(lambda s: all(title in s for title in TITLES) and "out sigmoid 1" in s and status(s) == ("paused", 0),
                            "panels at epoch 0")
        assert len(screen.splitlines()[0]) <= WIDTH

        t.keys("n")
        t.wait_for(lambda s: status(s) == ("paused", 1), "epoch 1 after `n`", timeout=5)

        t.keys("Space")
        t.wait_for(lambda s: status(s) is not None and status(s)[0] == "training", "training after space", timeout=5)
        time.sleep(1.5)
        t.keys("Space")
        screen = t.wait_for(lambda s: status(s) is not None and status(s)[0] == "paused", "paused after space", timeout=5)
        epoch = status(screen)[1]  # type: ignore[index]
        assert epoch > 1, f"playing for 1.5 s trained no epoch:\n{screen}"
        time.sleep(0.3)  # paused means paused: the counter stays where it is
        assert status(t.capture()) == ("paused", epoch)

        t.keys("?")
        t.wait_for(lambda s: "tuinn playground" in s, "the help screen", timeout=5)
        t.keys("Escape")
        t.wait_for(lambda s: "tuinn playground" not in s and all(title in s for title in TITLES), "the panels after escape", timeout=5)

        # The screens that judge and open the model, and back.
        t.keys("e")
        t.wait_for(lambda s: "sensitivity" in s and "specificity" in s and "whole" in s, "the Evaluate screen", timeout=10)
        t.keys("Escape")
        t.wait_for(lambda s: all(title in s for title in TITLES), "the panels after the Evaluate screen", timeout=5)
        t.keys("l")
        t.wait_for(lambda s: "PC1" in s, "the Latent space screen", timeout=10)
        t.keys("Escape")
        t.wait_for(lambda s: all(title in s for title in TITLES), "the panels after the Latent space screen", timeout=5)

        t.keys("q")
        deadline = time.monotonic() + 2.0
        while (code := t.exit_status()) is None:
            assert time.monotonic() < deadline, "tuinn did not exit within 2 s of `q`:\n" + t.capture()
            time.sleep(0.05)
        assert code == "0", f"tuinn exited with status {code}"
        t.capture()  # what is left on the terminal after the app closed: no traceback
        assert len(t.captures) > 5
    finally:
        t.kill()

"""The playground driven only by the keyboard, as over SSH, in a real terminal (tmux, 160×48):
jump to the learning rate, choose another in its list, press space and see the epochs
move (the list stays closed), jump to the network and select a neuron with the arrows.

It runs the installed `tuinn` in a private tmux server (see test_tmux.Tmux) and reads the
screen back: the keys go through the terminal, not through Pilot.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from test_tmux import TITLES, TMUX, Tmux, status, tuinn_command

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


def test_the_playground_by_keyboard_only(tmp_path: Path) -> None:
    t = Tmux(tmp_path)
    try:
        t.start(tuinn_command(), tmp_path)
        t.wait_for(lambda s: all(title in s for title in TITLES) and status(s) == ("paused", 0) and "α 0.03" in s,
                   "panels at epoch 0")
        # 3: the hyperparameters, whose first control is the learning rate; enter opens its list.
        t.keys("3", "Enter")
        t.wait_for(lambda s: "0.0001" in s and "0.003" in s, "the list of learning rates", timeout=5)
        t.keys("Down", "Enter")  # 0.03 → 0.1
        screen = t.wait_for(lambda s: "α 0.1 " in s and "0.0001" not in s, "α 0.1 and the list closed", timeout=5)
        assert status(screen) == ("paused", 0)
        # space, with the learning rate's Select still focused: training, not the list again.
        t.keys("Space")
        screen = t.wait_for(lambda s: (st := status(s)) is not None and st[0] == "training" and st[1] > 0, "epochs moving", timeout=10)
        assert "0.0001" not in screen, "space opened the list again"
        t.keys("Space")
        t.wait_for(lambda s: (st := status(s)) is not None and st[0] == "paused", "paused after space", timeout=5)
        # 4: the network; the first arrow picks input x1, the next moves to the first hidden layer, enter
        # draws that neuron's output over the plane.
        t.keys("4", "Right", "Right", "Enter")
        t.wait_for(lambda s: re.search(r"output of neuron \d of layer 1", s) is not None, "a hidden neuron's output in the boundary panel",
                   timeout=5)
        t.keys("q")
        deadline = time.monotonic() + 5.0
        while (code := t.exit_status()) is None:
            assert time.monotonic() < deadline, "tuinn did not exit within 5 s of `q`:\n" + t.capture()
            time.sleep(0.05)
        assert code == "0", f"tuinn exited with status {code}"
    finally:
        t.kill()

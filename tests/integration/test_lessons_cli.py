"""`tuinn lesson` and `tuinn lab` as commands: the lists, and bad input (one line, exit 2).

Opening a lesson or a lab needs a terminal; that is tested with Pilot (tests/tui) and in
the tmux test. Here: what a user sees before any screen opens.
"""

from __future__ import annotations

import pytest

from tests.inprocess import Result, run_tuinn
from tuinn.course.labs import lab_names, load_lab
from tuinn.course.lessons import lessons


def tuinn(*args: str) -> Result:
    return run_tuinn(*args, env={"COLUMNS": "200"})


def test_lesson_list_names_every_lesson_in_order() -> None:
    out = tuinn("lesson", "list")
    assert out.returncode == 0, out.stderr
    positions = [out.stdout.index(les.title[:20]) for les in lessons()]
    assert positions == sorted(positions)
    assert "lab neuron" in out.stdout and "playground: backprop" in out.stdout


def test_lab_list_names_every_lab() -> None:
    out = tuinn("lab", "list")
    assert out.returncode == 0, out.stderr
    for name in lab_names():
        assert name in out.stdout and load_lab(name).title[:30] in out.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["lesson", "0"], "no lesson 0 (lessons 1-14"),
    (["lesson", "15"], "no lesson 15"),
    (["lesson", "first"], "tuinn lesson first: give a lesson number or 'list'"),
    (["lab", "dropout"], "no lab 'dropout' (labs: neuron, activations, linear-collapse, learning-rate, overfitting)"),
])
def test_bad_lesson_or_lab_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    out = tuinn(*args)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and message in out.stderr and "Traceback" not in out.stderr
    assert out.stdout == ""

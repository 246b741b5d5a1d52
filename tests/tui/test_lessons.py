"""Every lesson opens without error and shows only the controls introduced so far.

Playground lessons are checked widget by widget (a control is visible exactly when it is
introduced by this lesson or an earlier one) and key by key (a key whose control is not
introduced is off); lab lessons open their lab with the lesson's text. `>` / `<` leave the
app with "next" / "previous" for `tuinn lesson` to open the neighbour.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest
from textual.widgets import Markdown

from tuinn.course.lessons import CONTROLS, lesson, lessons
from tuinn.tui.app import TuinnApp
from tuinn.tui.lab_app import LabApp
from tuinn.tui.screens.playground_screen import ACTION_CONTROLS, CONTROL_WIDGETS
from tuinn.tui.widgets.data_panel import data_rows

SIZE = (160, 48)
PLAYGROUND_LESSONS = [les.number for les in lessons() if les.lab is None]
LAB_LESSONS = [les.number for les in lessons() if les.lab is not None]


def visible(app: TuinnApp, selector: str) -> bool:
    widget = app.query_one(selector)
    node = widget
    while node is not None and node is not app.screen:
        if not node.display:
            return False
        node = node.parent
    return True


def test_lessons_follow_the_lecture_and_name_known_controls() -> None:
    all_lessons = lessons()
    assert [les.number for les in all_lessons] == list(range(1, 15))
    slugs = [les.slug for les in all_lessons]
    assert slugs[:4] == ["neuron", "activations", "layers", "linear-collapse"] and slugs[-1] == "backprop"
    for les in all_lessons:
        assert set(les.introduces) <= CONTROLS and les.text
    # the controls grow with the course: each lesson shows a superset of the previous one's
    shown = [lesson(n)[1] for n in range(1, 15)]
    assert all(a <= b for a, b in itertools.pairwise(shown))
    assert set(CONTROL_WIDGETS) | set(ACTION_CONTROLS.values()) <= CONTROLS


@pytest.mark.parametrize("number", PLAYGROUND_LESSONS)
def test_playground_lesson_shows_only_its_controls(number: int) -> None:
    les, shown = lesson(number)

    async def go() -> None:
        app = TuinnApp(les.experiment, lesson=les, shown=shown)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            text = app.query_one("#lesson Markdown", Markdown)
            assert les.title in text.source and les.text.splitlines()[0] in text.source
            not_applicable = {key for _, key, _, _, off in data_rows(les.experiment) if off}
            for control, selectors in CONTROL_WIDGETS.items():
                # the plane's features mean nothing for data that is not a synthetic plane
                applies = control != "features" or les.experiment.data.synthetic
                applies = applies and control not in not_applicable  # e.g. classes of a two-class set
                for selector in selectors:
                    assert visible(app, selector) == (control in shown and applies), (number, control)
            for action, control in ACTION_CONTROLS.items():
                assert bool(app.playground_screen.check_action(action, ())) == (control in shown), (number, action)
            if "play" in shown:
                await pilot.press("n")
                await pilot.pause()
                assert app.playground.trainer.epoch == 1
            else:
                await pilot.press("n")
                assert app.playground.trainer.epoch == 0
            await pilot.press("greater_than_sign")
            await pilot.pause()
        assert app.return_value == "next"
    asyncio.run(go())


def test_previous_lesson_key_and_keys_off_outside_lessons() -> None:
    les, shown = lesson(8)

    async def go() -> None:
        app = TuinnApp(les.experiment, lesson=les, shown=shown)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("less_than_sign")
            await pilot.pause()
        assert app.return_value == "previous"
        plain = TuinnApp(les.experiment)
        async with plain.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert not plain.check_action("next_lesson", ())
            await pilot.press("greater_than_sign")
            await pilot.pause()
            assert plain.is_running  # not a lesson: > does nothing
    asyncio.run(go())


@pytest.mark.parametrize("number", LAB_LESSONS)
def test_lab_lesson_opens_its_lab_with_the_lesson_text(number: int) -> None:
    les, _ = lesson(number)

    async def go() -> None:
        app = LabApp(les.lab, lesson=les)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert type(app.screen).__name__ == {"neuron": "NeuronLab", "activations": "ActivationsLab",
                                                 "linear-collapse": "CollapseLab", "learning-rate": "RunsLab",
                                                 "overfitting": "RunsLab"}[les.lab]
            sources = " ".join(m.source for m in app.screen.query(Markdown))
            assert les.title in sources and les.text.splitlines()[0] in sources  # the lesson
            assert app.lab.text.splitlines()[0] in sources  # and the lab's own text
            await pilot.press("greater_than_sign")
            await pilot.pause()
        assert app.return_value == "next"
    asyncio.run(go())


def test_a_lab_outside_a_lesson_quits_on_escape_and_ignores_lesson_keys() -> None:
    async def go() -> None:
        app = LabApp("neuron")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("greater_than_sign")
            await pilot.pause()
            assert app.is_running
            await pilot.press("escape")
            await pilot.pause()
        assert app.return_value is None
    asyncio.run(go())


def test_every_lab_is_in_the_command_palette_and_opens_over_the_paused_playground() -> None:
    from tuinn.course.labs import lab_names
    from tuinn.session.playground import default_experiment

    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            commands = {c.title: c for c in app.get_system_commands(app.screen)}
            for name in lab_names():
                assert f"Lab: {name}" in commands
            app.playground_screen.action_toggle_play()
            await pilot.pause(0.2)
            commands["Lab: linear-collapse"].callback()
            await pilot.pause()
            await app.workers.wait_for_complete()  # the training worker the lab stopped
            assert type(app.screen).__name__ == "CollapseLab"
            assert not app.playground.running  # opening a lab paused the playground
            epoch = app.playground.trainer.epoch
            await pilot.press("g")  # a playground key: off under the lab
            await pilot.pause()
            assert app.playground.trainer.epoch == epoch and app.playground.experiment.seed == 0
            await pilot.press("escape")
            await pilot.pause()
            assert type(app.screen).__name__ != "CollapseLab"
            assert app.screen is app.playground_screen and app.playground_screen.check_action("regenerate", ())
            await pilot.press("g")  # back on the playground, its keys work again
            await pilot.pause()
            assert app.playground.experiment.seed == 1
    asyncio.run(go())

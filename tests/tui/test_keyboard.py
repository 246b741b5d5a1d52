"""The playground driven by the keyboard alone: its keys act wherever the focus is (a Select
that keeps the focus after a choice no longer eats `space`), a jump key per panel, a tab
order panel by panel, controls that do not apply hidden or disabled, and README, help and
bindings that name the same keys."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Button, Checkbox, Select

from tuinn.session.playground import default_experiment
from tuinn.tui.app import TuinnApp
from tuinn.tui.screens.evaluate_screen import EvaluateScreen
from tuinn.tui.screens.help_screen import HELP
from tuinn.tui.screens.latent_screen import LatentScreen
from tuinn.tui.screens.playground_screen import PANELS, PlaygroundScreen
from tuinn.tui.screens.weights_screen import WeightsScreen

from .test_app import choose, settle

SIZE = (160, 48)
README = Path(__file__).resolve().parents[2] / "README.md"


def run(coro) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(coro)


async def wait_until(pilot, ok, what: str, seconds: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    """Pause until ``ok()`` (a training thread advancing), failing after ``seconds``."""
    for _ in range(int(seconds / 0.05)):
        if ok():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"no {what} after {seconds:g} s")


def panel_of(app: TuinnApp, widget) -> str | None:  # type: ignore[no-untyped-def]
    """The id of the playground panel ``widget`` is in (or is)."""
    ids = {panel for panel, _ in PANELS.values()}
    for node in (widget, *widget.ancestors):
        if node.id in ids:
            return str(node.id)
    return None


def test_after_a_choice_in_a_dropdown_space_plays_and_the_dropdown_stays_closed() -> None:
    """One app for the keys against the focused controls (an app start is most of a test's time)."""
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            pg = app.playground
            app.playground_screen.speed = 3  # 30 epochs/s: a training thread at full speed would slow every Pilot step
            rate = app.query_one("#learning_rate", Select)
            await pilot.press("3")  # the hyperparameters: their first control is the learning rate
            assert app.focused is rate
            await pilot.press("enter")  # enter still opens the list
            await settle(pilot)
            assert rate.expanded
            await pilot.press("down", "enter")  # 0.03 → 0.1, and the list closes
            await settle(pilot)
            assert pg.experiment.train.learning_rate == 0.1 and not rate.expanded and app.focused is rate
            await pilot.press("n")
            await settle(pilot)
            assert pg.trainer.epoch == 1 and not rate.expanded
            await pilot.press("space")
            await wait_until(pilot, lambda: pg.trainer.epoch > 1, "epoch after space")
            assert not rate.expanded and app.focused is rate
            await pilot.press("space")
            await app.workers.wait_for_complete()
            assert not pg.running and not rate.expanded
            # A focused feature checkbox: space plays too (enter ticks it).
            await pilot.press("2")
            box = app.focused
            assert isinstance(box, Checkbox) and box.value
            await pilot.press("space")
            assert pg.running and box.value  # playing (the epochs moved above), the box still ticked
            await pilot.press("space")
            await app.workers.wait_for_complete()
            assert not pg.running and box.value and pg.experiment.data.features == ["x1", "x2"]
            # An open list keeps the letters typed (they search it) and escape closes it.
            source = app.query_one("#source", Select)
            await pilot.press("1", "enter")
            await settle(pilot)
            assert source.expanded
            epoch = pg.trainer.epoch
            await pilot.press("n", "r")  # no epoch, no reset
            await settle(pilot)
            assert pg.trainer.epoch == epoch and source.expanded
            await pilot.press("escape")
            await settle(pilot)
            assert not source.expanded and pg.experiment.data.source == "circle" and pg.trainer.epoch == epoch
    run(go())


def test_jump_keys_tab_order_and_controls_that_do_not_apply() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, PlaygroundScreen)
            for key, (panel, title) in PANELS.items():
                if panel == "lesson":
                    continue  # not in the playground (see the lesson test below)
                await pilot.press(key)
                assert app.focused is not None and panel_of(app, app.focused) == panel, (key, app.focused)
                assert screen.query_one(f"#{panel}").border_title == f"{title} ({key})"
            # Tab visits the panels in the order of their keys, each one's controls together.
            order = [panel_of(app, w) for w in screen.focus_chain]
            runs = [p for i, p in enumerate(order) if i == 0 or order[i - 1] != p]
            assert runs == [panel for panel, _ in PANELS.values() if panel != "lesson"], runs
            # From the first control, the network took 29 tabs; now one key from anywhere.
            app.query_one("#add_neuron").focus()  # the control just before the network in tab order
            await pilot.press("4")
            assert app.focused is app.query_one("#network")
            await check_controls_that_do_not_apply(pilot, app)
    run(go())


async def check_controls_that_do_not_apply(pilot, app: TuinnApp) -> None:  # type: ignore[no-untyped-def]
    """Hidden: classes of a two-class set, balance of a regression; disabled: what the session would refuse or ignore."""
    pg = app.playground

    def row_shown(key: str) -> bool:
        select = app.query_one(f"#{key}", Select)
        return bool(select.parent.display) and select in app.screen.focus_chain  # type: ignore[union-attr]

    # Dataset names whole, not cut to "(class)"/"(regre)".
    source = app.query_one("#source", Select)
    labels = [str(prompt) for prompt, _ in source._options]
    assert "circle" in labels and "sine" in labels and not any("(" in label for label in labels), labels
    assert not row_shown("classes") and row_shown("balance")  # circle: two classes
    await choose(pilot, app, "source", "blobs")
    assert row_shown("classes") and row_shown("balance")
    await choose(pilot, app, "source", "sine")
    assert not row_shown("classes") and not row_shown("balance")  # regression: nothing to balance
    # No regularisation: its rate does nothing.
    assert app.query_one("#reg_rate", Select).disabled
    await choose(pilot, app, "regularization", "l2")
    assert not app.query_one("#reg_rate", Select).disabled
    # The output layer's size and dropout are not the user's to change.
    assert not app.query_one("#add_neuron", Button).disabled
    await choose(pilot, app, "layer", len(pg.experiment.model.layers))
    assert app.query_one("#add_neuron", Button).disabled and app.query_one("#remove_neuron", Button).disabled
    assert app.query_one("#dropout", Select).disabled


def test_a_lesson_jumps_to_its_text_and_not_to_hidden_panels() -> None:
    from tuinn.course.lessons import lesson

    les, shown = lesson(3)  # data and features not introduced yet: their panels are hidden

    async def go() -> None:
        app = TuinnApp(les.experiment, lesson=les, shown=shown)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("0")
            assert app.focused is app.query_one("#lesson")
            assert app.query_one("#lesson").border_title == f"Lesson {les.number} (0)"
            for key in ("1", "2"):
                assert not app.query_one(f"#{PANELS[key][0]}").display
                await pilot.press(key)
                assert app.focused is app.query_one("#lesson"), key
            await pilot.press("3")
            assert app.focused is not None and panel_of(app, app.focused) == "hyper-panel"
    run(go())


def section(text: str, title: str) -> str:
    """The README section under ``## title`` (up to the next ``## ``)."""
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def keys_of(screen: type) -> list[str]:
    """How each binding of ``screen`` is written (its key_display, else its first key), digits apart."""
    names = {"space": "space", "minus": "-", "escape": "escape", "home": "home"}
    keys = []
    for binding in screen.BINDINGS:
        key = binding.key_display or binding.key.split(",")[0]
        keys.append(names.get(key, key))
    return keys


def test_readme_help_and_bindings_name_the_same_keys() -> None:
    readme = README.read_text(encoding="utf-8")
    playground = section(readme, "The playground")
    for key in keys_of(PlaygroundScreen):
        if key.isdigit():
            key = "1` … `7"  # the jump keys are written as a range
        assert f"`{key}`" in playground, f"README's playground section does not name the key {key!r}"
        assert f"`{key}`" in HELP, f"the help screen does not name the key {key!r}"
    for text in (playground, HELP):
        assert "epochs/s" in text and "per frame" not in text  # the speeds are epochs a second
    # The screens over the playground: every key of their footers is in README's paragraph on them.
    judging = section(readme, "Judging a model")
    arrows = {"left": "←", "right": "→", "left_square_bracket": "[", "right_square_bracket": "]"}
    for screen in (EvaluateScreen, LatentScreen, WeightsScreen):
        for binding in screen.BINDINGS:
            if binding.show and binding.key != "escape":
                keys = [arrows.get(key, key) for key in binding.key.split(",")]
                assert any(f"`{key}`" in judging for key in keys), f"README does not name {screen.__name__}'s key {binding.key!r}"

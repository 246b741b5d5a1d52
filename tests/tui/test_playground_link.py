"""Pasting a TensorFlow Playground link in the playground's load dialog (ctrl+o)."""

from __future__ import annotations

from textual.widgets import Checkbox

from tests.tui.test_app import SIZE, run, settle
from tests.unit.test_tf_playground_url import REGRESSION, SPIRAL
from tuinn.session.playground import default_experiment
from tuinn.tui.app import TuinnApp


def test_pasting_a_link_in_the_load_dialog_opens_its_experiment_and_a_bad_one_changes_nothing() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            screen = app.playground_screen
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot)
            await pilot.press("ctrl+o")
            await settle(pilot)
            app.screen.query_one("#prompt-input").value = SPIRAL
            await pilot.press("enter")
            await settle(pilot)
            exp = app.playground.experiment
            assert (exp.data.source, exp.data.features, [layer.units for layer in exp.model.layers]) == (
                "spiral", ["x1", "x2", "sin(x1)", "sin(x2)"], [8, 8, 5, 1])
            assert app.playground.trainer.epoch == 0 and (screen.show_test, screen.discretize) == (True, False)
            # the controls follow: the Features panel ticks the link's inputs
            ticked = [box.label.plain for box in app.screen.query_one("#features-panel").query(Checkbox) if box.value]
            assert ticked == ["x1", "x2", "sin(x1)", "sin(x2)"]
            await pilot.press("ctrl+o")
            await settle(pilot)
            app.screen.query_one("#prompt-input").value = REGRESSION.replace("noise=35", "noise=loud")
            await pilot.press("enter")
            await settle(pilot)
            assert app.playground.experiment.data.source == "spiral"  # nothing changed
            notes = [n.message for n in app._notifications]
            assert any(m.startswith("not loaded: TF Playground link: noise: 'loud' is not a number") for m in notes)
    run(go())

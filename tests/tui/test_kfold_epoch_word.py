"""The K-fold panel counts epochs in words that agree with the number: "1 epoch", "2 epochs"."""

from __future__ import annotations

from textual.widgets import Static

from tests.tui.host import Host
from tests.tui.test_evaluate import imbalanced, run
from tuinn.session.playground import Playground
from tuinn.tui.screens.evaluate_screen import EvaluateScreen
from tuinn.tui.widgets.kfold_panel import KFoldPanel


def info(panel: KFoldPanel) -> str:
    return str(panel.query_one("#kfold-info", Static).render())


def test_one_epoch_is_singular_in_every_state_of_the_kfold_panel() -> None:
    async def go() -> None:
        pg = Playground(imbalanced(epochs=1, validation=0.0))
        app = Host(EvaluateScreen(pg))
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            panel = app.screen.query_one(KFoldPanel)
            assert info(panel).startswith("k: run 5 folds × 1 epoch (train.epochs of the spec"), info(panel)
            panel.start()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert panel.state == "done" and info(panel) == "5 folds × 1 epoch · k: run again"
            pg.run_epochs(2)
            panel.forget()
            assert info(panel).startswith("k: run 5 folds × 2 epochs (as far as the playground has trained)"), info(panel)
    run(go())

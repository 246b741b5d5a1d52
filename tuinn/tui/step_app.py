"""`tuinn step EXPERIMENT.toml` in a terminal: the step-through mode on its own."""

from __future__ import annotations

from tuinn.config.spec import Experiment
from tuinn.session.stepping import StepSession
from tuinn.training.trainer import Trainer
from tuinn.tui.palette import PaletteApp
from tuinn.tui.screens.step_screen import StepScreen


class StepApp(PaletteApp[None]):
    """Opens the step-through screen; leaving it (escape) quits."""

    TITLE = "tuinn step"

    def __init__(self, exp: Experiment, trainer: Trainer | None = None, digits: int = 6) -> None:
        super().__init__()
        self.session = StepSession(trainer if trainer is not None else Trainer(exp))
        self.digits = digits

    def on_mount(self) -> None:
        self.push_screen(StepScreen(self.session, self.digits), lambda _: self.exit())

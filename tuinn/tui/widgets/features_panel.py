"""The Features panel: TensorFlow Playground's seven inputs as toggles.

They are functions of the plane's x1 and x2, so the panel hides itself for data that is
not a synthetic plane (a CSV, Pima), whose inputs are its columns. Like the other panels it
keeps no value of its own: the toggles are drawn from the session's experiment.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox

from tuinn.config.spec import FEATURES
from tuinn.session.playground import Playground
from tuinn.tui.widgets.edit import Edit


class FeaturesPanel(Vertical):
    """Posts ``Edit("features", [names])`` when a toggle changes (at least one stays on)."""

    DEFAULT_CSS = """
    FeaturesPanel { height: auto; }
    FeaturesPanel Checkbox { border: none; padding: 0; height: 1; }
    FeaturesPanel.-not-applicable { display: none; }
    """

    def __init__(self, session: Playground, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session
        self.set_class(not session.experiment.data.synthetic, "-not-applicable")

    def _chosen(self) -> tuple[list[str], bool]:
        data = self.session.experiment.data
        return (data.features or ["x1", "x2"]), data.synthetic

    def compose(self) -> ComposeResult:
        selected, enabled = self._chosen()
        for i, name in enumerate(FEATURES):
            yield Checkbox(name, value=name in selected, id=f"feature-{i}", disabled=not enabled)

    def sync(self) -> None:
        """Show the session's features, posting no edits."""
        selected, enabled = self._chosen()
        for i, name in enumerate(FEATURES):
            box = self.query_one(f"#feature-{i}", Checkbox)
            with box.prevent(Checkbox.Changed):
                box.value = name in selected
            box.disabled = not enabled
        self.set_class(not enabled, "-not-applicable")

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        chosen = [name for i, name in enumerate(FEATURES) if self.query_one(f"#feature-{i}", Checkbox).value]
        if not chosen:  # a network needs an input: undo
            with event.checkbox.prevent(Checkbox.Changed):
                event.checkbox.value = True
            return
        self.post_message(Edit("features", chosen))

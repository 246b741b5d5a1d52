"""The Features panel: TensorFlow Playground's seven inputs as toggles, each with its picture.

They are functions of the plane's x1 and x2, so the panel hides itself for data that is
not a synthetic plane (a CSV, Pima), whose inputs are its columns, and hides the features
that read x2 for a 1-D source (``sine`` has only x1: the data refuses them). Each toggle
has the feature's picture over the plane beside it (:class:`FeaturePicture`), faded while
the feature is off; a click on the picture toggles it, as in the Playground. Like the
other panels it keeps no value of its own: the toggles are drawn from the session's
experiment.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox

from tuinn.config.spec import FEATURES
from tuinn.data.features import needs_second_input
from tuinn.data.synthetic import SOURCES
from tuinn.session.playground import Playground
from tuinn.tui.widgets.edit import Edit
from tuinn.tui.widgets.feature_picture import FeaturePicture


class FeaturesPanel(Vertical):
    """Posts ``Edit("features", [names])`` when a toggle changes (at least one stays on)."""

    # A focused Checkbox gets Textual's tall border: on a one-row checkbox that border
    # takes both rows and hides the label, so focus shows as the label's cursor colours only.
    DEFAULT_CSS = """
    FeaturesPanel { height: auto; }
    FeaturesPanel .feature-row { height: 2; }
    FeaturesPanel Checkbox { border: none; padding: 0; height: 1; width: 1fr; }
    FeaturesPanel Checkbox:focus { border: none; }
    FeaturesPanel.-not-applicable { display: none; }
    """

    def __init__(self, session: Playground, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session = session
        self.set_class(not session.experiment.data.playground_features, "-not-applicable")

    def _chosen(self) -> tuple[list[str], bool]:
        data = self.session.experiment.data
        return (data.features or ["x1", "x2"]), data.playground_features  # a source of the Playground, or points drawn in it

    def applicable(self, name: str) -> bool:
        """Whether the current source can provide feature ``name`` (a 1-D source has no x2)."""
        data = self.session.experiment.data
        source = SOURCES.get(data.source)
        dims = source.dims if source is not None else len((data.x or [[0.0, 0.0]])[0])  # inline points: their columns
        return not (dims == 1 and needs_second_input(name))

    def compose(self) -> ComposeResult:
        selected, enabled = self._chosen()
        for i, name in enumerate(FEATURES):
            with Horizontal(classes="feature-row", id=f"feature-row-{i}") as row:
                row.display = self.applicable(name)
                yield FeaturePicture(name, on=name in selected, id=f"feature-picture-{i}")
                yield Checkbox(name, value=name in selected, id=f"feature-{i}", disabled=not enabled)

    def sync(self) -> None:
        """Show the session's features, posting no edits."""
        selected, enabled = self._chosen()
        for i, name in enumerate(FEATURES):
            box = self.query_one(f"#feature-{i}", Checkbox)
            with box.prevent(Checkbox.Changed):
                box.value = name in selected
            box.disabled = not enabled
            self.query_one(f"#feature-picture-{i}", FeaturePicture).set_on(name in selected)
            self.query_one(f"#feature-row-{i}").display = self.applicable(name)
        self.set_class(not enabled, "-not-applicable")

    def on_click(self, event: events.Click) -> None:
        """A click on a feature's picture toggles the feature."""
        if isinstance(event.widget, FeaturePicture):
            i = FEATURES.index(event.widget.feature)
            box = self.query_one(f"#feature-{i}", Checkbox)
            if not box.disabled:
                box.toggle()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        chosen = [name for i, name in enumerate(FEATURES) if self.query_one(f"#feature-{i}", Checkbox).value]
        if not chosen:  # a network needs an input: undo
            with event.checkbox.prevent(Checkbox.Changed):
                event.checkbox.value = True
            return
        self.post_message(Edit("features", chosen))

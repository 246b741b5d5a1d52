"""One variant of a side-by-side comparison: its decision boundary, its label and a caption.

The labs that compare several ways of training one net (learning rates, optimizers,
dropout, L2, batch norm) need, per variant, the picture the playground draws plus the
few numbers that tell the variants apart. The picture is the playground's own
:class:`DecisionBoundary`, fed from the variant's :class:`~tuinn.session.playground.Snapshot`
exactly as the main screen feeds it, so a lab shows what the playground would show.

The label sits in the boundary's border with a swatch in the colour of the variant's
curve in an overlaid loss plot, so the swatch is the plot's legend even where the plot
is too narrow to hold one. A diverged variant's message replaces nothing: it is added
under the numbers, in red, so that the last finite numbers stay readable.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tuinn.session.playground import Snapshot
from tuinn.tui.widgets.decision_boundary import BoundaryView, DecisionBoundary
from tuinn.tui.widgets.loss_plot import COLORS

ERROR_STYLE = "bold #d62728"


def _rgb(color: tuple[int, int, int]) -> str:
    r, g, b = color
    return f"#{r:02x}{g:02x}{b:02x}"


def _loss(values: tuple[float, ...]) -> str:
    return f"{values[-1]:.4f}" if values else "—"


def _accuracy(value: float | None) -> str:
    return "" if value is None else f" acc {100.0 * value:.0f}%"


def caption_text(s: Snapshot) -> Text:
    """Train and test loss and accuracy of a snapshot (and its message), as Text.

    The losses are coloured like the train and test curves of the loss plots, so the
    caption reads as the last point of those curves.
    """
    text = Text(no_wrap=False)
    text.append("train ", style=_rgb(COLORS["train"]))
    text.append(f"{_loss(s.train_loss)}{_accuracy(s.train_accuracy)}")
    if s.test_loss:
        text.append("\n")
        text.append("test  ", style=_rgb(COLORS["test"]))
        text.append(f"{_loss(s.test_loss)}{_accuracy(s.test_accuracy)}")
    if s.message:
        text.append("\n")
        text.append(s.message, style=ERROR_STYLE)
    return text


def label_text(label: str, color: tuple[int, int, int] | None) -> Text:
    """The border title: a swatch of the variant's curve colour (when it has one) and its label."""
    text = Text()
    if color is not None:
        text.append("━ ", style=_rgb(color))
    text.append(label)
    return text


class VariantView(Vertical):
    """A variant's boundary (titled with its label) above its losses and accuracies."""

    DEFAULT_CSS = """
    VariantView { height: 1fr; width: 1fr; }
    VariantView > DecisionBoundary { height: 1fr; }
    VariantView > .variant-caption { height: auto; max-height: 5; padding: 0 1; }
    """
    #: Whether the boundary keeps the plane's proportions (:attr:`DecisionBoundary.square`).
    SQUARE = False

    def __init__(self, label: str, color: tuple[int, int, int] | None = None, *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.label = label
        self.color = color
        self.snapshot: Snapshot | None = None
        self._caption_lines = -1

    def compose(self) -> ComposeResult:
        boundary = DecisionBoundary()
        boundary.square = self.SQUARE
        yield boundary
        yield Static(classes="variant-caption")

    def on_mount(self) -> None:
        self.boundary.border_title = label_text(self.label, self.color)

    @property
    def boundary(self) -> DecisionBoundary:
        return self.query_one(DecisionBoundary)

    @property
    def caption(self) -> Static:
        return self.query_one(".variant-caption", Static)

    def pixel_shape(self) -> tuple[int, int]:
        """The grid the variant's playground should compute (the boundary's pixels)."""
        return self.boundary.pixel_shape()

    def show(self, s: Snapshot, show_test: bool = True, discretize: bool = False) -> None:
        """Draw a snapshot: the boundary as the playground draws it, then the caption."""
        self.snapshot = s
        if s.grid is not None:
            self.boundary.show(BoundaryView(
                kind=s.kind, values=s.grid, extent=s.extent, train_points=s.train_points, train_labels=s.train_labels,
                test_points=s.test_points, test_labels=s.test_labels, n_classes=max(s.n_classes, 2), value_range=s.value_range,
                show_test=show_test, discretize=discretize, caption=f"epoch {s.epoch}"))
        text = caption_text(s)
        # Relayout (the whole screen's) only when the caption's height may change: a
        # message appears or goes; new numbers in the same lines repaint the caption alone.
        lines = text.plain.count("\n")
        self.caption.update(text, layout=lines != self._caption_lines)
        self._caption_lines = lines

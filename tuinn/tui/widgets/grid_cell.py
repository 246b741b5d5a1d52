"""One cell of the playground's grid view: a grid point's boundary with its losses on one line.

A :class:`~tuinn.tui.widgets.variant_view.VariantView` (the labs' picture of one variant)
whose caption is a single line, ``train 0.534 test 0.557 acc 88%`` (30 columns, three
significant digits, so that a regression's 0.000213 is not 0.000): nine cells share a 100×30 terminal, where each line given to numbers is a line
taken from the picture, and a cell there is 31 columns wide. The
accuracy is the held-out one (test, else train), the number the best cell is judged
beside; a stopped point says so on a second line, in red (the status line counts them).
"""

from __future__ import annotations

from rich.text import Text

from tuinn.session.playground import Snapshot
from tuinn.tui.widgets.loss_plot import COLORS
from tuinn.tui.widgets.variant_view import ERROR_STYLE, VariantView


def _rgb(color: tuple[int, int, int]) -> str:
    r, g, b = color
    return f"#{r:02x}{g:02x}{b:02x}"


def cell_caption(s: Snapshot) -> Text:
    """``train L test L acc A%`` (coloured like the loss curves), and the point's message when it stopped."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("train ", style=_rgb(COLORS["train"]))
    text.append(f"{s.train_loss[-1]:.3g}" if s.train_loss else "—")
    if s.test_loss:
        text.append(" ")
        text.append("test ", style=_rgb(COLORS["test"]))
        text.append(f"{s.test_loss[-1]:.3g}")
    accuracy = s.test_accuracy if s.test_accuracy is not None else s.train_accuracy
    if accuracy is not None:
        text.append(f" acc {100.0 * accuracy:.0f}%")
    if s.message:
        text.append("\n")
        text.append(":".join(s.message.split(":")[:2]), style=ERROR_STYLE)  # "paused: training diverged in epoch 7"
    return text


class GridCell(VariantView):
    """A grid point: its boundary (titled with its values) above one line of losses.

    The boundary keeps the plane's proportions (``SQUARE``): a grid cell is far wider than
    tall, and a circle stretched to its width reads as an ellipse that is not in the data.
    """

    SQUARE = True

    def show(self, s: Snapshot, show_test: bool = True, discretize: bool = False) -> None:
        super().show(s, show_test, discretize)
        text = cell_caption(s)
        lines = text.plain.count("\n")
        self.caption.update(text, layout=lines != self._caption_lines)
        self._caption_lines = lines


__all__ = ["GridCell", "cell_caption"]

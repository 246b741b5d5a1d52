"""The state of the session on one line, and under it, while there is one, the warning that
paused training or refused an edit.

Why a second line: a warning appended to the state line was cut off at 160 columns
("⚠ paused:") and never seen at 80. On a line of its own it shows from its first word; a
text too long for it ends in "… m: full text", the key of the screen that shows every
warning in full (:class:`~tuinn.tui.screens.messages_screen.MessagesScreen`).
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.widgets import Static

from tuinn.session.playground import Snapshot

#: What a cut warning ends with: the key that shows it whole.
MORE = "… m: full text"


def number(v: float) -> str:
    """A loss or metric in at most ~10 characters: 4 decimals, or 4 significant digits once it is large
    (a diverging loss of 6.9e88 written with 4 decimals is 94 characters and pushed the rest off the line)."""
    return f"{v:.4f}" if abs(v) < 1e4 else f"{v:.4g}"


def status_text(s: Snapshot, speed: str) -> str:
    """The state line: running or paused, epoch, losses, accuracy, learning rate, engine, ``speed`` ("10 epochs/s").

    The learning rate is the next epoch's; with a schedule its name follows (``α 0.0075 plateau``),
    so that a rate below the one chosen in the panel is explained where it is read.
    """

    def last(values: tuple[float, ...]) -> str:
        return number(values[-1]) if values else "—"

    parts = [
        f"{'▶ training' if s.running else '⏸ paused'}",
        f"epoch {s.epoch}",
        f"loss train {last(s.train_loss)} test {last(s.test_loss)}",
    ]
    if s.validation_loss:
        parts.append(f"validation {last(s.validation_loss)}")
    if s.train_accuracy is not None:
        acc = f"acc train {s.train_accuracy:.3f}"
        if s.test_accuracy is not None:
            acc += f" test {s.test_accuracy:.3f}"
        parts.append(acc)
    alpha = f"α {s.learning_rate:g}" + (f" {s.schedule}" if s.schedule != "constant" else "")
    parts += [alpha, f"{s.backend} on {s.device}", speed]
    return " · ".join(parts)


def warning_line(message: str, width: int) -> str:
    """``⚠ message`` in at most ``width`` cells: cut, when it does not fit, with :data:`MORE` at its end."""
    line = f"⚠ {message}"
    if cell_len(line) <= width:
        return line
    if width <= cell_len(MORE):
        return set_cell_size(line, max(width - 1, 0)) + "…"
    return set_cell_size(line, width - cell_len(MORE)).rstrip() + MORE


class StatusLine(Static):
    """The state of the session, on one line; a second line with the warning while there is one."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; background: $panel; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusLine.-warning { height: 2; }
    """

    def show(self, s: Snapshot, speed: str) -> None:
        # Text, not markup (messages name keys like model.layers[2]). no_wrap: a line too long for
        # the terminal is cut with "…" where it ends, instead of wrapping onto a line never shown.
        # The height changes only when a warning comes or goes (a relayout then, not every frame).
        text = Text(status_text(s, speed), no_wrap=True, overflow="ellipsis")
        if s.message:
            width = self.content_region.width or self.app.size.width
            text.append("\n")
            text.append(warning_line(s.message, width), style=f"bold {self.app.current_theme.warning or 'yellow'}")
        warned = bool(s.message)
        if warned != self.has_class("-warning"):
            self.set_class(warned, "-warning")
            self.update(text)
        else:
            self.update(text, layout=False)

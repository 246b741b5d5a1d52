"""One line of state: epoch, losses, accuracy, learning rate, backend and device, messages."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tuinn.session.playground import Snapshot


def number(v: float) -> str:
    """A loss or metric in at most ~10 characters: 4 decimals, or 4 significant digits once it is large
    (a diverging loss of 6.9e88 written with 4 decimals is 94 characters and pushed the rest off the line)."""
    return f"{v:.4f}" if abs(v) < 1e4 else f"{v:.4g}"


def status_text(s: Snapshot, speed: int) -> str:
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
    parts += [f"α {s.learning_rate:g}", f"{s.backend} on {s.device}", f"speed ×{speed}"]
    text = " · ".join(parts)
    if s.message:
        text += f"  ⚠ {s.message}"
    return text


class StatusLine(Static):
    """The state of the session, on one line."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; background: $panel; }
    """

    def show(self, s: Snapshot, speed: int) -> None:
        # Text, not markup (messages name keys like model.layers[2]); one fixed line: no relayout.
        # no_wrap: a line too long for the terminal is cut with "…" where it ends, instead of
        # wrapping its tail onto a second line that a height-1 widget never shows.
        self.update(Text(status_text(s, speed), no_wrap=True, overflow="ellipsis"), layout=False)

"""One line of state: epoch, losses, accuracy, learning rate, backend and device, messages."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tuinn.session.playground import Snapshot


def status_text(s: Snapshot, speed: int) -> str:
    def last(values: tuple[float, ...]) -> str:
        return f"{values[-1]:.4f}" if values else "—"

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
        self.update(Text(status_text(s, speed)), layout=False)

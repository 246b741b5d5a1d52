"""The network as one line of layers, the active one lit, the arrows showing the direction.

In the step-through the numbers are the point: the full network diagram took ~32 rows
and left the terms 10. This strip keeps what the diagram told there — which layer the
stage is at and whether the step is going forward (→, computing z and a) or backward
(←, handing δ down) — in two rows: the layers, then the stages with the current one lit.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widget import Widget

ACTIVE = "bold reverse"
ARROW = "bold"


@dataclass(frozen=True)
class StripModel:
    """What the strip draws: layer sizes (inputs first), activations, the loss, and the stage."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    stages: tuple[tuple[str, int], ...]
    stage_index: int
    lit_layer: int | None = None  # for the chain stage: the layer of the parameter


def stage_label(stage: tuple[str, int]) -> str:
    kind, layer = stage
    return {"forward": f"→{layer}", "backward": f"←{layer}", "loss": "loss", "update": "update", "chain": "chain"}[kind]


def layers_line(m: StripModel, width: int) -> Text:
    """x → layer 1 → … → L, the active layer reversed, arrows pointing the stage's way."""
    kind, layer = m.stages[m.stage_index]
    n = len(m.activations)
    arrow = {"forward": " ──▶ ", "backward": " ◀── "}.get(kind, " ──── ")

    def labels(short: bool) -> list[str]:
        body = [f" {i + 1}: {m.sizes[i + 1]}" + ("" if short else f" {m.activations[i]}") + " " for i in range(n)]
        return [f" x: {m.sizes[0]} ", *body, f" L {m.loss} "]

    names = labels(short=False)
    if sum(map(len, names)) + len(arrow) * (len(names) - 1) > width:
        names = labels(short=True)
    lit = set(range(1, n + 1)) if kind == "update" else {n + 1} if kind == "loss" else {layer} if kind in ("forward", "backward") else (
        {m.lit_layer} if m.lit_layer else set())
    out = Text(no_wrap=True, overflow="ellipsis")
    for i, name in enumerate(names):
        if i:
            # the arrow into the active layer going forward, out of it going backward
            hot = (kind == "forward" and i == layer) or (kind == "backward" and i == layer) or (kind == "loss" and i == n + 1)
            out.append(arrow, style=ARROW if hot else "dim")
        out.append(name, style=ACTIVE if i in lit else "")
    return out


def stages_line(m: StripModel) -> Text:
    """The stages in order, the current one reversed."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append("stages ", style="dim")
    for i, st in enumerate(m.stages):
        out.append(" ")
        out.append(f" {stage_label(st)} ", style=ACTIVE if i == m.stage_index else "")
    return out


class NetworkStrip(Widget):
    """Two rows: the layers (x … L) and the stages, redrawn by :meth:`show`."""

    DEFAULT_CSS = """
    NetworkStrip { height: 4; border: round $primary; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model: StripModel | None = None

    def show(self, model: StripModel) -> None:
        self.model = model
        kind, _ = model.stages[model.stage_index]
        self.border_title = {"forward": "Network · forward →", "backward": "Network · backward ←"}.get(kind, "Network")
        self.refresh()

    def render(self) -> Text:
        if self.model is None:
            return Text("")
        line = layers_line(self.model, self.content_size.width or 80)
        line.append("\n")
        line.append_text(stages_line(self.model))
        return line

"""One input feature's picture over the plane, as TF Playground shows it beside its name.

x1 runs from orange (left) to blue (right), x2 from bottom to top, x1² is blue at both
sides, sin(x1) in stripes: seeing the picture tells what a feature adds before it is
ticked. The picture depends on nothing but the feature and the widget's size, so it is
drawn on resize and when the feature is switched on or off (faded when off), never per
frame. A line-API widget: ``render_line`` hands out prebuilt strips. Its last half-cell
row is left empty, so that pictures stacked in a column stay apart.
"""

from __future__ import annotations

import functools

import numpy as np
from textual import events
from textual.strip import Strip
from textual.widget import Widget

from tuinn.session.playground import PLANE
from tuinn.tui.render.colormap import SHADES, blend, diverging_palette, hex_color
from tuinn.tui.render.halfblock import StyleTable, picture_strips
from tuinn.tui.render.neuron_maps import feature_picture

#: What an unticked feature's colours are faded towards (a dark grey that reads on dark and light themes).
FADE_TO = (0x30, 0x30, 0x30)
FADE = 0.55
#: The palette index of "no colour" (the widget's background), after the diverging scale's shades.
EMPTY = SHADES


@functools.cache
def _table(faded: bool) -> StyleTable:
    """The palette × palette styles of the diverging scale, or of the scale faded towards
    :data:`FADE_TO`, plus :data:`EMPTY` (no colour)."""
    palette: list[str | None] = list(diverging_palette())
    if faded:
        palette = [hex_color(blend(tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)), FADE_TO, FADE)) for c in palette]  # type: ignore[arg-type,index]
    return StyleTable([*palette, None])  # type: ignore[list-item]


class FeaturePicture(Widget):
    """The picture of feature ``feature`` (a name of :data:`tuinn.data.features.FEATURE_FUNCTIONS`)."""

    DEFAULT_CSS = """
    FeaturePicture { width: 4; height: 2; margin-right: 1; }
    """

    def __init__(self, feature: str, on: bool = True, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.feature = feature
        self.on = on
        self._strips: list[Strip] = []

    def set_on(self, on: bool) -> None:
        """Full colours when the feature is an input, faded when it is not."""
        if on != self.on:
            self.on = on
            self._rebuild()

    def on_resize(self, event: events.Resize) -> None:
        self._rebuild()

    def _rebuild(self) -> None:
        w, h = self.size
        self._strips = []
        if w and h:
            pixels = feature_picture(self.feature, (2 * h - 1, w), PLANE) if h > 1 else feature_picture(self.feature, (2, w), PLANE)
            if h > 1:
                pixels = np.vstack([pixels, np.full((1, w), EMPTY, dtype=pixels.dtype)])
            self._strips = picture_strips(pixels, _table(not self.on))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width, self.rich_style)

"""A plotext widget whose figure never outlives one render.

Why this module exists: plotext 5.x keeps the data a figure is given and, on every
``build()``, replaces it with its scaled form; on a log scale that is its logarithm
(upstream plotext issue #209). The second render of a log-scale plot — any refresh: a
terminal resize, a theme change — takes the log of the log and raises ``ValueError: math
domain error`` on values below 1, which ends the app. textual-plotext 1.0 requires
plotext < 6, so rather than wait for a fix no plotext figure here lives across two builds:
widgets draw into a :class:`Sketch`, which records the drawing calls with copies of
their arguments, and :class:`SketchPlot` replays them into a cleared figure, with fresh
copies again, before every build. What is shown is exactly what plotext draws for
those calls; plotext only ever sees data it may scale in place once.

``tests/tui/test_tui_crashes.py`` pins plotext's behaviour, so a plotext release that
fixes it is noticed.
"""

from __future__ import annotations

import copy
from typing import Any

from textual.app import RenderResult
from textual_plotext import PlotextPlot
from textual_plotext.plot import Plot

#: Calls that plotext's ``clear_data()`` undoes (its ``data_init``: data, lines, text, limits).
DATA_CALLS = frozenset({"plot", "scatter", "vline", "xlim", "ylim"})


class Sketch:
    """The drawing calls of one figure, as a widget made them since its last ``clear_figure``.

    It has the names of the plotext calls tuinn's plots use, so widget code reads as
    plain plotext; a call it does not know is an ``AttributeError`` rather than a call
    that silently never reaches the figure.
    """

    def __init__(self) -> None:
        self._calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def _record(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        # Copies: a widget may reuse its lists, and plotext must never see the recorded ones.
        self._calls.append((name, copy.deepcopy(args), copy.deepcopy(kwargs)))

    def clear_figure(self) -> None:
        """Forget everything: the next render starts from an empty figure."""
        self._calls = []

    def clear_data(self) -> None:
        """Forget the data, lines and limits, keep labels, ticks and scales (as plotext does)."""
        self._calls = [call for call in self._calls if call[0] not in DATA_CALLS]

    def plot(self, *args: Any, **kwargs: Any) -> None:
        self._record("plot", args, kwargs)

    def scatter(self, *args: Any, **kwargs: Any) -> None:
        self._record("scatter", args, kwargs)

    def vline(self, *args: Any, **kwargs: Any) -> None:
        self._record("vline", args, kwargs)

    def xlim(self, *args: Any, **kwargs: Any) -> None:
        self._record("xlim", args, kwargs)

    def ylim(self, *args: Any, **kwargs: Any) -> None:
        self._record("ylim", args, kwargs)

    def xticks(self, *args: Any, **kwargs: Any) -> None:
        self._record("xticks", args, kwargs)

    def yticks(self, *args: Any, **kwargs: Any) -> None:
        self._record("yticks", args, kwargs)

    def xlabel(self, *args: Any, **kwargs: Any) -> None:
        self._record("xlabel", args, kwargs)

    def ylabel(self, *args: Any, **kwargs: Any) -> None:
        self._record("ylabel", args, kwargs)

    def yscale(self, *args: Any, **kwargs: Any) -> None:
        self._record("yscale", args, kwargs)

    def replay(self, figure: Plot) -> None:
        """Clear ``figure`` and make the recorded calls on it, each with fresh copies of its data."""
        figure.clear_data()
        figure.clear_figure()
        for name, args, kwargs in self._calls:
            getattr(figure, name)(*copy.deepcopy(args), **copy.deepcopy(kwargs))


class SketchPlot(PlotextPlot):
    """A :class:`PlotextPlot` whose ``plt`` is a :class:`Sketch`, replayed into a fresh figure at each render."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._sketch = Sketch()

    @property
    def plt(self) -> Sketch:  # type: ignore[override]
        """Where the widget draws: recorded, and replayed at every render."""
        return self._sketch

    def render(self) -> RenderResult:
        self._sketch.replay(self._plot)
        return super().render()

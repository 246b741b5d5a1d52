"""The ROC curve of one split, with the chance diagonal and the current threshold's point.

Binary: the curve from ``split_report(...)["roc"]``, AUC in the title, and a marker at
(1 − specificity, sensitivity) of the current threshold, so moving the threshold visibly
walks the point along the curve (the lecture's trade of sensitivity for specificity).
Multi-class: one one-vs-rest curve per class, in the playground's class colours, with
no marker (there is no threshold: the prediction is the argmax).

Class names are user data, so the legend in the border is built as rich Text.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from tuinn.tui.render.colormap import CLASS_COLORS, hex_color
from tuinn.tui.widgets.plotext_base import SketchPlot

CURVE = (59, 142, 234)
DIAGONAL = (128, 128, 128)
MARKER = (214, 39, 40)


class RocPlot(SketchPlot):
    """True positive rate against false positive rate, on [0, 1]²."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: The threshold's point (fpr, tpr) as drawn, or None (multi-class, or nothing drawn); for tests.
        self.point: tuple[float, float] | None = None

    def _axes(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlim(0, 1)
        plt.ylim(0, 1)
        plt.xlabel("false positive rate = 1 − specificity")
        plt.ylabel("↑ TPR = sensitivity")  # plotext puts it under the y axis
        ticks = [0.0, 0.25, 0.5, 0.75, 1.0]
        plt.xticks(ticks, [f"{t:g}" for t in ticks])
        plt.yticks(ticks, [f"{t:g}" for t in ticks])
        plt.plot([0.0, 1.0], [0.0, 1.0], color=DIAGONAL, marker="dot")  # a coin toss

    def show_binary(self, split: str, roc: dict[str, Any], point: tuple[float, float], threshold: float) -> None:
        """The curve of ``roc`` ({fpr, tpr, auc}) and the threshold's (fpr, tpr) ``point``."""
        self._axes()
        plt = self.plt
        plt.plot(roc["fpr"], roc["tpr"], color=CURVE, marker="braille")
        plt.scatter([point[0]], [point[1]], color=MARKER, marker="●")
        self.point = point
        self.border_title = Text(f"ROC · {split} · AUC {roc['auc']:.4f}")
        self.border_subtitle = Text.assemble(
            ("━", hex_color(CURVE)), " ROC  ", ("·", hex_color(DIAGONAL)), " chance  ",
            ("●", hex_color(MARKER)), f" threshold {threshold:.4f}: FPR {point[0]:.4f}, TPR {point[1]:.4f}")
        self.refresh()

    def show_classes(self, split: str, rocs: dict[str, dict[str, Any]], class_names: list[str]) -> None:
        """One-vs-rest curves, one per class present (``split_report(...)["roc"]`` of a multi-class split)."""
        self._axes()
        plt = self.plt
        legend = Text()
        for k, name in enumerate(class_names):
            if name not in rocs:
                continue
            color = CLASS_COLORS[k % len(CLASS_COLORS)]
            plt.plot(rocs[name]["fpr"], rocs[name]["tpr"], color=color, marker="braille")
            legend.append("━", style=hex_color(color))
            legend.append(f" {name} ")
            legend.append(f"{rocs[name]['auc']:.3f}  ", style="dim")
        self.point = None
        self.border_title = Text(f"ROC one-vs-rest · {split}")
        self.border_subtitle = legend
        self.refresh()

    def show_note(self, split: str, note: str) -> None:
        """Nothing to draw (one class only in ``split``): empty axes and the reason in the title."""
        self._axes()
        self.point = None
        self.border_title = Text(f"ROC · {split}")
        self.border_subtitle = Text(note)
        self.refresh()

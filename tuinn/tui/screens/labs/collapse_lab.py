"""The linear-collapse lab: a stack of linear layers is one layer, a stack of tanh layers is not.

The lecture shows by substitution that two linear layers compute one linear layer, and
says that this holds for any depth. This screen shows it on a network that trains: for
each variant of the lab's data (a net with linear hidden layers, the same net with tanh)
a row with the network, its decision boundary, the single layer that stands in for it
with its numbers (:mod:`tuinn.analysis.collapse`), and its loss curves. The linear net's single
layer reproduces its outputs to rounding error, epoch after epoch, and its boundary
stays a straight line whatever it is trained on (here a circle it cannot learn); the
tanh net's best single layer misses by a large share of its output's range, and its
boundary bends round the circle.

Training, keys and redrawing are the runs lab's (:class:`RunsLab`: one worker that
advances every variant in lock-step, a timer that redraws from published snapshots);
this screen changes the layout and computes the collapse with each snapshot, from the
trainer's engine network under the playground's lock, so the numbers shown always
belong to the weights drawn beside them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from rich.text import Text
from textual.containers import Horizontal, Vertical
from textual.widget import Widget

from tuinn.analysis.collapse import CollapseReport, compare
from tuinn.course.labs import Group, Lab
from tuinn.session.playground import Playground, Snapshot
from tuinn.tui.screens.labs.runs_lab import RunsLab
from tuinn.tui.widgets.collapse_view import CollapseView
from tuinn.tui.widgets.loss_plot import LossPlot
from tuinn.tui.widgets.network_diagram import NetworkDiagram
from tuinn.tui.widgets.variant_view import VariantView


class CollapseLab(RunsLab):
    """A linear stack beside a tanh stack: their networks, boundaries, single layers and losses."""

    # Textual reads one CSS class variable per screen class (scoped to it): the runs lab's rules come too.
    CSS = RunsLab.CSS + """
    .collapse-row { height: 1fr; }
    .collapse-row > NetworkDiagram { width: 29; height: 1fr; border: round $primary; }
    .collapse-row > VariantView { width: 39; }
    .collapse-side { width: 1fr; }
    .collapse-side > CollapseView { height: 8; }
    .collapse-side > LossPlot { height: 1fr; border: round $secondary; }
    """

    def __init__(self, lab: Lab, lesson: str | None = None) -> None:
        super().__init__(lab, lesson)
        #: The collapse report drawn for each variant (None before the first frame).
        self.reports: list[CollapseReport | None] = [None] * len(self.entries)
        # Crisp class regions: the straight half-plane of the linear net against the tanh
        # net's bent region reads at a glance (shaded, a near-constant net looks blank).
        self.discretize = True

    def compose_group(self, g: int, group: Group) -> Iterator[Widget]:
        """One row per variant: network, boundary, then the single layer above the loss curves."""
        for i in range(len(group.variants)):
            with Horizontal(classes="collapse-row", id=f"row-{g}-{i}"):
                yield NetworkDiagram(id=f"net-{g}-{i}")
                yield VariantView("decision boundary", id=f"variant-{g}-{i}")
                with Vertical(classes="collapse-side"):
                    yield CollapseView(id=f"collapse-{g}-{i}")
                    yield LossPlot(id=f"loss-{g}-{i}")

    def on_mount(self) -> None:
        for g, i, v in self.entries:
            self.query_one(f"#net-{g}-{i}", NetworkDiagram).border_title = Text(v.label)
            self.query_one(f"#loss-{g}-{i}", LossPlot).border_title = Text("loss")
        super().on_mount()

    def measure(self, pg: Playground) -> tuple[CollapseReport | None, int]:
        """The collapse (linear net) or the best single layer (any other) on all the data, and how many points that is."""
        t = pg.trainer
        try:
            return compare(t.network, t.x), len(t.x)
        except TypeError:  # the torch backend has no engine network
            return None, len(t.x)
        except (ValueError, np.linalg.LinAlgError):  # outputs that are not finite: nothing to fit
            return None, len(t.x)

    def draw_variant(self, k: int, s: Snapshot, extra: Any) -> None:
        g, i, _ = self.entries[k]
        self.view(k).show(s, self.show_test, self.discretize)
        self.show_losses(f"loss-{g}-{i}", s)
        # While playing, the network redraws every third frame (as in the playground).
        if not self.playing or self.frames % 3 == 0:
            self.query_one(f"#net-{g}-{i}", NetworkDiagram).show(list(s.layer_sizes), list(s.weights), list(s.biases),
                                                                 list(s.feature_names), list(s.activations))
        report, n_points = extra
        self.reports[k] = report
        shapes = [(int(w.shape[0]), int(w.shape[1])) for w in s.weights]
        self.query_one(f"#collapse-{g}-{i}", CollapseView).show(report, shapes, n_points)

"""The latent space of any layer: its activations projected to 2-D, coloured by class.

The lecture opens the black box by reading a hidden layer's outputs as new coordinates
of each sample: if the network has learned the task, the classes that were tangled in
the inputs sit apart there. This screen shows that picture for every layer (0 = the
inputs … L = the output), projected by PCA (with the share of variance the two axes
keep, so the reader knows how much of the layer the picture hides) or by UMAP when the
optional package is installed. "separation" puts a number on "the classes sit apart":
the accuracy of assigning each point the class whose centre is nearest *in the picture*.
k-means on the unprojected activations asks whether the network's own grouping agrees
with the classes (adjusted Rand index).

Everything is computed from the paused trainer under the playground's lock. PCA and
k-means take milliseconds at playground sizes (≈ 0.2 s for k = 8 on Pima's 768 rows), so
they run on the UI thread and every key gives its picture at once; UMAP takes seconds
(and compiles on first use), and k-means seconds from a few thousand points on, so those
run as a background job (:mod:`tuinn.tui.jobs`); a newer key cancels it, and its late
result is dropped.
"""

from __future__ import annotations

import textwrap

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from tuinn.analysis import latent
from tuinn.analysis.evaluation import split_index
from tuinn.session.playground import Playground
from tuinn.tui.jobs import BackgroundJob
from tuinn.tui.render.colormap import hex_color
from tuinn.tui.widgets.scatter_plot import DOT, ScatterPlot

#: What `k` steps through: 0 = k-means off.
CLUSTER_STEPS = (0, 2, 3, 4, 5, 6, 8)
#: From this many points on, k-means runs in a worker (≈ 0.2 s at Pima's 768 rows, seconds at 5000).
KMEANS_THREAD_POINTS = 1000
#: Content width of the info panel and of its label column.
INFO_WIDTH = 46
LABEL_WIDTH = 12
SPLIT_NAMES = {"whole": "the whole data set", "train": "the training split", "test": "the test split",
               "validation": "the validation split"}


def default_layer(n_layers: int) -> int:
    """The last hidden layer (where the classes should be most apart), or the output when there is none."""
    return n_layers - 1 if n_layers > 1 else n_layers


def pct(share: float) -> str:
    return f"{100.0 * share:.1f} %"


class LatentScreen(BackgroundJob, Screen[None]):
    """A scatter of one layer's activations over a split, with the numbers that judge it."""

    BINDINGS = [
        Binding("left,left_square_bracket", "layer(-1)", "previous layer", id="latent.previous", key_display="←/["),
        Binding("right,right_square_bracket", "layer(1)", "next layer", id="latent.next", key_display="→/]"),
        Binding("p", "toggle_method", "PCA/UMAP", id="latent.method"),
        Binding("k", "cycle_clusters", "k-means", id="latent.kmeans"),
        Binding("s", "cycle_split", "split", id="latent.split"),
        Binding("escape", "leave", "back", id="latent.back"),
    ]
    DEFAULT_CSS = """
    LatentScreen #latent-side { width: 50; }
    LatentScreen #latent-layers { height: auto; border: round $primary; padding: 0 1; }
    LatentScreen #latent-info { height: 1fr; border: round $primary; padding: 0 1; }
    LatentScreen #latent-plot { width: 1fr; height: 1fr; border: round $primary; }
    """

    JOB_GROUP = "latent"

    def __init__(self, playground: Playground) -> None:
        super().__init__()
        self.playground = playground
        self.n_layers = len(playground.experiment.model.layers)
        self.layer_index = default_layer(self.n_layers)
        #: What `p` asked for; without the umap package the view falls back to PCA and says so.
        self.wanted = "pca"
        self.cluster_step = 0
        self.split = "whole"
        self.view: latent.LatentView | None = None
        self.error = ""
        #: What a worker is computing now ("UMAP", "k-means"), or "".
        self.computing = ""

    @property
    def is_modal(self) -> bool:
        """Modal for key bindings: the playground's keys (play, one epoch, reset, new data …) must not
        change the model while it is being inspected, nor crowd this screen's footer."""
        return True

    @property
    def clusters(self) -> int:
        return CLUSTER_STEPS[self.cluster_step]

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="latent-side"):
                yield Static(id="latent-layers")
                yield Static(id="latent-info")
            yield ScatterPlot(id="latent-plot")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#latent-layers").border_title = "Layers"
        self.query_one("#latent-info").border_title = "What the picture says"
        self.set_focus(None)
        self.recompute()

    # ------------------------------------------------------------ computing
    def splits(self) -> list[str]:
        """The splits `s` steps through: the whole data, then those that hold samples."""
        t = self.playground.trainer
        return ["whole"] + [s for s in ("train", "test", "validation") if len(split_index(t, s))]

    def _compute(self) -> latent.LatentView:
        pg = self.playground
        with pg.lock:
            return latent.latent_view(pg.trainer, self.layer_index, method=self.wanted, clusters=self.clusters, split=self.split,
                                      seed=pg.experiment.seed)

    def slow(self) -> str:
        """What would freeze the UI if computed here ("" when nothing): UMAP, or k-means on many points."""
        if self.wanted == "umap" and latent.umap_available():
            return "UMAP"
        if self.clusters and len(split_index(self.playground.trainer, self.split)) >= KMEANS_THREAD_POINTS:
            return "k-means"
        return ""

    def recompute(self) -> None:
        """Project the current layer again: at once for PCA, in a worker for UMAP or a big k-means."""
        self.cancel_job()
        self.computing = self.slow()
        if self.computing:
            self.redraw_info()
            self.start_job(lambda _: self._compute())
            return
        try:
            self.show(self._compute())
        except (ValueError, np.linalg.LinAlgError) as exc:  # e.g. a diverged model: NaN activations
            self.show_error(str(exc))

    def job_done(self, result: latent.LatentView) -> None:
        self.show(result)

    def job_failed(self, exception: BaseException) -> None:
        """umap raises whatever it raises: say it (with its type) rather than crash the app."""
        self.show_error(f"{type(exception).__name__}: {exception}")

    # -------------------------------------------------------------- drawing
    def show(self, view: latent.LatentView) -> None:
        """Draw a computed view (from the UI thread)."""
        if not self.is_attached:
            return
        self.computing = ""
        self.view, self.error = view, ""
        plot = self.query_one(ScatterPlot)
        if view.method == "pca" and view.explained is not None:
            axes = (f"x: PC1 ({pct(view.explained[0])})", f"y: PC2 ({pct(view.explained[1])})")
        else:
            axes = ("x: UMAP 1", "y: UMAP 2")
        if view.clusters is not None:
            plot.show_categories(view.coords, view.clusters, [f"cluster {k + 1}" for k in range(int(view.clusters.max()) + 1)], axes)
        elif view.labels is not None:
            names = view.class_names or [str(k) for k in range(int(view.labels.max()) + 1)]
            # Bare numbers ("0", "1") read as values in a legend; named classes keep their names.
            names = [f"class {n}" if n.isdigit() else n for n in names]
            plot.show_categories(view.coords, view.labels, names, axes)
        else:
            plot.show_values(view.coords, view.values if view.values is not None else np.zeros(len(view.coords)), axes)
        plot.border_title = Content(f"Latent space · {view.layer_name} · {view.method.upper()}")
        self.redraw_info()

    def show_error(self, message: str) -> None:
        if not self.is_attached:
            return
        self.computing = ""
        self.view, self.error = None, message
        self.redraw_info()

    def redraw_info(self) -> None:
        self.query_one("#latent-layers", Static).update(self.layers_text())
        self.query_one("#latent-info", Static).update(self.info_text())

    def layers_text(self) -> Text:
        t = self.playground.trainer
        text = Text()
        for layer in range(self.n_layers + 1):
            mark = "▶ " if layer == self.layer_index else "  "
            text.append(mark + latent.layer_name(t, layer) + ("\n" if layer < self.n_layers else ""),
                        style="bold" if layer == self.layer_index else "")
        return text

    def info_text(self) -> Text:
        """Layer, projection, explained variance, separation, cluster agreement and note, as plain Text."""
        text = Text()
        width = self.query_one("#latent-info").size.width or INFO_WIDTH

        def row(label: str, value: str, style: str = "") -> None:
            # Hanging indent: a wrapped value stays in its column, under the value, not under the labels.
            lines = textwrap.wrap(value, max(16, width - LABEL_WIDTH)) or [""]
            text.append(f"{label:<{LABEL_WIDTH}}", style="bold")
            text.append(("\n" + " " * LABEL_WIDTH).join(lines) + "\n", style=style)

        def aside(value: str) -> None:
            text.append(" " * LABEL_WIDTH + ("\n" + " " * LABEL_WIDTH).join(textwrap.wrap(value, max(16, width - LABEL_WIDTH))) + "\n",
                        style="dim")

        t = self.playground.trainer
        row("layer", latent.layer_name(t, self.layer_index))
        n_points = len(split_index(t, self.split))
        row("points", f"{n_points} from {SPLIT_NAMES[self.split]} (s)")
        if self.computing:
            row("computing", f"{self.computing} …", "italic")
            return text
        if self.error:
            row("error", self.error, "red")
            return text
        v = self.view
        if v is None:
            return text
        if v.method == "pca" and v.explained is not None:
            row("projection", "PCA, the two directions of most variance")
            e1, e2 = float(v.explained[0]), float(v.explained[1])
            row("explained", f"PC1 {pct(e1)} + PC2 {pct(e2)} = {pct(e1 + e2)}")
            aside("of the layer's variance: what the picture keeps")
        else:
            row("projection", "UMAP (nonlinear: distances are only locally meaningful)")
        if v.labels is not None:
            n_classes = max(len(v.class_names), len(np.unique(v.labels)))
            if v.separation is not None:
                row("separation", f"{v.separation:.2f} (chance {1.0 / n_classes:.2f})")
                aside("accuracy of giving each point the class whose centre is nearest in this picture")
            else:
                row("separation", "— (one class only)")
        else:
            row("colour", "the target value, in equal bins:")
            for entry in self.query_one(ScatterPlot).legend:
                text.append(" " * LABEL_WIDTH)
                text.append(DOT, style=hex_color(entry.color))
                text.append(f" {entry.label.replace('…', ' to ')} ({entry.count})\n")
        if self.clusters:
            if v.cluster_agreement is not None:
                row("k-means", f"k = {self.clusters} · agreement with the classes: ARI {v.cluster_agreement:.2f}")
                aside("clusters of the layer's own activations (not of the picture); ARI 1 = the same groups, 0 = chance")
            else:
                row("k-means", f"k = {self.clusters} (no classes to compare with)")
            aside("the points are coloured by cluster")
        else:
            row("k-means", "off (k: 2 … 8 clusters)")
        if v.note:
            text.append("\n")
            row("note", v.note, "yellow")
        return text

    # -------------------------------------------------------------- actions
    def action_layer(self, delta: int) -> None:
        self.layer_index = max(0, min(self.n_layers, self.layer_index + delta))
        self.recompute()

    def action_toggle_method(self) -> None:
        self.wanted = "umap" if self.wanted == "pca" else "pca"
        if self.wanted == "umap" and not latent.umap_available():
            self.notify(latent.UMAP_MISSING, severity="warning", markup=False)
        self.recompute()

    def action_cycle_clusters(self) -> None:
        self.cluster_step = (self.cluster_step + 1) % len(CLUSTER_STEPS)
        self.recompute()

    def action_cycle_split(self) -> None:
        names = self.splits()
        self.split = names[(names.index(self.split) + 1) % len(names)] if self.split in names else names[0]
        self.recompute()

    def action_leave(self) -> None:
        self.cancel_job()
        self.dismiss(None)

"""The help screen (`?` or F1): every key, and what the panels show."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# tuinn playground

Watch a network learn. Notation of the lecture: z = W·x + b, a = f(z), W is (units × inputs).

The keys below work wherever the focus is (after choosing in a list, `space` plays, it does
not open the list again); only a text field or an open list takes typed letters. A
warning (a pause, a refused edit) comes as a notification and on the status line; `m`
shows it whole.

| key | action |
|---|---|
| `space` | play / pause training |
| `n` | one epoch |
| `r` | reset: re-initialise the weights (epoch 0) |
| `g` | regenerate the data (next seed) |
| `+` / `-` | training speed: 1, 3, 10, 30, 100 epochs/s, or as fast as it goes |
| `t` | show / hide test points |
| `d` | discretize the output |
| `o` | log scale of the loss plot |
| `y` | the learning rate α of each epoch over the loss plot (dotted, normalised: the largest α at the top) |
| `s` | step-through backprop on the current weights and the next batch |
| `e` | evaluate: metrics per split, ROC with a movable threshold, K-fold, class balance |
| `l` | latent space: a layer's activations after PCA (or UMAP), k-means clusters |
| `w` | inputs: importance from the first-layer weights and from gradients, across seeds |
| `#` | grid of experiments: this experiment at α/3, α, 3α × noise 0, 0.25, 0.5 (`a` there: other axes), one small boundary each, training together |
| `c` | per-layer / global colour scale of the weight heatmaps |
| `f` | Weights panel: heatmaps → each layer's W over the epochs (percentile bands) → b → heatmaps |
| `v` | type a value into the selected link's weight (select it in the network with `i`) |
| `escape` | show the model's output again (after selecting a neuron) |
| `m` | the last warnings in full: why training paused, why an edit was refused |
| `1` … `7` | go to a panel: 1 Data, 2 Features, 3 Hyperparameters, 4 Network, 5 Weights, 6 Decision boundary, 7 Loss (`0`: the lesson's text) |
| `tab` / `shift+tab` | next / previous control, panel by panel, top to bottom |
| `enter` | open the focused list (arrows choose, `enter` takes it, typing searches); tick the focused feature; press the focused button |
| `ctrl+s` / `ctrl+o` | save / load the experiment and weights |
| `ctrl+p` | command palette |
| `?` / `F1` | this help |
| `q` | quit |

**Network**: links coloured by weight (orange negative, blue positive, stronger = more
saturated); neuron colour = bias. Focus it (`4`, a click or `tab`) and use the arrows; `enter`
shows a neuron's output over the plane; `i` selects its incoming links one by one.

**Weights** (`5`): W of each layer as a heatmap; arrows move the selected cell, `[`/`]` switch layer.
With `f`: how each layer's W (then b) spread over the epochs, as TensorBoard draws it:
bands between the min, 7, 16, 31, 69, 84, 93 % and max, the median as a line, epoch 0 at
the left and now at the right; a layer learning is seen widening. `[`/`]` choose the
layers shown when not all fit.

**Decision boundary** (`6`): the output over the input plane, with axis ticks and a legend
under it: which colour is which value, which dot a training and which a test point
(`t` shows or hides the test points, `d` discretizes the output).

**Your own points**: focus the boundary (`6` or a click); the arrows move a cursor
(`shift`+arrow: five cells), `a` or `enter` adds a point there, `x` or `delete` removes
the nearest point, `k` chooses the class of the next point (the cursor takes its colour;
a regression steps through low to high values; on a curve the height is the target). The
mouse: a left click adds a point in the cell clicked, a right click (or `ctrl`+click)
removes the nearest. An added point is a training point; training goes on from the same
weights. The data becomes inline data of the experiment: `ctrl+s` saves it with every
point and its split, and `ctrl+o`, `tuinn FILE` and `tuinn train` read exactly those points.

**Loss** (`7`): train, test (and validation) loss per epoch. A red line marks the best epoch of
the held-out loss (validation if there is a validation split, else test): training past
it is overfitting. With *early stop* set, training pauses after that many epochs without
improvement (purple line).
"""


class HelpScreen(ModalScreen[None]):
    """Keys and panels."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-height: 90%; border: thick $accent; background: $surface; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(HELP)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)

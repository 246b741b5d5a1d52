"""Step-through backprop: forward and backward one layer at a time, with every number.

Stages: Forward layer 1 … L → Loss → Backward layer L … 1 → Update → Scalar chain.
The step shown is computed and then held back (see :mod:`tuinn.session.stepping`): `u`
takes it for real and moves to the next batch, so stepping trains exactly as
`tuinn train` does. `tab` shows the next sample of the batch (gradients stay the
batch's, which is what the update uses).

The math is the main panel (:class:`TermsView`, focused, scrolled by keyboard): each
stage writes the lecture's equation, then the same equation with the numbers in it
(:mod:`tuinn.teaching.equations`). The network is a two-row strip above it
(:class:`NetworkStrip`) that lights the active layer and the direction of the pass.
`f` shows, under the terms, every layer's |∂L/∂W| on one log axis
(:class:`GradientHistogram`): vanishing gradients in a deep sigmoid net, or exploding
ones, are seen there before any number is read.
"""

from __future__ import annotations

import re
import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from tuinn.session.stepping import StepSession
from tuinn.teaching.blocks import fmt_number, sup
from tuinn.teaching.chain import chain_lines, finite_difference, scalar_chain
from tuinn.teaching.equations import stage_equations
from tuinn.tui.screens.prompt import Prompt
from tuinn.tui.widgets.gradient_histogram import GradientHistogram
from tuinn.tui.widgets.network_strip import NetworkStrip, StripModel
from tuinn.tui.widgets.terms_view import TermsView


def stages(n_layers: int) -> list[tuple[str, int]]:
    return ([("forward", l) for l in range(1, n_layers + 1)] + [("loss", 0)] +
            [("backward", l) for l in range(n_layers, 0, -1)] + [("update", 0), ("chain", 0)])


def stage_title(stage: tuple[str, int]) -> str:
    kind, layer = stage
    return {"forward": f"Forward layer {layer}", "loss": "Loss", "backward": f"Backward layer {layer}",
            "update": "Update", "chain": "Scalar chain"}[kind]


class StepScreen(Screen[None]):
    """The step-through mode over a :class:`StepSession`."""

    BINDINGS = [
        Binding("right,l", "move(1)", "next stage", id="step.next"),
        Binding("left,h", "move(-1)", "previous", id="step.previous"),
        Binding("g", "jump(0)", "first stage", id="step.first", show=False),
        Binding("G", "jump(-1)", "last stage", id="step.last", show=False),
        Binding("u", "apply", "apply update", id="step.apply"),
        Binding("tab", "next_sample", "next sample", id="step.sample", priority=True),
        Binding("c", "pick", "chain of…", id="step.pick"),
        Binding("escape", "leave", "back", id="step.back"),
        # last: on a narrow footer it is the one cut, not `escape`
        Binding("f", "toggle_gradients", "gradients", id="step.gradients"),
    ]
    DEFAULT_CSS = """
    StepScreen #step-status { height: 1; padding: 0 1; background: $panel; }
    StepScreen #step-gradients { display: none; }
    StepScreen #step-gradients.shown { display: block; }
    """

    def __init__(self, session: StepSession, digits: int = 6) -> None:
        super().__init__()
        self.session = session
        self.digits = digits
        self.stage_index = 0
        self.sample = 0
        self.target: tuple[str, int, int, int | None] = ("W", 1, 0, 0)
        self.render_ms = 0.0

    @property
    def stages(self) -> list[tuple[str, int]]:
        return stages(len(self.session.trace.layers))

    @property
    def stage(self) -> tuple[str, int]:
        return self.stages[self.stage_index]

    def compose(self) -> ComposeResult:
        yield NetworkStrip(id="step-network")
        yield TermsView(id="step-terms")
        yield GradientHistogram(id="step-gradients")
        yield Static(id="step-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(GradientHistogram).border_title = "|∂L/∂W| of each layer, one log axis (f hides)"
        self.query_one(TermsView).focus()
        self.redraw()

    # ----------------------------------------------------------- drawing
    def redraw(self, keep_position: bool = False) -> None:
        t0 = time.perf_counter()
        s = self.session
        trace = s.trace
        self.sample = min(self.sample, len(trace.inputs) - 1)
        sizes = (trace.layers[0].W.shape[1], *(t.a.shape[1] for t in trace.layers))
        self.query_one(NetworkStrip).show(StripModel(
            sizes=sizes, activations=tuple(t.activation for t in trace.layers), loss=trace.loss_name,
            stages=tuple(self.stages), stage_index=self.stage_index, lit_layer=self.target[1]))
        self.query_one(TermsView).show(self.stage_text(), f"Terms · {stage_title(self.stage)}", keep_position=keep_position)
        gradients = self.query_one(GradientHistogram)
        if gradients.has_class("shown"):
            gradients.show([t.dL_dW for t in trace.layers], [f"∂L/∂W{sup(i)}" for i in range(1, len(trace.layers) + 1)])
        S = len(trace.inputs)
        self.query_one("#step-status", Static).update(Text(
            f"epoch {s.trainer.epoch + 1} · batch {s.batch_number}/{s.n_batches} · sample {self.sample + 1}/{S} · "
            f"steps {s.steps_taken} · loss {fmt_number(trace.loss, self.digits)} · "
            f"{s.trainer.model.name} on {s.trainer.model.device}"))
        self.render_ms = (time.perf_counter() - t0) * 1e3

    def stage_text(self) -> list[str]:
        if self.stage[0] == "chain":
            return self.chain_text()
        return stage_equations(self.session.trace, self.stage, self.sample, self.digits)

    def chain_text(self) -> list[str]:
        s = self.session
        trainer = s.trainer
        kind, layer, j, k = self.target
        exp = trainer.experiment
        chain = scalar_chain(s.trace, kind, layer, j, k, sample=self.sample, l1=exp.train.l1, l2=exp.train.l2)
        lines = chain_lines(chain, self.digits)
        lines.append("")
        lines.append(f"chain rule            {fmt_number(chain.chain_value, 12)}")
        lines.append(f"backprop gave         {fmt_number(chain.backprop, 12)}   |Δ| = {abs(chain.chain_value - chain.backprop):.2e}")
        fd = self._finite_difference()
        lines.append(f"finite difference     {fmt_number(fd, 12)}   |Δ| = {abs(fd - chain.backprop):.2e}   (centred, h = 1e-6)")
        if trainer.model.name == "torch":
            engine = self._engine_gradient()
            lines.append(f"torch autograd gave   {fmt_number(chain.backprop, 12)} (this trace); the NumPy engine gives "
                         f"{fmt_number(engine, 12)}   |Δ| = {abs(engine - chain.backprop):.2e}")
        return lines

    def _engine_network(self):
        from tuinn.training.build import build_network
        from tuinn.training.trainer import seed_streams

        t = self.session.trainer
        streams = seed_streams(t.experiment.seed)
        net = build_network(t.experiment, t.dataset.n_inputs, streams["init"], streams["dropout"])
        net.set_parameters(self.session.before["params"])
        return net

    def _finite_difference(self) -> float:
        s = self.session
        t = s.trainer
        kind, layer, j, k = self.target
        net = t.network if t.model.name == "numpy" else self._engine_network()
        from copy import deepcopy

        net = deepcopy(net)
        net.set_parameters(s.before["params"])
        rng = s.before["rng"]["dropout"].get("numpy") if isinstance(s.before["rng"]["dropout"], dict) else None
        w = None if t.sample_weight is None else t.sample_weight[s.batch][:, None].astype(t.x.dtype)
        return finite_difference(net, t.x[s.batch], t.y[s.batch], kind, layer, j, k, rng_state=rng, w=w)

    def _engine_gradient(self) -> float:
        s = self.session
        t = s.trainer
        kind, layer, j, k = self.target
        net = self._engine_network()
        net.compute_gradients(t.x[s.batch], t.y[s.batch])
        lay = net.layers[layer - 1]
        return float(lay.dW[j, k]) if kind == "W" else float(lay.db[j])

    # ----------------------------------------------------------- actions
    def action_move(self, delta: int) -> None:
        self.stage_index = max(0, min(len(self.stages) - 1, self.stage_index + delta))
        self.redraw()

    def action_jump(self, index: int) -> None:
        self.stage_index = index % len(self.stages)
        self.redraw()

    def action_toggle_gradients(self) -> None:
        """Show or hide every layer's |∂L/∂W| (the batch's, as the update uses them) on one log axis."""
        gradients = self.query_one(GradientHistogram)
        gradients.toggle_class("shown")
        self.redraw(keep_position=True)

    def action_apply(self) -> None:
        self.session.apply()
        self.redraw(keep_position=True)  # the same stage on the next batch: the eye stays on the same term

    def action_next_sample(self) -> None:
        self.sample = (self.sample + 1) % len(self.session.trace.inputs)
        self.redraw(keep_position=True)

    def set_target(self, kind: str, layer: int, j: int, k: int | None = None) -> None:
        """Show the chain of w^layer_jk (kind "W") or b^layer_j (kind "b"); 0-based j, k."""
        trace = self.session.trace
        if not 1 <= layer <= len(trace.layers):
            raise ValueError(f"layer {layer}: the net has {len(trace.layers)} layers")
        W = trace.layers[layer - 1].W
        if not 0 <= j < W.shape[0] or (kind == "W" and not 0 <= (k or 0) < W.shape[1]):
            raise ValueError(f"{kind}{sup(layer)}[{j + 1}{'' if k is None else f',{k + 1}'}] is outside W{sup(layer)} {W.shape}")
        self.target = (kind, layer, j, k)
        self.stage_index = len(self.stages) - 1
        self.redraw()

    def action_pick(self) -> None:
        def done(answer: str | None) -> None:
            if not answer:
                return
            m = re.fullmatch(r"\s*([wWbB])\s*(\d+)\s*\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\]\s*", answer)
            if not m or (m.group(1).lower() == "w") != (m.group(4) is not None):
                self.notify(f"{answer!r}: write w1[2,1] (layer 1, neuron 2, input 1) or b2[1]", severity="error", markup=False)
                return
            kind = "W" if m.group(1).lower() == "w" else "b"
            try:
                self.set_target(kind, int(m.group(2)), int(m.group(3)) - 1, None if m.group(4) is None else int(m.group(4)) - 1)
            except ValueError as exc:
                self.notify(str(exc), severity="error", markup=False)

        self.app.push_screen(Prompt("the chain of which parameter? w1[2,1] = layer 1, neuron 2, input 1; b2[1] = bias of neuron 1 of layer 2"),
                             done)

    def action_leave(self) -> None:
        self.dismiss(None)

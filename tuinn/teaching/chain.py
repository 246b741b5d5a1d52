"""The chain rule for one weight or bias, written out factor by factor.

The lecture: ∂MSE/∂b² = ∂MSE/∂ŷ · ∂ŷ/∂z² · ∂z²/∂b², then ∂MSE/∂b¹ᵢ reusing what was
computed for b². For a parameter deep in the net the chain branches: ∂L/∂w¹ⱼₖ is a sum
over every path from the outputs down to neuron j, each path a product of factors
(∂L/∂ŷₒ, f'(z), a weight of the layer above, f'(z), …, and finally aₖ of the layer
below). This module enumerates those paths from a step's trace, so that the sum of the
products can be shown beside backprop's value and a finite-difference estimate.

Paths are enumerated when every layer between the parameter and the output is
element-wise (no maxout, no batch/layer norm, which couple units); otherwise the chain
is shown in its recursive form ∂L/∂w = δ·aᵀ with δ = (Wᵀδ_above) ⊙ f'(z), which is what
backprop computes. Batch terms: δ carries the 1/S of the mean, so the gradient is the
sum over the samples of the batch.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tuinn.engine.network import Network
from tuinn.engine.trace import StepTrace
from tuinn.teaching.blocks import fmt_number

MAX_PATHS = 100_000
SHOWN_PATHS = 24


@dataclass
class Factor:
    name: str
    value: float


@dataclass
class ChainPath:
    """One route from an output down to the parameter, for one sample."""

    units: tuple[int, ...]  # unit index per layer from the top (output) down to the parameter's layer
    factors: list[Factor]

    @property
    def product(self) -> float:
        return float(np.prod([f.value for f in self.factors]))


@dataclass
class Chain:
    """The chain of one parameter in one step."""

    kind: str  # "W" or "b"
    layer: int  # from 1
    j: int  # neuron (row of W) in ``layer``, 0-based
    k: int | None  # input (column of W), 0-based; None for a bias
    sample: int
    paths: list[ChainPath] = field(default_factory=list)  # for ``sample``
    n_paths: int = 0
    per_sample_sums: list[float] = field(default_factory=list)  # Σ over paths, per sample
    recursive: list[Factor] = field(default_factory=list)  # δ-form factors for ``sample``
    penalty: float = 0.0
    chain_value: float = 0.0  # Σ over samples and paths (+ penalty)
    backprop: float = 0.0
    finite_difference: float | None = None
    enumerated: bool = True
    note: str = ""
    upstream: str = ""  # how the first recursive factor is computed (Σᵢ W[i,j]·δ[i], reused)
    fused: bool = False  # the top layer's δ comes fused with the loss
    samples: int = 1  # S, the samples of the batch

    @property
    def name(self) -> str:
        from tuinn.teaching.blocks import sup

        return f"w{sup(self.layer)}[{self.j + 1},{self.k + 1}]" if self.kind == "W" else f"b{sup(self.layer)}[{self.j + 1}]"


def _elementwise(trace: StepTrace, start: int) -> bool:
    """True when layers start … L allow path enumeration."""
    for t in trace.layers[start - 1 :]:
        if t.norm != "none" or t.activation == "maxout":
            return False
        if t.activation == "softmax" and not trace.fused:
            return False
    return True


def scalar_chain(trace: StepTrace, kind: str, layer: int, j: int, k: int | None = None, sample: int = 0,
                 l1: float = 0.0, l2: float = 0.0) -> Chain:
    """The chain of ∂L/∂w^layer_jk (``kind`` "W") or ∂L/∂b^layer_j (``kind`` "b")."""
    L = len(trace.layers)
    t = trace.layers[layer - 1]
    chain = Chain(kind=kind, layer=layer, j=j, k=k, sample=sample)
    chain.backprop = float(t.dL_dW[j, k]) if kind == "W" else float(t.dL_db[j])
    S = t.delta.shape[0]
    input_value = (lambda s: float(t.input[s, k])) if kind == "W" else (lambda s: 1.0)
    chain.enumerated = _elementwise(trace, layer)
    chain.fused = trace.fused
    chain.samples = S
    if chain.enumerated:
        sizes = [trace.layers[m - 1].delta.shape[1] for m in range(layer + 1, L + 1)]  # units of layers above
        chain.n_paths = int(np.prod(sizes)) if sizes else 1
        if chain.n_paths > MAX_PATHS:
            chain.enumerated = False
            chain.note = f"{chain.n_paths:,} paths: too many to list; the recursive form below is what backprop sums"
    if chain.enumerated:
        for s in range(S):
            total = 0.0
            # routes: one unit per layer above, from layer+1 up to L
            ranges = [range(trace.layers[m - 1].delta.shape[1]) for m in range(layer + 1, L + 1)]
            for route in itertools.product(*ranges):  # one unit in each of layers layer+1 … L
                top_down = (*reversed(route), j)
                factors = _path_factors(trace, layer, top_down, s, input_value(s), kind, k)
                product = float(np.prod([f.value for f in factors]))
                total += product
                if s == sample and len(chain.paths) < SHOWN_PATHS:
                    chain.paths.append(ChainPath(top_down, factors))
            chain.per_sample_sums.append(total)
    # The recursive (δ) form, always available.
    from tuinn.teaching.blocks import sup

    l_ = sup(layer)
    if layer < L:
        above = trace.layers[layer]
        da = float(above.W[:, j] @ above.delta[sample]) * (1.0 if t.mask is None else float(t.mask[sample, j]))
        chain.recursive.append(Factor(f"∂L/∂a{l_}[{j + 1}]", da))
        chain.upstream = f"Σᵢ W{sup(layer + 1)}[i,{j + 1}]·δ{sup(layer + 1)}[i]" + ("" if t.mask is None else f" · m{l_}[{j + 1}]")
    else:
        chain.recursive.append(Factor(f"∂L/∂ŷ[{j + 1}]", float(t.dL_da[sample, j])))
    if t.da_dz is not None and t.norm == "none":
        chain.recursive.append(Factor(f"f'(z{l_}[{j + 1}])", float(t.da_dz[sample, j])))
    chain.recursive.append(Factor(f"δ{l_}[{j + 1}]", float(t.delta[sample, j])))
    if kind == "W":
        chain.recursive.append(Factor(f"a{sup(layer - 1)}[{k + 1}]", input_value(sample)))
    if kind == "W" and (l1 or l2):
        w = float(t.W[j, k])
        chain.penalty = l2 * w + l1 * float(np.sign(w))
    per_sample = [float(t.delta[s, j]) * input_value(s) for s in range(S)]
    chain.chain_value = float(sum(chain.per_sample_sums) if chain.enumerated else sum(per_sample)) + chain.penalty
    return chain


def _path_factors(trace: StepTrace, layer: int, units: tuple[int, ...], s: int, a_in: float, kind: str, k: int | None) -> list[Factor]:
    """Factors of one path: ``units`` = (unit at L, unit at L−1, …, unit j at ``layer``)."""
    from tuinn.teaching.blocks import sup

    L = len(trace.layers)
    factors: list[Factor] = []
    out = trace.layers[-1]
    o = units[0]
    if trace.fused:
        factors.append(Factor(f"δ{sup(L)}[{o + 1}]", float(out.delta[s, o])))  # ∂L/∂z, fused with the loss
    else:
        factors.append(Factor(f"∂L/∂ŷ[{o + 1}]", float(out.dL_da[s, o])))
        factors.append(Factor(f"f'(z{sup(L)}[{o + 1}])", float(out.da_dz[s, o])))
    for depth in range(1, len(units)):
        m = L - depth  # the layer we step down into
        upper = trace.layers[m]  # layer m + 1 (0-based index m)
        lower = trace.layers[m - 1]
        i_up, i = units[depth - 1], units[depth]
        factors.append(Factor(f"W{sup(m + 1)}[{i_up + 1},{i + 1}]", float(upper.W[i_up, i])))
        if lower.mask is not None:
            factors.append(Factor(f"m{sup(m)}[{i + 1}]", float(lower.mask[s, i])))
        factors.append(Factor(f"f'(z{sup(m)}[{i + 1}])", float(lower.da_dz[s, i])))
    if kind == "W":
        factors.append(Factor(f"a{sup(layer - 1)}[{k + 1}]", a_in))  # ∂z/∂w
    else:
        factors.append(Factor(f"∂z{sup(layer)}[{units[-1] + 1}]/∂b", 1.0))
    return factors


def finite_difference(network: Network, x: np.ndarray, y: np.ndarray, kind: str, layer: int, j: int, k: int | None,
                      rng_state: Any = None, w: np.ndarray | None = None, h: float = 1e-6) -> float:
    """Centred difference of the training loss in one parameter (on a copy of the network,
    with the same dropout mask at every evaluation)."""
    net = copy.deepcopy(network)
    arr = net.layers[layer - 1].W if kind == "W" else net.layers[layer - 1].b
    idx = (j, k) if kind == "W" else (j,)

    def loss() -> float:
        if rng_state is not None:
            net.rng.bit_generator.state = copy.deepcopy(rng_state)
        return net.compute_gradients(x, y, w=w)

    old = float(arr[idx])
    arr[idx] = old + h
    up = loss()
    arr[idx] = old - h
    down = loss()
    arr[idx] = old
    return (up - down) / (2 * h)


def _product(factors: list[Factor], digits: int) -> tuple[str, str]:
    """A product written twice: in symbols, then with the numbers (negatives in brackets)."""
    def num(v: float) -> str:
        text = fmt_number(v, digits)
        return f"({text})" if v < 0 else text

    return " · ".join(f.name for f in factors), " · ".join(num(f.value) for f in factors)


def chain_lines(chain: Chain, digits: int) -> list[str]:
    """The chain of one parameter as text: every path (symbols, then numbers), then the
    recursive δ form backprop uses. The comparison with backprop and finite differences
    is left to the caller, which has the network."""
    d = digits
    S = chain.samples
    lines = [f"∂L/∂{chain.name}: the chain from the loss down to it (c: another)", ""]
    if chain.enumerated:
        s_ = "s" if chain.n_paths != 1 else ""
        lines.append(f"{chain.n_paths} path{s_} from the outputs down to neuron {chain.j + 1} of layer {chain.layer}, sample {chain.sample + 1},")
        lines.append(f"one product each, as the lecture's ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂a · … · ∂z/∂{'w' if chain.kind == 'W' else 'b'}:")
        for p in chain.paths:
            route = " → ".join(f"{u + 1}" for u in p.units)
            symbols, numbers = _product(p.factors, d)
            lines.append(f"  [{route}]  {symbols}")
            pad = " " * (len(route) + 4)
            lines.append(f"  {pad}= {numbers}")
            lines.append(f"  {pad}= {fmt_number(p.product, d)}")
        if chain.n_paths > len(chain.paths):
            lines.append(f"  … {chain.n_paths - len(chain.paths)} more paths")
        lines.append(f"sum over the paths of sample {chain.sample + 1}: {fmt_number(chain.per_sample_sums[chain.sample], d)}")
        if S > 1:
            lines.append(f"sum over the {S} samples of the batch, Σₛ: {fmt_number(sum(chain.per_sample_sums), d)}")
    else:
        lines.append(chain.note or "the layers couple their units (norm or maxout): the chain goes through δ, as backprop does")
    lines += ["", f"recursive form, as backprop computes it (reusing δ of the layer above), sample {chain.sample + 1}:"]
    first, delta = chain.recursive[0], next(f for f in chain.recursive if f.name.startswith("δ"))
    if chain.upstream:
        lines.append(f"  {first.name} = {chain.upstream} = {fmt_number(first.value, d)}   (reused from layer {chain.layer + 1})")
    else:
        lines.append(f"  {first.name} = {fmt_number(first.value, d)}   (from the loss)")
    fprime = next((f for f in chain.recursive if f.name.startswith("f'")), None)
    if fprime is not None and not (chain.fused and not chain.upstream):
        symbols, numbers = _product([first, fprime], d)
        lines.append(f"  {delta.name} = {symbols} = {numbers} = {fmt_number(delta.value, d)}")
    else:
        how = "(ŷ − y)/N, fused with the loss" if chain.fused and not chain.upstream else "back through the layer's norm or pieces"
        lines.append(f"  {delta.name} = ∂L/∂z{delta.name[1:]} = {fmt_number(delta.value, d)}   ({how})")
    share = [delta] + [f for f in chain.recursive if f.name.startswith("a")]
    symbols, numbers = _product(share, d)
    share_value = float(np.prod([f.value for f in share]))
    if chain.kind == "W" and S > 1:
        lines.append(f"  {symbols} = {numbers} = {fmt_number(share_value, d)}   (sample {chain.sample + 1}'s share)")
    batch = f"Σₛ {delta.name.replace('[', 'ₛ[', 1)}" + ("" if chain.kind == "b" else f"·{share[-1].name.replace('[', 'ₛ[', 1)}")
    reg = " + λ₂w + λ₁sign(w)" if chain.penalty else ""
    single = f"{symbols} = {numbers}" if chain.kind == "W" else delta.name
    lines.append(f"  ∂L/∂{chain.name} = {batch if S > 1 else single}{reg} = {fmt_number(chain.chain_value, d)}")
    if chain.penalty:
        lines.append(f"  (the regularisation adds λ₂w + λ₁sign(w) = {fmt_number(chain.penalty, d)})")
    return lines

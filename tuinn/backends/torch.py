"""The PyTorch backend: the same spec as an ``nn.Module``, on the CPU or a CUDA device.

The only module of tuinn that imports torch. Semantics are the engine's, line by line:
``z = x·Wᵀ + b`` (``nn.Linear`` stores W as (units, inputs), the lecture's shape),
optional ``BatchNorm1d``/``LayerNorm`` on z (ε = 1e-5, momentum 0.1), the activation,
inverted dropout on hidden outputs; losses as means over the same elements; sigmoid +
bce and softmax + cce computed from the logits; (λ₂/2)ΣW² + λ₁Σ|W| added to the loss;
``torch.optim`` with the engine's hyperparameters. The parameters are copied in from
the engine's initial network, so both backends start from identical numbers.

Threads: on a 2-core machine torch's default intra-op parallelism made a 2-16-16-1 net
~300× slower (thread hand-offs dominate microsecond kernels). A model whose step is
small (fewer than ``SMALL_STEP_FLOPS`` multiply-adds) sets ``torch.set_num_threads(1)``;
larger ones keep torch's default.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from tuinn.backends import step_flops
from tuinn.config.spec import Experiment
from tuinn.engine.network import Network
from tuinn.engine.trace import LayerTrace, StepTrace

#: Below this many multiply-adds per training step, one intra-op thread is fastest.
SMALL_STEP_FLOPS = 2_000_000

#: torch's own choice of intra-op threads, before any model changed it.
DEFAULT_THREADS = torch.get_num_threads()

#: Engine optimizer buffer names → torch's.
BUFFER_NAMES = {"velocity": "momentum_buffer", "square_avg": "square_avg", "sum": "sum", "exp_avg": "exp_avg", "exp_avg_sq": "exp_avg_sq"}


def cuda_available() -> bool:
    return bool(torch.cuda.is_available())


def device_report() -> list[str]:
    """``tuinn doctor``'s lines about CUDA and threads (torch's answers, asked here so that no other module imports torch)."""
    if torch.cuda.is_available():
        names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        lines = [f"CUDA       available (CUDA {torch.version.cuda}): {', '.join(names)}"]
    else:
        why = "this torch build has no CUDA" if torch.version.cuda is None else "no CUDA device found"
        lines = [f"CUDA       not available ({why})"]
    lines.append(f"threads    torch uses {torch.get_num_threads()} intra-op threads (1 for small nets, see README)")
    return lines


def state_dict_bytes(tensors: dict[str, np.ndarray], dtype: str, counters: tuple[str, ...] = ()) -> bytes:
    """``torch.save`` of a state_dict made of NumPy arrays (``tuinn export``), in ``dtype``;
    ``counters`` are stored as 0-d int64 tensors of value 0 (batch norm's num_batches_tracked)."""
    import io

    tdtype = torch.float64 if dtype == "float64" else torch.float32
    sd: dict[str, torch.Tensor] = {k: torch.tensor(v, dtype=tdtype) for k, v in tensors.items()}
    for name in counters:
        sd[name] = torch.tensor(0, dtype=torch.long)
    ordered = {k: sd[k] for k in [*tensors, *counters]}
    buffer = io.BytesIO()
    torch.save(ordered, buffer)
    return buffer.getvalue()


class Block(nn.Module):
    """One layer: linear, optional norm, activation, dropout (the engine's order)."""

    def __init__(self, fan_in: int, rows: int, units: int, activation: str, norm: str, dropout: float,
                 slope: float, alpha: float, pieces: int) -> None:
        super().__init__()
        self.linear = nn.Linear(fan_in, rows)
        self.norm: nn.Module | None = None
        if norm == "batch":
            self.norm = nn.BatchNorm1d(rows, eps=1e-5, momentum=0.1)
        elif norm == "layer":
            self.norm = nn.LayerNorm(rows, eps=1e-5)
        self.activation, self.units, self.dropout = activation, units, dropout
        self.slope, self.alpha, self.pieces = slope, alpha, pieces
        self._act = self._choose()

    def act(self, z: torch.Tensor) -> torch.Tensor:
        return self._act(z)

    def _choose(self) -> Any:
        """The activation as one callable, chosen once (not per call)."""
        name = self.activation
        table = {
            "sigmoid": torch.sigmoid,
            "tanh": torch.tanh,
            "relu": F.relu,
            "leaky_relu": lambda z: F.leaky_relu(z, self.slope),
            "elu": lambda z: F.elu(z, self.alpha),
            "linear": lambda z: z,
            "softmax": lambda z: torch.softmax(z, dim=1),
            "maxout": lambda z: z.view(z.shape[0], self.units, self.pieces).amax(dim=2),
        }
        return table[name]

    def pre(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(z, z_norm)."""
        z = self.linear(x)
        return z, (z if self.norm is None else self.norm(z))


class TuinnNet(nn.Module):
    """The spec's layers; ``forward`` returns (z_norm of the output layer, ŷ)."""

    def __init__(self, exp: Experiment, n_inputs: int) -> None:
        super().__init__()
        blocks = []
        fan_in = n_inputs
        for spec in exp.model.layers:
            blocks.append(Block(fan_in, spec.rows, spec.units, spec.activation, spec.norm, spec.dropout, spec.slope, spec.alpha, spec.pieces))
            fan_in = spec.units
        self.blocks = nn.ModuleList(blocks)
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor, output: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(z_norm, ŷ) of the output layer; ``output=False`` skips ŷ (a fused loss reads z_norm)."""
        out = x
        last = len(self.blocks) - 1
        zn = x
        for i, block in enumerate(self.blocks):
            _, zn = block.pre(out)
            if i == last and not output:
                return zn, None
            out = block.act(zn)
            if self.training and block.dropout > 0 and i < last:
                out = out * self.mask(out, block.dropout)
        return zn, out

    def mask(self, a: torch.Tensor, p: float) -> torch.Tensor:
        keep = 1.0 - p
        return (torch.rand(a.shape, generator=self.generator, device=a.device, dtype=a.dtype) < keep).to(a.dtype) / keep


class TorchModel:
    """A :class:`TuinnNet` and its ``torch.optim`` optimizer, behind the backend protocol."""

    name = "torch"

    def __init__(self, exp: Experiment, network: Network, device: str = "cpu") -> None:
        self.device = device
        self.dtype = torch.float64 if exp.train.dtype == "float64" else torch.float32
        self.exp = exp
        sizes = [network.layers[0].W.shape[1]] + [layer.W.shape[0] for layer in network.layers]
        batch = 64 if exp.train.batch_size == "full" else int(exp.train.batch_size)
        # The thread count is global in torch: each model sets its own before it computes.
        self.threads = 1 if self.device == "cpu" and step_flops(sizes, batch) < SMALL_STEP_FLOPS else DEFAULT_THREADS
        self._use_threads()
        self.net = TuinnNet(exp, network.layers[0].W.shape[1]).to(device=self.device, dtype=self.dtype)
        self.names: list[str] = []
        self.params: list[nn.Parameter] = []
        for i, block in enumerate(self.net.blocks, 1):
            self.names += [f"{i}.W", f"{i}.b"]
            self.params += [block.linear.weight, block.linear.bias]
            if block.norm is not None:
                self.names += [f"{i}.gamma", f"{i}.beta"]
                self.params += [block.norm.weight, block.norm.bias]
        self.set_parameters(network.get_parameters())
        self.net.generator = torch.Generator(device=self.device)
        #: The dropout seed drawn from the experiment's dropout stream (ranks of a distributed run derive theirs from it).
        self.dropout_seed = int(network.rng.integers(2**63 - 1))
        self.net.generator.manual_seed(self.dropout_seed)
        self.optimizer = self._make_optimizer()
        self.loss_name = exp.train.loss
        self.fused = (self.loss_name, exp.model.layers[-1].activation) in (("bce", "sigmoid"), ("cce", "softmax"))
        self.l1, self.l2 = exp.train.l1, exp.train.l2
        self.x = self.y = self.w = None
        self.t = 0

    # ------------------------------------------------------------ optimizer
    def _make_optimizer(self) -> torch.optim.Optimizer:
        from tuinn.engine.optimizers import DEFAULTS

        tr = self.exp.train
        lr = tr.learning_rate
        eps = tr.eps if tr.eps is not None else DEFAULTS.get(tr.optimizer, {}).get("eps", 1e-8)
        if tr.optimizer == "sgd":
            return torch.optim.SGD(self.params, lr=lr)
        if tr.optimizer in ("momentum", "nesterov"):
            return torch.optim.SGD(self.params, lr=lr, momentum=tr.momentum, nesterov=tr.optimizer == "nesterov")
        if tr.optimizer == "rmsprop":
            return torch.optim.RMSprop(self.params, lr=lr, alpha=tr.rho, eps=eps)
        if tr.optimizer == "adagrad":
            return torch.optim.Adagrad(self.params, lr=lr, eps=eps)
        if tr.optimizer == "adam":
            return torch.optim.Adam(self.params, lr=lr, betas=(tr.beta1, tr.beta2), eps=eps)
        raise ValueError(tr.optimizer)

    @property
    def learning_rate(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = value

    def _use_threads(self) -> None:
        if torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)

    # ----------------------------------------------------------------- data
    def tensor(self, a: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(a), dtype=self.dtype, device=self.device)

    def bind(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> None:
        self.x, self.y = self.tensor(x), self.tensor(y)
        self.w = None if w is None else self.tensor(w[:, None])

    def _batch(self, batch: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        idx = torch.as_tensor(batch, device=self.device)
        return self.x[idx], self.y[idx], None if self.w is None else self.w[idx]  # type: ignore[index]

    # ----------------------------------------------------------------- loss
    def data_loss(self, zn: torch.Tensor, a: torch.Tensor | None, y: torch.Tensor, w: torch.Tensor | None,
                  samples: int | None = None) -> torch.Tensor:
        """The mean loss over the batch; ``samples`` (default: the rows given) is the batch the mean is over,
        so that one rank's share of a global batch contributes its part of the global mean."""
        n = zn.shape[0] if samples is None else samples
        name = self.loss_name
        if name == "mse":
            terms = (a - y) ** 2  # type: ignore[operator]
        elif name == "mae":
            terms = (a - y).abs()  # type: ignore[operator]
        elif name == "bce":
            terms = F.binary_cross_entropy_with_logits(zn, y, reduction="none")
        else:  # cce on logits, probability targets
            terms = -(y * torch.log_softmax(zn, dim=1))
            terms = terms if w is None else terms * w
            return terms.sum() / n
        terms = terms if w is None else terms * w
        return terms.sum() / (n * terms.shape[1])

    def penalty(self) -> torch.Tensor | float:
        total: torch.Tensor | float = 0.0
        for block in self.net.blocks:
            W = block.linear.weight
            if self.l2:
                total = total + 0.5 * self.l2 * (W * W).sum()
            if self.l1:
                total = total + self.l1 * W.abs().sum()
        return total

    # ---------------------------------------------------------------- steps
    def step(self, batch: np.ndarray) -> float:
        self._use_threads()
        x, y, w = self._batch(batch)
        if not self.net.training:
            self.net.train()
        self.optimizer.zero_grad(set_to_none=True)
        zn, a = self.net(x, not self.fused)
        loss = self.data_loss(zn, a, y, w)
        if self.l1 or self.l2:
            loss = loss + self.penalty()
        loss.backward()
        self._exact_zeros()
        self.optimizer.step()
        self.t += 1
        return float(loss.item())

    def traced_step(self, batch: np.ndarray) -> StepTrace:
        """One step recording the engine's terms from autograd (retained gradients)."""
        self._use_threads()
        x, y, w = self._batch(batch)
        self.net.train()
        self.optimizer.zero_grad(set_to_none=True)
        inp = x.clone().requires_grad_(True)
        out = inp
        records = []
        last = len(self.net.blocks) - 1
        for i, block in enumerate(self.net.blocks):
            if i > 0:
                out.retain_grad()
            layer_in = out
            z, zn = block.pre(layer_in)
            z.retain_grad()
            if block.norm is not None:
                zn.retain_grad()
            a = block.act(zn)
            a.retain_grad()
            mask = None
            out = a
            if block.dropout > 0 and i < last:
                mask = self.net.mask(a, block.dropout)
                out = a * mask
            records.append((block, layer_in, z, zn, a, mask))
        data = self.data_loss(zn, a, y, w)
        penalty = self.penalty()
        loss = data + penalty
        loss.backward()
        self._exact_zeros()

        def np_(t: torch.Tensor | None) -> np.ndarray | None:
            return None if t is None else t.detach().cpu().numpy().astype(np.float64)

        layers = []
        for i, (block, layer_in, z, zn, a, mask) in enumerate(records):
            dL_da = a.grad
            if i == last and self.fused:
                a_d = a.detach().clone().requires_grad_(True)
                unfused = self._unfused(a_d, y, w)
                (dL_da,) = torch.autograd.grad(unfused, a_d)
            zn_d = zn.detach().clone().requires_grad_(True)
            da_dz = None
            if block.activation != "softmax":
                (da_dz,) = torch.autograd.grad(block.act(zn_d).sum(), zn_d)
            extra = extra_grads = {}
            if block.norm is not None:
                extra = {"gamma": np_(block.norm.weight), "beta": np_(block.norm.bias)}
                extra_grads = {"gamma": np_(block.norm.weight.grad), "beta": np_(block.norm.bias.grad)}
            norm = "none" if block.norm is None else ("batch" if isinstance(block.norm, nn.BatchNorm1d) else "layer")
            layers.append(LayerTrace(
                layer=i + 1, activation=block.activation, norm=norm,
                input=np_(layer_in), W=np_(block.linear.weight), b=np_(block.linear.bias), z=np_(z),
                z_norm=None if block.norm is None else np_(zn), a=np_(a), mask=np_(mask),
                dL_da=np_(dL_da), da_dz=np_(da_dz),
                dL_dznorm=None if block.norm is None else np_(zn.grad), delta=np_(z.grad),
                dL_dW=np_(block.linear.weight.grad), dL_db=np_(block.linear.bias.grad),
                dL_dinput=np_(layer_in.grad), extra=extra, extra_grads=extra_grads,
            ))
        trace = StepTrace(inputs=np_(x), targets=np_(y), layers=layers, loss_name=self.loss_name, loss=float(loss.item()),
                          data_loss=float(data.item()), penalty=float(penalty) if isinstance(penalty, float) else float(penalty.item()),
                          fused=self.fused)
        self.optimizer.step()
        self.t += 1
        for t, block in zip(trace.layers, self.net.blocks, strict=True):
            t.after = {"W": np_(block.linear.weight), "b": np_(block.linear.bias)}
            if block.norm is not None:
                t.after.update(gamma=np_(block.norm.weight), beta=np_(block.norm.bias))
        trace.optimizer = self.exp.train.optimizer
        trace.learning_rate = self.learning_rate
        trace.optimizer_step = self.t
        trace.optimizer_state = self.optimizer_state()["state"]
        return trace

    def _exact_zeros(self) -> None:
        """∂L/∂b before a batch norm is exactly 0 (b cancels); autograd leaves rounding
        noise there, which adaptive optimizers would amplify (the engine does the same)."""
        for block in self.net.blocks:
            if isinstance(block.norm, nn.BatchNorm1d) and block.linear.bias.grad is not None:
                block.linear.bias.grad.zero_()

    def _unfused(self, a: torch.Tensor, y: torch.Tensor, w: torch.Tensor | None) -> torch.Tensor:
        """The loss on probabilities (for ∂L/∂ŷ of a fused pair), as the engine shows it."""
        if self.loss_name == "bce":
            terms = -(y * torch.clamp(torch.log(a), min=-100) + (1 - y) * torch.clamp(torch.log1p(-a), min=-100))
            terms = terms if w is None else terms * w
            return terms.sum() / terms.numel()
        terms = -(y * torch.clamp(torch.log(a), min=-100))
        terms = terms if w is None else terms * w
        return terms.sum() / a.shape[0]

    # ----------------------------------------------------------- evaluation
    @torch.no_grad()
    def predict(self, x: np.ndarray) -> np.ndarray:
        self._use_threads()
        self.net.eval()
        _, a = self.net(self.tensor(x))
        return a.cpu().numpy()

    @torch.no_grad()
    def evaluate_loss(self, x: np.ndarray, y: np.ndarray) -> float:
        self._use_threads()
        self.net.eval()
        zn, a = self.net(self.tensor(x))
        return float(self.data_loss(zn, a, self.tensor(y), None).item())

    # ----------------------------------------------------------- parameters
    def get_parameters(self) -> dict[str, np.ndarray]:
        out = {n: p.detach().cpu().numpy().copy() for n, p in zip(self.names, self.params, strict=True)}
        for i, block in enumerate(self.net.blocks, 1):
            if isinstance(block.norm, nn.BatchNorm1d):
                out[f"{i}.running_mean"] = block.norm.running_mean.cpu().numpy().copy()
                out[f"{i}.running_var"] = block.norm.running_var.cpu().numpy().copy()
        return out

    @torch.no_grad()
    def set_parameters(self, values: dict[str, np.ndarray]) -> None:
        targets: dict[str, torch.Tensor] = dict(zip(self.names, self.params, strict=True))
        for i, block in enumerate(self.net.blocks, 1):
            if isinstance(block.norm, nn.BatchNorm1d):
                targets[f"{i}.running_mean"] = block.norm.running_mean
                targets[f"{i}.running_var"] = block.norm.running_var
        for key, value in values.items():
            if key not in targets:
                raise KeyError(f"no parameter {key!r} in this network")
            if tuple(targets[key].shape) != tuple(np.shape(value)):
                raise ValueError(f"parameter {key}: shape {np.shape(value)} does not match {tuple(targets[key].shape)}")
            targets[key].copy_(self.tensor(np.asarray(value)))

    def optimizer_state(self) -> dict[str, Any]:
        reverse = {v: k for k, v in BUFFER_NAMES.items()}
        state = []
        for p in self.params:
            s = self.optimizer.state.get(p, {})
            state.append({reverse[k]: v.detach().cpu().numpy().copy() for k, v in s.items() if k in reverse and torch.is_tensor(v)})
        return {"t": self.t, "state": state}

    def load_optimizer_state(self, saved: dict[str, Any]) -> None:
        self.t = int(saved["t"])
        for p, buffers in zip(self.params, saved["state"], strict=False):
            if not buffers:
                continue
            s: dict[str, Any] = {BUFFER_NAMES[k]: self.tensor(np.asarray(v)) for k, v in buffers.items() if k in BUFFER_NAMES}
            if self.exp.train.optimizer in ("rmsprop", "adagrad", "adam"):
                s["step"] = torch.tensor(float(self.t))
            self.optimizer.state[p] = s

    def rng_state(self) -> Any:
        return {"torch": self.net.generator.get_state().tolist()}  # type: ignore[union-attr]

    def set_rng_state(self, state: Any) -> None:
        """Put back the dropout generator; a NumPy state (a checkpoint of the other backend) seeds it.

        As the NumPy backend does with a torch state: the engine's PCG64 stream cannot be
        continued by torch's generator, and ignoring it made the masks after a resume
        repeat those of the first epochs. Seeded from the state's canonical JSON, the
        stream is a new one, and the same on every resume of the same checkpoint.
        """
        if isinstance(state, dict) and "torch" in state:
            self.net.generator.set_state(torch.tensor(state["torch"], dtype=torch.uint8))  # type: ignore[union-attr]
        elif isinstance(state, dict) and "numpy" in state:
            text = json.dumps(state["numpy"], sort_keys=True, default=str)
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1  # 63 bits: any torch accepts
            self.net.generator.manual_seed(seed)  # type: ignore[union-attr]

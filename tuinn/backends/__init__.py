"""Backends: the same experiment on the NumPy engine or on PyTorch (CPU or CUDA).

Only :mod:`tuinn.backends.torch` imports torch, and only when a torch model is made.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuinn.backends.base import Model
    from tuinn.config.spec import Experiment
    from tuinn.engine.network import Network


#: Measured crossover on a 2-core x86_64 CPU (benchmarks/BENCHMARKS.md): below this many
#: multiply-adds per training step the NumPy engine is faster than torch on the CPU
#: (torch's fixed cost is ~0.4 ms a step here; NumPy's is ~0.05 ms). float32 halves
#: NumPy's matmul time, so torch only wins at much larger steps.
CPU_CROSSOVER_FLOPS = {"float64": 50_000_000, "float32": 500_000_000}
#: With a CUDA device: an estimate (kernel launches cost about what torch's CPU
#: overhead does); benchmarks/gpu_check.py measures it where a GPU is available.
CUDA_CROSSOVER_FLOPS = 5_000_000


def torch_available() -> bool:
    """True when torch can be imported (checked without importing it)."""
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def step_flops(sizes: list[int], batch: int) -> int:
    """Multiply-adds of one training step (forward + backward ≈ 3 × forward)."""
    return 3 * batch * sum(a * b for a, b in itertools.pairwise(sizes))


def choose_backend(exp: Experiment, n_inputs: int, n_train: int, cuda: bool | None = None) -> tuple[str, str]:
    """(backend, reason) for ``backend = "auto"``: NumPy for playground-size nets, torch for large ones.

    ``cuda``: whether a CUDA device would be used (None: ask torch when the spec's
    device allows CUDA; only then is torch imported).
    """
    sizes = [n_inputs] + [layer.rows for layer in exp.model.layers]
    batch = n_train if exp.train.batch_size == "full" else min(int(exp.train.batch_size), n_train)
    flops = step_flops(sizes, batch)
    if not torch_available():
        return "numpy", "torch is not installed"
    if cuda is None:
        cuda = False
        if exp.train.device != "cpu" and flops >= CUDA_CROSSOVER_FLOPS:
            from tuinn.backends.torch import cuda_available

            cuda = cuda_available()
    limit = CUDA_CROSSOVER_FLOPS if cuda else CPU_CROSSOVER_FLOPS[exp.train.dtype]
    where = "with CUDA" if cuda else f"on the CPU in {exp.train.dtype}"
    if flops < limit:
        return "numpy", f"{flops:,} multiply-adds per step < {limit:,}: the NumPy engine is faster {where}"
    return "torch", f"{flops:,} multiply-adds per step ≥ {limit:,}: torch is faster {where}"


def make_model(exp: Experiment, network: Network, backend: str | None = None, device: str | None = None, n_train: int = 0) -> Model:
    """The model for ``exp`` on its backend, starting from ``network``'s parameters.

    The model's ``notice`` says what ``auto`` chose (backend or device), or is "".
    """
    from tuinn.engine.optimizers import make_optimizer
    from tuinn.errors import ConfigError

    name = backend or exp.train.backend
    notice = ""
    if name == "auto":
        name, why = choose_backend(exp, network.layers[0].W.shape[1], max(n_train, 1))
        notice = f"backend auto → {name} ({why})"
    if name == "numpy":
        from tuinn.backends.numpy import NumpyModel

        dev = device or exp.train.device
        if dev == "cuda" and backend is None and exp.train.backend == "numpy":
            raise ConfigError("train.device", "the NumPy engine runs on the CPU; use backend = \"torch\" for CUDA")
        optimizer = make_optimizer(exp.train.optimizer, network.pairs(), exp.train.learning_rate, **exp.train.optimizer_hyper())
        model: Model = NumpyModel(network, optimizer)
    elif name == "torch":
        if not torch_available():
            raise ConfigError("train.backend", "'torch' needs PyTorch, which is not installed (pip install 'tuinn[torch]')")
        from tuinn.backends.torch import TorchModel, cuda_available

        dev = device or exp.train.device
        if dev == "auto":
            dev = "cuda" if cuda_available() else "cpu"
            notice = (notice + "; " if notice else "") + f"device auto → {dev}" + ("" if dev == "cuda" else " (no CUDA device found)")
        elif dev.startswith("cuda") and not cuda_available():
            # Advise the way the device was chosen: a --device flag (tuinn step), or train.device in the spec.
            fix = "use --device cpu (or auto)" if device else 'set train.device = "cpu" (or "auto"), e.g. --set train.device="cpu" with tuinn train'
            raise ConfigError("train.device", f"{dev!r}: CUDA is not available on this machine; {fix}")
        model = TorchModel(exp, network, dev)
    else:
        raise ValueError(f"unknown backend {name!r}")
    model.notice = notice  # type: ignore[attr-defined]
    return model

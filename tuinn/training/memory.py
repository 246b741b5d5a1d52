"""How much memory a network needs, checked against the machine before anything is allocated.

Why: ``units = 10**9`` is a valid integer, and NumPy would try: the result is a
``MemoryError`` traceback after a long wait, or the kernel's OOM killer ending the
process (and possibly others) without a word. What training allocates follows from the
spec and the size of the data, so it can be added up first; when it exceeds the memory
the machine has available the experiment is refused with one line naming the layer that
takes the most and the sizes.

The estimate counts the arrays tuinn itself keeps — weights and norm statistics, their
gradients, the optimizer's buffers, the two saved copies of the training state (the last
finished epoch and the start of the current one), the data cast to the training dtype,
and the largest set of activations alive at one time (one training batch with everything
backpropagation keeps, a forward pass over all samples for evaluation, or the
playground's decision-boundary grid). Temporaries of NumPy and BLAS come on top, so it
is a lower bound: a refused experiment cannot run here, an accepted one most likely can.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tuinn.config.spec import Experiment
from tuinn.errors import ConfigError

#: Points of the playground's default decision-boundary grid (60 pixel rows × 80 columns).
GRID_POINTS = 60 * 80
#: Buffers per parameter array kept by each optimizer (see tuinn.engine.optimizers).
OPTIMIZER_BUFFERS = {"sgd": 0, "momentum": 1, "nesterov": 1, "rmsprop": 1, "adagrad": 1, "adam": 2}
#: When the machine does not say: the virtual address space of a 64-bit process (128 TiB).
FALLBACK_BYTES = 1 << 47


@dataclass
class LayerCost:
    """Bytes one layer accounts for."""

    key: str  # model.layers[i].units
    units: int
    state: int  # weights, gradients, optimizer buffers, the two saved copies
    batch: int  # activations of one training batch (forward and backward)
    sweep: int  # one forward pass over every sample, or over the grid: the larger


@dataclass
class Estimate:
    """The bytes an experiment needs, in parts, and the layers they come from."""

    layers: list[LayerCost]
    data: int
    batch_size: int
    rows: int

    @property
    def state(self) -> int:
        return sum(layer.state for layer in self.layers)

    @property
    def activations(self) -> int:
        """The largest set of activations alive at once: a training batch, or one forward sweep."""
        return max(sum(layer.batch for layer in self.layers), max(layer.sweep for layer in self.layers))

    @property
    def total(self) -> int:
        return self.state + self.activations + self.data

    @property
    def largest(self) -> LayerCost:
        return max(self.layers, key=lambda layer: layer.state + max(layer.batch, layer.sweep))


def estimate(exp: Experiment, n_inputs: int, rows: int, train_rows: int) -> Estimate:
    """Bytes needed to train ``exp`` on ``rows`` samples of ``n_inputs`` features (``train_rows`` to train on)."""
    size = 4 if exp.train.dtype == "float32" else 8
    b = exp.train.batch_size
    batch = train_rows if b == "full" else min(int(b), train_rows)
    buffers = OPTIMIZER_BUFFERS.get(exp.train.optimizer, 2)
    layers = []
    fan_in = n_inputs
    for i, spec in enumerate(exp.model.layers, 1):
        r, u = spec.rows, spec.units
        learned = r * fan_in + r + (2 * r if spec.norm != "none" else 0)  # W, b, γ, β
        stats = 2 * r if spec.norm == "batch" else 0  # running mean and variance
        # the live arrays (+ gradients + optimizer buffers), then the two saved copies of all but the gradients
        state = (learned + stats) + learned + buffers * learned + 2 * (learned + stats + buffers * learned)
        # kept by a training step: z, a, ∂L/∂a, f'(z), δ, ∂L/∂x; with a norm z_norm and ∂L/∂z_norm; with dropout the mask and a·mask
        per_sample = 3 * r + 2 * u + fan_in + (2 * r if spec.norm != "none" else 0) + (2 * u if spec.dropout > 0 else 0)
        sweep = max(rows, GRID_POINTS) * (fan_in + r + u)  # input, z and a of one layer at a time
        layers.append(LayerCost(f"model.layers[{i}].units", u, state * size, batch * per_sample * size, sweep * size))
        fan_in = u
    data = rows * (n_inputs + exp.model.layers[-1].units) * size  # x and y in the training dtype
    return Estimate(layers, data, batch, rows)


def available_bytes() -> int:
    """Memory this process can still use: MemAvailable (Linux), capped by a cgroup limit.

    Falls back to the free physical pages from ``os.sysconf``, then to
    :data:`FALLBACK_BYTES` when the machine says nothing.
    """
    found: int | None = None
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                found = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError, IndexError):
        found = None
    if found is None:
        try:
            found = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            found = None
    limit = _cgroup_room()
    if limit is not None:
        found = limit if found is None else min(found, limit)
    return found if found is not None and found > 0 else FALLBACK_BYTES


def _cgroup_room() -> int | None:
    """What a cgroup v2 memory limit leaves (a container's limit is not in /proc/meminfo)."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text(encoding="ascii").strip()
        if limit == "max":
            return None
        used = int(Path("/sys/fs/cgroup/memory.current").read_text(encoding="ascii").strip())
        return max(int(limit) - used, 0)
    except (OSError, ValueError):
        return None


def human(n: int) -> str:
    """Bytes in the unit a person reads: ``1.5 GB``, ``240 MB`` (powers of 1000, like free -h --si)."""
    value = float(n)
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if value < 1000 or unit == "PB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.3g} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def check_fits(exp: Experiment, n_inputs: int, rows: int, train_rows: int, available: int | None = None) -> Estimate:
    """Raise a :class:`ConfigError` naming the layer and the sizes when ``exp`` cannot fit in memory here."""
    est = estimate(exp, n_inputs, rows, train_rows)
    room = available_bytes() if available is None else available
    if est.total <= room:
        return est
    big = est.largest
    what = [f"weights, gradients and {exp.train.optimizer} state {human(big.state)}"]
    if big.batch:
        what.append(f"activations of a batch of {est.batch_size} {human(big.batch)}")
    if big.sweep > big.batch:
        over = f"all {est.rows:,} samples" if est.rows >= GRID_POINTS else f"the {GRID_POINTS:,} points of the decision-boundary grid"
        what.append(f"a forward pass over {over} {human(big.sweep)}")
    raise ConfigError(
        big.key,
        f"{big.units:,} units need about {human(big.state + max(big.batch, big.sweep))} ({', '.join(what)}); "
        f"the experiment needs about {human(est.total)} but this machine has {human(room)} of memory available",
    )

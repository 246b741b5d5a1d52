"""Batched engine: per-model epochs a second of 1, 10 and 100 models trained together vs one at a time.

One "epoch" is the playground's: 25 steps of 10 samples from 250 training points (each
model shuffles them in its own order), then the loss on the 250 training and the 250
test points. Four sides, measured in one process and interleaved (each repeat times
every side once, for about ``--seconds``), so that a noisy shared machine affects all
alike:

- ``single``: the single-model engine (``Network.train_step``, ``evaluate_loss``);
- ``batched M``: :class:`tuinn.engine.batched.BatchedNetwork` with M models, time per
  epoch of all M divided by M (per model);
- ``hand``: a minimal hand-written NumPy loop for exactly this net and nothing else.

The nets are TF Playground's shape: tanh hidden layers, a sigmoid output with binary
cross-entropy (fused), SGD at 0.03, float64. Before timing, the script checks that the
batched model 0 reaches the single engine's weights from the same start and order.
TF Playground's own JS engine, measured on this machine per the issue (#17), takes 369,
1094 and 3568 µs per epoch on these three nets; it is printed for reference only.

Run: python benchmarks/batched_engine.py [--repeats 7] [--seconds 0.2]
"""

from __future__ import annotations

import argparse
import itertools
import platform
import time
from collections.abc import Callable

import numpy as np

from tuinn.engine import Dense, Network, make_activation, make_loss, make_optimizer
from tuinn.engine.batched import BatchedNetwork, StackedData, make_batched_optimizer

NETS = [("2-4-2-1", [2, 4, 2, 1], 369.0), ("2-8-8-1", [2, 8, 8, 1], 1094.0), ("2-8-8-8-8-8-8-1", [2, 8, 8, 8, 8, 8, 8, 1], 3568.0)]
MODELS = (1, 10, 100)
LR = 0.03
N_TRAIN, BATCH = 250, 10


def dataset(seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """500 points of TF Playground's circle: 250 for training, 250 for testing."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-5, 5, size=(2 * N_TRAIN, 2))
    y = (np.hypot(x[:, 0], x[:, 1]) < 2.5).astype(float)[:, None]
    return x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]


def initial(sizes: list[int], seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-0.5, 0.5, size=(o, i)), np.full(o, 0.1)) for i, o in itertools.pairwise(sizes)]


def network(sizes: list[int], seed: int) -> Network:
    params = initial(sizes, seed)
    layers = [Dense(W, b, make_activation("tanh" if k < len(params) - 1 else "sigmoid")) for k, (W, b) in enumerate(params)]
    return Network(layers, make_loss("bce"))


def single_epoch(sizes: list[int], data: tuple[np.ndarray, ...]) -> Callable[[], None]:
    xtr, ytr, xte, yte = data
    net = network(sizes, 0)
    opt = make_optimizer("sgd", net.pairs(), LR)
    rng = np.random.default_rng(5)

    def epoch() -> None:
        for idx in rng.permutation(N_TRAIN).reshape(-1, BATCH):
            net.train_step(xtr[idx], ytr[idx], opt)
        net.evaluate_loss(xtr, ytr)
        net.evaluate_loss(xte, yte)

    return epoch


def batched_epoch(sizes: list[int], data: tuple[np.ndarray, ...], models: int) -> tuple[Callable[[], None], BatchedNetwork]:
    xtr, ytr, xte, yte = data
    net = BatchedNetwork.from_networks([network(sizes, m) for m in range(models)])
    opt = make_batched_optimizer("sgd", net, [LR] * models)
    train = StackedData(xtr, ytr)
    rng = np.random.default_rng(5)
    base = np.broadcast_to(np.arange(N_TRAIN), (models, N_TRAIN))

    def epoch() -> None:
        orders = rng.permuted(base, axis=1)  # every model its own order, in one call
        net.train_epoch(train, list(orders.reshape(models, -1, BATCH).transpose(1, 0, 2)), opt)
        net.evaluate_losses(xtr, ytr)
        net.evaluate_losses(xte, yte)

    return epoch, net


def hand_epoch(sizes: list[int], data: tuple[np.ndarray, ...]) -> Callable[[], None]:
    """What a careful person writes for this net alone: tanh layers, fused sigmoid + BCE, SGD."""
    xtr, ytr, xte, yte = data
    params = initial(sizes, 0)
    last = len(params) - 1
    rng = np.random.default_rng(5)

    def logits(a: np.ndarray) -> np.ndarray:
        for k, (W, b) in enumerate(params):
            z = a @ W.T + b
            a = np.tanh(z) if k < last else z
        return z

    def bce(z: np.ndarray, y: np.ndarray) -> float:
        return float((np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z).mean())

    def epoch() -> None:
        for idx in rng.permutation(N_TRAIN).reshape(-1, BATCH):
            x, y = xtr[idx], ytr[idx]
            acts = [x]
            a = x
            for k, (W, b) in enumerate(params):
                z = a @ W.T + b
                a = np.tanh(z) if k < last else 1.0 / (1.0 + np.exp(-z))
                acts.append(a)
            bce(z, y)
            d = (a - y) / a.size
            for k in range(last, -1, -1):
                W, b = params[k]
                dW = d.T @ acts[k]
                db = d.sum(axis=0)
                if k > 0:
                    a_prev = acts[k]
                    d = (d @ W) * (1.0 - a_prev * a_prev)
                W -= LR * dW
                b -= LR * db
        bce(logits(xtr), ytr)
        bce(logits(xte), yte)

    return epoch


def check_equal(sizes: list[int], data: tuple[np.ndarray, ...]) -> None:
    """The batched model 0 and the single engine from the same start and order: the same weights after 5 epochs."""
    batched, net = batched_epoch(sizes, data, 3)
    # Model 0's order is row 0 of the same per-model permutations the batched side draws.
    ref = network(sizes, 0)
    opt = make_optimizer("sgd", ref.pairs(), LR)
    rng = np.random.default_rng(5)
    base = np.broadcast_to(np.arange(N_TRAIN), (3, N_TRAIN))
    for _ in range(5):
        batched()
        order = rng.permuted(base, axis=1)[0]
        for idx in order.reshape(-1, BATCH):
            ref.train_step(data[0][idx], data[1][idx], opt)
    for k, layer in enumerate(ref.layers):
        assert np.allclose(net.layers[k].W[0], layer.W, rtol=1e-12, atol=1e-15), "batched model 0 differs from the single engine"


def per_epoch(epoch: Callable[[], None], seconds: float) -> float:
    """Seconds per call, timing doubling runs of calls until one lasts ``seconds``."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            epoch()
        dt = time.perf_counter() - t0
        if dt >= seconds:
            return dt / n
        n *= 2


def spread(values: list[float]) -> str:
    """Median and the range of the middle half (quartiles)."""
    q1, q2, q3 = np.percentile(values, [25, 50, 75])
    return f"{q2:.1f} ({q1:.1f}–{q3:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.2)
    args = parser.parse_args()
    data = dataset()
    print(f"# batched engine · numpy {np.__version__} · Python {platform.python_version()} · {platform.machine()}")
    print(f"# {args.repeats} interleaved repeats, each side ≥ {args.seconds} s per repeat; medians (quartiles in brackets)")
    print("# µs per model-epoch (25 steps of 10 + train and test loss); speed-up = single / side, per repeat, then the median")
    print()
    print("| net | side | µs per model-epoch | model-epochs/s | speed-up vs single | vs hand loop | TF Playground µs/epoch |")
    print("|---|---|---|---|---|---|---|")
    for name, sizes, tfp in NETS:
        check_equal(sizes, data)
        sides: dict[str, tuple[Callable[[], None], int]] = {"single": (single_epoch(sizes, data), 1), "hand": (hand_epoch(sizes, data), 1)}
        for m in MODELS:
            sides[f"batched {m}"] = (batched_epoch(sizes, data, m)[0], m)
        times: dict[str, list[float]] = {s: [] for s in sides}
        for _ in range(args.repeats):
            for side, (fn, m) in sides.items():
                times[side].append(per_epoch(fn, args.seconds) / m * 1e6)
        for side in ("single", "hand", *[f"batched {m}" for m in MODELS]):
            t = times[side]
            vs_single = [s / x for s, x in zip(times["single"], t, strict=True)]
            vs_hand = [h / x for h, x in zip(times["hand"], t, strict=True)]
            print(f"| {name} | {side} | {spread(t)} | {1e6 / np.median(t):,.0f} | {np.median(vs_single):.2f}× "
                  f"({np.min(vs_single):.2f}–{np.max(vs_single):.2f}) | {np.median(vs_hand):.2f}× | {tfp:.0f} |")


if __name__ == "__main__":
    main()

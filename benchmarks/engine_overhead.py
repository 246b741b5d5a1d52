"""Engine overhead: time per training step of tuinn's engine vs a minimal NumPy loop.

Both sides do the same math on the same data, from the same initial weights, in the
same process, interleaved, so that a noisy shared machine affects both alike:
forward (z = a·Wᵀ + b, f), the loss value, backward (δ, ∂L/∂W, ∂L/∂b, Wᵀδ) and the
SGD update. The engine runs with tracing off (``Network.train_step``). The hand loop is
what a careful person would write for exactly this net and nothing else.

Hidden layers use tanh (ReLU for the 64-128-128-10 net); binary outputs are a sigmoid
with binary cross-entropy (fused: loss from z, δ = (ŷ − y)/N), the 10-class output a
softmax with categorical cross-entropy (fused likewise).

Prints a table (also written to stdout as Markdown for BENCHMARKS.md). Run:
    python benchmarks/engine_overhead.py [--repeats 15] [--seconds 0.2]
"""

from __future__ import annotations

import argparse
import itertools
import platform
import time

import numpy as np

from tuinn.engine import Dense, Network, make_activation, make_loss, make_optimizer

CASES = [
    ("2-4-2-1", [2, 4, 2, 1], 10, "tanh", 1.5),
    ("2-8-8-8-8-8-8-1", [2, 8, 8, 8, 8, 8, 8, 1], 10, "tanh", 1.25),
    ("8-16-8-1", [8, 16, 8, 1], 32, "tanh", 1.25),
    ("64-128-128-10", [64, 128, 128, 10], 64, "relu", 1.25),
]
LR = 0.01


def initial(sizes: list[int], seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.normal(0, 1 / np.sqrt(i), size=(o, i)), np.zeros(o)) for i, o in itertools.pairwise(sizes)]


def data(sizes: list[int], batch: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, sizes[0]))
    if sizes[-1] == 1:
        y = rng.integers(0, 2, size=(batch, 1)).astype(float)
    else:
        y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=batch)]
    return x, y


def engine_stepper(sizes: list[int], hidden: str, x: np.ndarray, y: np.ndarray):
    params = initial(sizes)
    out = "sigmoid" if sizes[-1] == 1 else "softmax"
    layers = [Dense(W.copy(), b.copy(), make_activation(hidden if k < len(params) - 1 else out)) for k, (W, b) in enumerate(params)]
    net = Network(layers, make_loss("bce" if out == "sigmoid" else "cce"))
    opt = make_optimizer("sgd", net.pairs(), LR)

    def step() -> float:
        return net.train_step(x, y, opt)

    return step, net


def hand_stepper(sizes: list[int], hidden: str, x: np.ndarray, y: np.ndarray):
    params = [(W.copy(), b.copy()) for W, b in initial(sizes)]
    binary = sizes[-1] == 1
    last = len(params) - 1

    def step() -> float:
        acts = [x]
        a = x
        for k, (W, b) in enumerate(params):
            z = a @ W.T + b
            if k < last:
                a = np.tanh(z) if hidden == "tanh" else np.maximum(z, 0.0)
            elif binary:
                with np.errstate(over="ignore"):
                    a = 1.0 / (1.0 + np.exp(-z))
            else:
                e = np.exp(z - z.max(axis=1, keepdims=True))
                a = e / e.sum(axis=1, keepdims=True)
            acts.append(a)
        if binary:
            loss = float((np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z).mean())
            d = (a - y) / a.size
        else:
            s = z - z.max(axis=1, keepdims=True)
            loss = float(-(y * (s - np.log(np.exp(s).sum(axis=1, keepdims=True)))).sum() / len(z))
            d = (a - y) / len(z)
        for k in range(last, -1, -1):
            W, b = params[k]
            dW = d.T @ acts[k]
            db = d.sum(axis=0)
            if k > 0:
                da = d @ W
                a_prev = acts[k]
                d = da * (1.0 - a_prev * a_prev) if hidden == "tanh" else da * (a_prev > 0)
            W -= LR * dW
            b -= LR * db
        return loss

    return step, params


def per_step(step, seconds: float) -> float:
    """Seconds per step, timing batches of steps for about ``seconds``."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        dt = time.perf_counter() - t0
        if dt >= seconds:
            return dt / n
        n *= 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=0.1)
    args = parser.parse_args()
    print(f"# engine overhead · numpy {np.__version__} · Python {platform.python_version()} · {platform.machine()}")
    print(f"# {args.repeats} interleaved repeats, each ≥ {args.seconds} s per side; median of the per-repeat ratios")
    print()
    print("| net | batch | engine µs/step | hand µs/step | ratio | limit | ok |")
    print("|---|---|---|---|---|---|---|")
    for name, sizes, batch, hidden, limit in CASES:
        x, y = data(sizes, batch)
        eng, net = engine_stepper(sizes, hidden, x, y)
        hand, params = hand_stepper(sizes, hidden, x, y)
        # Same math: after a few steps both hold the same weights.
        for _ in range(5):
            l1, l2 = eng(), hand()
        assert abs(l1 - l2) <= 1e-12 * max(1.0, abs(l2)), (l1, l2)
        assert all(np.allclose(layer.W, W, rtol=1e-12, atol=1e-14) for layer, (W, _) in zip(net.layers, params, strict=True))
        ratios, te, th = [], [], []
        for _ in range(args.repeats):
            e = per_step(eng, args.seconds)
            h = per_step(hand, args.seconds)
            te.append(e)
            th.append(h)
            ratios.append(e / h)
        r = float(np.median(ratios))
        print(f"| {name} | {batch} | {np.median(te) * 1e6:.1f} | {np.median(th) * 1e6:.1f} | {r:.2f} | ≤ {limit} | {'yes' if r <= limit else 'NO'} |")


if __name__ == "__main__":
    main()

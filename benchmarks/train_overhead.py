"""``tuinn train`` vs a minimal hand-written NumPy loop doing the same work: CPU time per epoch, piped.

Issue #17 part 1: on the default net (the playground spec: circle, 250 training and 250
test points, 2-4-2-1 tanh with a sigmoid output and binary cross-entropy, SGD α = 0.03,
batch 10) an epoch of ``tuinn train`` should cost at most 1.15× an epoch of the hand loop.

One epoch of the hand loop is what ``tuinn train`` does per epoch, written for this net
and nothing else: a permutation of the training points, 25 SGD steps of 10, then the
loss and the accuracy of the training and the test split (one forward each), and one
JSON line appended to an open metrics file. It prints one line at the end.

Both sides run as child processes with stdout piped (as a script or CI sees them), at two
epoch counts; the difference of their CPU times (user + system, ``RUSAGE_CHILDREN``)
divided by the difference of epochs is the cost of one epoch, free of start-up and of the
once-per-run work (imports, data, the final report). Sides and counts are interleaved
over the repeats, the side that goes first alternating (a load that changes during a repeat
then favours neither); medians and spreads (min–max) are printed, with the load average
before and after (the machine is shared: CPU time per epoch grows with the load).

Run: python benchmarks/train_overhead.py [--repeats 5] [--epochs 200 2200]
     python benchmarks/train_overhead.py --hand N   (the hand loop alone, N epochs)
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LR, BATCH, N = 0.03, 10, 500


def hand_loop(epochs: int, metrics_path: Path) -> None:
    """The minimal loop: same data shape, net, optimizer, per-epoch losses and accuracies, a metrics line each epoch."""
    rng = np.random.default_rng(0)
    r = np.concatenate([rng.uniform(0, 2.5, N // 2), rng.uniform(3.5, 5, N // 2)])  # TF Playground's circle
    angle = rng.uniform(0, 2 * np.pi, N)
    x = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    y = (r < 2.5).astype(float)[:, None]
    order = rng.permutation(N)
    tr, te = order[: N // 2], order[N // 2 :]
    sizes = [2, 4, 2, 1]
    params = [(rng.normal(0, np.sqrt(2 / (i + o)), size=(o, i)), np.zeros(o)) for i, o in itertools.pairwise(sizes)]
    last = len(params) - 1

    def forward(a: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        acts = [a]
        for k, (W, b) in enumerate(params):
            z = a @ W.T + b
            a = np.tanh(z) if k < last else 1.0 / (1.0 + np.exp(-z))
            acts.append(a)
        return acts, z

    def loss_acc(idx: np.ndarray) -> tuple[float, float]:
        acts, z = forward(x[idx])
        t = y[idx]
        return float((np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - t * z).mean()), float(((acts[-1] >= 0.5) == t).mean())

    with open(metrics_path, "w", encoding="utf-8") as fh:
        for epoch in range(1, epochs + 1):
            t0 = time.perf_counter()
            perm = rng.permutation(tr)
            batch_losses = []
            for i in range(0, len(perm), BATCH):
                idx = perm[i : i + BATCH]
                acts, z = forward(x[idx])
                t = y[idx]
                batch_losses.append(float((np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - t * z).mean()))
                d = (acts[-1] - t) / len(idx)
                for k in range(last, -1, -1):
                    W, b = params[k]
                    dW, db = d.T @ acts[k], d.sum(axis=0)
                    if k > 0:
                        d = (d @ W) * (1.0 - acts[k] * acts[k])
                    W -= LR * dW
                    b -= LR * db
            train_loss, train_acc = loss_acc(tr)
            test_loss, test_acc = loss_acc(te)
            fh.write(json.dumps({"epoch": epoch, "batch_loss": float(np.mean(batch_losses)), "seconds": time.perf_counter() - t0,
                                 "train_loss": train_loss, "train_accuracy": train_acc, "test_loss": test_loss,
                                 "test_accuracy": test_acc}) + "\n")
    print(f"hand loop: {epochs} epochs, train loss {train_loss:.4f}, test accuracy {test_acc:.4f}")


def child_cpu(cmd: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child run with stdout and stderr piped."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{cmd} failed: {done.stderr[-500:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, nargs=2, default=[200, 2200])
    parser.add_argument("--metrics", default="basic", help="tuinn train --metrics (basic or all)")
    parser.add_argument("--hand", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hand is not None:
        with tempfile.TemporaryDirectory() as tmp:
            hand_loop(args.hand, Path(tmp) / "metrics.jsonl")
        return
    lo, hi = args.epochs
    with tempfile.TemporaryDirectory() as tmp:
        runs = iter(range(10**6))

        def tuinn(epochs: int) -> list[str]:
            return [sys.executable, "-m", "tuinn", "train", "playground", "--epochs", str(epochs), "--metrics", args.metrics,
                    "--out", str(Path(tmp) / f"r{next(runs)}")]

        def hand(epochs: int) -> list[str]:
            return [sys.executable, __file__, "--hand", str(epochs)]

        per_epoch: dict[str, list[float]] = {"tuinn train": [], "hand loop": []}
        wall: dict[str, list[float]] = {"tuinn train": [], "hand loop": []}
        ratios: list[float] = []
        load_before = os.getloadavg()[0]
        for repeat in range(args.repeats):
            got = {}
            sides = (("tuinn train", tuinn), ("hand loop", hand))
            for name, make in sides if repeat % 2 == 0 else sides[::-1]:
                (c_lo, w_lo), (c_hi, w_hi) = child_cpu(make(lo)), child_cpu(make(hi))
                got[name] = (c_hi - c_lo) / (hi - lo)
                per_epoch[name].append(got[name])
                wall[name].append((w_hi - w_lo) / (hi - lo))
            ratios.append(got["tuinn train"] / got["hand loop"])
    print(f"# tuinn train (--metrics {args.metrics}) vs hand loop · playground 2-4-2-1, 25 steps of 10 + losses and accuracy"
          f" per epoch · piped · epochs {lo} and {hi} · {args.repeats} interleaved repeats · Python {platform.python_version()}"
          f" · numpy {np.__version__} · {platform.machine()}")
    print(f"{'side':<14}{'CPU µs/epoch':>14}{'min':>9}{'max':>9}{'wall µs/epoch':>15}")
    for name, values in per_epoch.items():
        print(f"{name:<14}{statistics.median(values) * 1e6:>14.0f}{min(values) * 1e6:>9.0f}{max(values) * 1e6:>9.0f}"
              f"{statistics.median(wall[name]) * 1e6:>15.0f}")
    print(f"ratio (median of per-repeat ratios): {statistics.median(ratios):.2f}  (min {min(ratios):.2f}, max {max(ratios):.2f});"
          f" target ≤ 1.15 · load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()

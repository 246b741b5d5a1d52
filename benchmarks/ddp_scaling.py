"""One process vs two: does ``tuinn train --nproc 2`` pay on this machine, and do the weights agree?

A net large enough for the split to matter, 784-256-256-10 (relu, softmax + cce, SGD),
batch 256, on synthetic data (a CSV of random pixels whose class is the argmax of a fixed
random projection, so the net has something to learn), trained with the torch backend:

* one process with torch's default intra-op threads (what ``tuinn train`` does),
* one process with one thread (``OMP_NUM_THREADS=1``),
* two processes with one thread each (``--nproc 2``: DistributedDataParallel, gloo),

side by side, alternating, in one run. Reported: the median epoch time read from each
run's ``metrics.jsonl`` (the training steps and the evaluation of every split, both
shared out over the processes), the wall time of the command (process start, torch
import, data, training), and the largest absolute difference between the final weights
of one and two processes.

Run:  python benchmarks/ddp_scaling.py [--samples 6000] [--epochs 5] [--rounds 2] [--dtype float32]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SPEC = """
name = "ddp-scaling"
seed = 0
[data]
source = "csv"
path = "pixels.csv"
test_fraction = {test_fraction}
[[model.layers]]
units = 256
activation = "relu"
[[model.layers]]
units = 256
activation = "relu"
[[model.layers]]
units = 10
activation = "softmax"
[train]
loss = "cce"
optimizer = "sgd"
learning_rate = 0.05
batch_size = 256
epochs = {epochs}
backend = "torch"
dtype = "{dtype}"
"""


def write_data(folder: Path, samples: int, rng: np.random.Generator) -> None:
    """784 pixel columns in [0, 1] and a class 0-9: the argmax of a fixed random projection."""
    x = rng.random((samples, 784))
    label = np.argmax((x - 0.5) @ rng.normal(size=(784, 10)), axis=1)
    header = ",".join(f"p{i}" for i in range(784)) + ",digit"
    rows = "\n".join(",".join(f"{v:.3f}" for v in row) + f",{c}" for row, c in zip(x, label, strict=True))
    (folder / "pixels.csv").write_text(header + "\n" + rows + "\n", encoding="utf-8")


def train(spec: Path, out: Path, nproc: int, threads: int | None) -> dict[str, float]:
    env = dict(os.environ)
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
    else:
        env.pop("OMP_NUM_THREADS", None)
    cmd = [sys.executable, "-m", "tuinn", "train", str(spec), "--out", str(out), "--quiet"] + (["--nproc", str(nproc)] if nproc > 1 else [])
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
    return {"epoch": statistics.median(r["seconds"] for r in lines[1:] or lines), "wall": wall}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=6000)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    ap.add_argument("--test-fraction", type=float, default=0.1)
    args = ap.parse_args()
    from tuinn.training import checkpoint

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_data(folder, args.samples, np.random.default_rng(0))
        spec = folder / "ddp-scaling.toml"
        spec.write_text(SPEC.format(epochs=args.epochs, dtype=args.dtype, test_fraction=args.test_fraction), encoding="utf-8")
        setups = {"1 process, torch's threads": (1, None), "1 process, 1 thread": (1, 1), "2 processes (--nproc 2), 1 thread each": (2, 1)}
        times: dict[str, list[dict[str, float]]] = {name: [] for name in setups}
        for r in range(args.rounds):
            for i, (name, (nproc, threads)) in enumerate(setups.items()):
                times[name].append(train(spec, folder / f"run-{r}-{i}", nproc, threads))
        load = os.getloadavg()[0]
        n_train = round(args.samples * (1 - args.test_fraction))
        print(f"784-256-256-10 relu/softmax, SGD, batch 256, {args.dtype}, {n_train} training samples "
              f"({-(-n_train // 256)} steps an epoch), {args.epochs} epochs, {args.rounds} rounds, {os.cpu_count()} CPUs, "
              f"load average {load:.1f}")
        base = statistics.median(t["epoch"] for t in times["1 process, torch's threads"])
        for name, runs in times.items():
            epoch = statistics.median(t["epoch"] for t in runs)
            wall = statistics.median(t["wall"] for t in runs)
            print(f"  {name:42s} epoch {epoch * 1000:8.1f} ms  ({base / epoch:4.2f}× the default)   command {wall:6.2f} s")
        params = [checkpoint.load(folder / f"run-0-{i}" / "model.safetensors").state["params"] for i in range(3)]

        def diff(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
            return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)

        print(f"  final weights, 1 vs 2 processes: max |ΔW| = {diff(params[1], params[2]):.3g} ({args.dtype}); "
              f"for scale, 1 process with torch's threads vs 1 thread: {diff(params[0], params[1]):.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

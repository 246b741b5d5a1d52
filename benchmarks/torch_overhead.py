"""The torch backend's overhead, and where NumPy vs torch cross over (what `auto` picks).

1. A training step of tuinn's torch backend vs a plain hand-written PyTorch loop
   (nn.Sequential, cross-entropy, SGD, batches gathered from a tensor) for
   784-256-256-10, batch 128, float32, CPU, interleaved in one run.
2. For the four nets of engine_overhead.py and this one: step time of the NumPy engine
   and of the torch backend (same spec, same data), what `backend = "auto"` picks, and
   how far the pick is from the faster one (must be ≤ 1.1×).

Run:  python benchmarks/torch_overhead.py [--repeats 7] [--seconds 0.2] [--device cpu]
"""

from __future__ import annotations

import argparse
import itertools
import platform

import numpy as np
import torch
from engine_overhead import per_step  # the same timing loop (run from benchmarks/ or with it on sys.path)

from tuinn.backends import CPU_CROSSOVER_FLOPS, choose_backend, make_model, step_flops
from tuinn.config.spec import loads
from tuinn.training.build import build_network

NETS = [
    ("2-4-2-1", [2, 4, 2, 1], 10, "tanh"),
    ("2-8-8-8-8-8-8-1", [2, 8, 8, 8, 8, 8, 8, 1], 10, "tanh"),
    ("8-16-8-1", [8, 16, 8, 1], 32, "tanh"),
    ("64-128-128-10", [64, 128, 128, 10], 64, "relu"),
    ("784-256-256-10", [784, 256, 256, 10], 128, "relu"),
]
#: Larger nets, to see the crossover (--crossover).
CROSSOVER = [
    ("256-256-256-10", [256, 256, 256, 10], 64, "relu"),
    ("512-512-512-10", [512, 512, 512, 10], 128, "relu"),
    ("784-1024-1024-10", [784, 1024, 1024, 10], 256, "relu"),
]


def spec(sizes: list[int], batch: int, hidden: str, dtype: str) -> str:
    out = "softmax" if sizes[-1] > 1 else "sigmoid"
    layers = "".join(f'[[model.layers]]\nunits = {u}\nactivation = "{hidden}"\n' for u in sizes[1:-1])
    layers += f'[[model.layers]]\nunits = {sizes[-1]}\nactivation = "{out}"\n'
    loss = "cce" if out == "softmax" else "bce"
    classes = max(sizes[-1], 2)
    return (f'[data]\nsource = "blobs"\nclasses = {classes}\n' + layers +
            f'[train]\nloss = "{loss}"\noptimizer = "sgd"\nlearning_rate = 0.01\nbatch_size = {batch}\ndtype = "{dtype}"\n')


def data(sizes: list[int], n: int = 2048, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, sizes[0]))
    k = sizes[-1]
    y = rng.integers(0, 2, size=(n, 1)).astype(float) if k == 1 else np.eye(k)[rng.integers(0, k, size=n)]
    return x, y


def model_for(backend: str, sizes: list[int], batch: int, hidden: str, dtype: str, device: str):
    exp = loads(spec(sizes, batch, hidden, dtype))
    net = build_network(exp, sizes[0], np.random.default_rng(1), np.random.default_rng(2))
    model = make_model(exp, net, backend=backend, device=device)
    x, y = data(sizes)
    model.bind(x.astype(dtype), y.astype(dtype), None)
    return exp, model


def batches(batch: int, n: int = 2048, seed: int = 3):
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(n)
        yield from (order[i : i + batch] for i in range(0, n - batch + 1, batch))


def hand_loop(sizes: list[int], batch: int, device: str):
    """What a careful PyTorch user writes for exactly this net."""
    torch.manual_seed(0)
    layers: list[torch.nn.Module] = []
    for a, b in itertools.pairwise(sizes[:-1]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    layers.append(torch.nn.Linear(sizes[-2], sizes[-1]))
    net = torch.nn.Sequential(*layers).to(device)
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    x, y = data(sizes)
    xt = torch.as_tensor(x, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y.argmax(axis=1), device=device)
    it = batches(batch)

    def step() -> float:
        idx = torch.as_tensor(next(it), device=device)
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx])
        loss.backward()
        opt.step()
        return float(loss.item())

    return step


def stepper(model, batch: int):
    it = batches(batch)
    return lambda: model.step(next(it))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--crossover", action="store_true", help="also time larger nets around the crossover")
    args = parser.parse_args()
    print(f"# torch overhead · torch {torch.__version__} · numpy {np.__version__} · Python {platform.python_version()} · "
          f"{platform.machine()} · device {args.device}" + (f" ({torch.cuda.get_device_name()})" if args.device.startswith("cuda") else ""))
    print(f"# {args.repeats} interleaved repeats, each ≥ {args.seconds} s per side; medians")
    print()
    name, sizes, batch, hidden = NETS[-1]
    _, ours = model_for("torch", sizes, batch, hidden, "float32", args.device)
    it = batches(batch)

    def ours_step() -> float:
        return ours.step(next(it))

    hand = hand_loop(sizes, batch, args.device)
    ratios, to, th = [], [], []
    for _ in range(args.repeats):
        a = per_step(ours_step, args.seconds)
        b = per_step(hand, args.seconds)
        to.append(a)
        th.append(b)
        ratios.append(a / b)
    r = float(np.median(ratios))
    print("| net | batch | dtype | tuinn torch ms/step | hand-written ms/step | ratio | limit |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {name} | {batch} | float32 | {np.median(to) * 1e3:.2f} | {np.median(th) * 1e3:.2f} | {r:.2f} | ≤ 1.1 {'yes' if r <= 1.1 else 'NO'} |")
    print()
    print("auto on the CPU: NumPy below " + ", ".join(f"{v:,} ({k})" for k, v in CPU_CROSSOVER_FLOPS.items()) +
          " multiply-adds per step, torch above")
    print()
    print("| net | batch | dtype | multiply-adds/step | NumPy µs/step | torch µs/step | faster | auto picks | auto / fastest |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, sizes, batch, hidden in NETS + (CROSSOVER if args.crossover else []):
        for dtype in ("float64", "float32"):
            exp, npm = model_for("numpy", sizes, batch, hidden, dtype, "cpu")
            _, tm = model_for("torch", sizes, batch, hidden, dtype, args.device)
            steppers = {"numpy": stepper(npm, batch), "torch": stepper(tm, batch)}
            times: dict[str, list[float]] = {"numpy": [], "torch": []}
            for _ in range(args.repeats):
                for key, fn in steppers.items():
                    times[key].append(per_step(fn, args.seconds / 2))
            med = {k: float(np.median(v)) for k, v in times.items()}
            faster = min(med, key=med.get)
            pick, _ = choose_backend(exp, sizes[0], 2048, cuda=args.device.startswith("cuda"))
            flops = step_flops(sizes, batch)
            print(f"| {name} | {batch} | {dtype} | {flops:,} | {med['numpy'] * 1e6:.0f} | {med['torch'] * 1e6:.0f} | {faster} | "
                  f"{pick} | {med[pick] / med[faster]:.2f} |")


if __name__ == "__main__":
    main()

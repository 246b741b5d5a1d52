"""The CUDA path: parity with the NumPy engine, then the overhead benchmark, on a GPU.

Needs a machine with an NVIDIA GPU and a CUDA build of torch. Without one it says so
and exits with status 1 without running anything.

1. Parity (float64): for every hidden activation × (output, loss) × optimizer, the
   same experiment on the NumPy engine and on torch/CUDA: one traced step (gradients,
   relative difference ≤ 1e-10) and 100 steps (weights, absolute difference ≤ 1e-9).
2. ``torch_overhead.py --device cuda``: tuinn's torch backend vs a hand-written loop,
   and NumPy vs torch per net size.
3. Multi-GPU (only with 2 or more GPUs; one line saying it was skipped otherwise):
   ``tuinn train --nproc 2`` (DistributedDataParallel over NCCL, one GPU per process)
   against one process on one GPU, float64, 30 epochs, no dropout: final weights within
   1e-9, and the median epoch time of each.

Run:  python benchmarks/gpu_check.py
"""

from __future__ import annotations

import sys
import time

import numpy as np


def hundred_steps(trainer, batches) -> dict[str, np.ndarray]:
    """Continue to 100 steps in all (one was the traced step), epoch after epoch."""
    steps = 1
    while steps < 100:
        for batch in batches:
            if steps >= 100:
                break
            trainer.step(batch)
            steps += 1
        batches = trainer.epoch_batches()
    return trainer.model.get_parameters()


def parity(device: str = "cuda") -> int:
    from tuinn.config.spec import loads
    from tuinn.teaching.compare import compare
    from tuinn.training.trainer import Trainer

    hidden = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear", "maxout"]
    outputs = [("linear", "mse", "reg-plane", 1), ("sigmoid", "bce", "xor", 1), ("softmax", "cce", "blobs", 3)]
    optimizers = ["sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam"]
    grad_terms = {"delta", "dL_dW", "dL_db", "dL_dinput", "dL_da", "dL_dgamma", "dL_dbeta"}
    failures = 0
    worst_grad = worst_w = 0.0
    t0 = time.perf_counter()
    for act in hidden:
        for out, loss, source, units in outputs:
            for opt in optimizers:
                for norm in ("none", "batch"):
                    text = (f'seed = 3\n[data]\nsource = "{source}"\nsamples = 40\nclasses = 3\n'
                            f'[[model.layers]]\nunits = 5\nactivation = "{act}"\nnorm = "{norm}"\n'
                            f'[[model.layers]]\nunits = {units}\nactivation = "{out}"\n'
                            f'[train]\nloss = "{loss}"\noptimizer = "{opt}"\nlearning_rate = 0.01\nbatch_size = 6\nl2 = 0.01\n')
                    exp = loads(text)
                    a, b = Trainer(exp, backend="numpy"), Trainer(exp, backend="torch", device=device)
                    ba, bb = a.epoch_batches(), b.epoch_batches()
                    diffs = compare(a.traced_step(ba[0]), b.traced_step(bb[0]))
                    g = max((d.rel for d in diffs if d.term in grad_terms), default=0.0)
                    pa, pb = hundred_steps(a, ba), hundred_steps(b, bb)
                    w = max(float(np.max(np.abs(pa[k] - pb[k]))) for k in pa)
                    worst_grad = max(worst_grad, g)
                    if w > 1e-9:
                        # Some problems amplify rounding by ~1e7 in 100 steps (RMSprop on tiny
                        # gradients): compare with the engine against itself, one ulp apart.
                        c = Trainer(exp, backend="numpy")
                        p = c.model.get_parameters()
                        p["1.W"] = p["1.W"] * (1 + 2.2e-16)
                        c.model.set_parameters(p)
                        cc = c.epoch_batches()
                        c.traced_step(cc[0])
                        pc = hundred_steps(c, cc)
                        own = max(float(np.max(np.abs(pa[k] - pc[k]))) for k in pa)
                        print(f"note {act} {out}+{loss} {opt} norm={norm}: backends {w:.2e} apart after 100 steps; "
                              f"the engine against itself one ulp apart: {own:.2e}")
                        if w > 10 * own:
                            failures += 1
                            print("FAIL: the difference is larger than this problem's own sensitivity")
                        continue
                    worst_w = max(worst_w, w)
                    if g > 1e-10:
                        failures += 1
                        print(f"FAIL {act} {out}+{loss} {opt} norm={norm}: gradient rel {g:.2e}, weights abs {w:.2e}")
    print(f"parity on {device}: {7 * 3 * 6 * 2} combinations, {failures} failures; largest gradient difference {worst_grad:.2e} "
          f"(relative), largest weight difference after 100 steps {worst_w:.2e} (absolute, well-conditioned cases); {time.perf_counter() - t0:.0f} s")
    return failures


MULTI_GPU_SPEC = """
name = "ddp-gpu"
seed = 0
[data]
source = "spirals"
classes = 3
samples = 3000
[[model.layers]]
units = 64
activation = "tanh"
[[model.layers]]
units = 64
activation = "tanh"
[[model.layers]]
units = 3
activation = "softmax"
[train]
loss = "cce"
optimizer = "adam"
learning_rate = 0.01
batch_size = 256
epochs = 30
backend = "torch"
device = "cuda"
dtype = "float64"
"""


def multi_gpu() -> int:
    """``--nproc 2`` on two GPUs against one process on one: the weights agree within 1e-9 (0 failures) or not (1)."""
    import json
    import os
    import statistics
    import subprocess
    import tempfile
    from pathlib import Path

    import torch

    from tuinn.training import checkpoint

    count = torch.cuda.device_count()
    if count < 2:
        print(f"multi-GPU DDP check: skipped ({count} GPU here; it needs 2 or more)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "ddp-gpu.toml"
        spec.write_text(MULTI_GPU_SPEC, encoding="utf-8")
        epochs = {}
        for nproc in (1, 2):
            out = Path(tmp) / f"n{nproc}"
            cmd = [sys.executable, "-m", "tuinn", "train", str(spec), "--out", str(out), "--quiet"]
            subprocess.run(cmd + (["--nproc", str(nproc)] if nproc > 1 else []), check=True, env=dict(os.environ), stdout=subprocess.DEVNULL)
            lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()]
            epochs[nproc] = statistics.median(r["seconds"] for r in lines[1:])
        one = checkpoint.load(Path(tmp) / "n1" / "model.safetensors").state["params"]
        two = checkpoint.load(Path(tmp) / "n2" / "model.safetensors").state["params"]
        diff = max(float(np.max(np.abs(one[k] - two[k]))) for k in one)
    ok = diff <= 1e-9
    print(f"multi-GPU DDP check: {'ok' if ok else 'FAIL'}: max |ΔW| after 30 epochs = {diff:.3g} (float64, limit 1e-9); "
          f"median epoch {epochs[1] * 1000:.1f} ms on 1 GPU, {epochs[2] * 1000:.1f} ms on 2")
    return 0 if ok else 1


def main() -> int:
    try:
        import torch
    except ImportError:
        print("gpu_check: torch is not installed; nothing was run")
        return 1
    if not torch.cuda.is_available():
        why = "this torch build has no CUDA" if torch.version.cuda is None else "no CUDA device is visible"
        print(f"gpu_check: no GPU here ({why}; torch {torch.__version__}); nothing was run")
        return 1
    print(f"gpu_check: {torch.cuda.get_device_name()} · CUDA {torch.version.cuda} · torch {torch.__version__}")
    failures = parity()
    sys.argv = [sys.argv[0], "--device", "cuda"]
    from torch_overhead import main as overhead

    overhead()
    failures += multi_gpu()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

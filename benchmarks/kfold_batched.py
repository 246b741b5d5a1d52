"""K-fold on the batched engine: ``--kfold 10`` vs one run of the same epochs, and vs the folds one by one.

Issue #17 part 3 asks that ten folds on the default net (the playground spec, 2-4-2-1)
cost at most 3× one run of the same number of epochs. Three sides, in one process,
interleaved (each repeat times every side once) so that a noisy shared machine affects
all alike; medians and the spread (min–max) over the repeats:

- ``one run``: ``Trainer(exp).fit(E)`` — what ``tuinn train`` trains, with its per-epoch
  bookkeeping (losses and accuracy of every split), without the run folder's files;
- ``k-fold together``: ``numbered_folds(exp, 10)`` — the 10 folds stacked on the batched
  engine (two groups when the learning set does not split evenly), then each evaluated;
- ``k-fold sequential``: the same folds trained one after the other (``together=False``),
  as before #17.

Both k-fold sides build their own base trainer (data), as ``tuinn train --kfold`` does.
Before timing, the script checks that both k-fold sides give the same held-out metrics.

Run: python benchmarks/kfold_batched.py [--epochs 50] [--repeats 7] [--k 10]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

from tuinn.config.spec import from_dict
from tuinn.training.kfold import numbered_folds
from tuinn.training.run import read_spec
from tuinn.training.together import groups
from tuinn.training.trainer import Trainer


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--spec", default="playground")
    args = parser.parse_args()
    raw, source = read_spec(args.spec, [])
    exp = from_dict(raw, source)
    k, epochs = args.k, args.epochs

    a = list(numbered_folds(exp, k, epochs))
    b = list(numbered_folds(exp, k, epochs, together=False))
    worst = max(abs(fa[m] - fb[m]) / max(abs(fb[m]), 1e-300) for (_, fa), (_, fb) in zip(a, b, strict=True) for m in fb
                if np.isfinite(fb[m]))
    base = Trainer(exp)
    learning = len(base.dataset.train) + len(base.dataset.test)
    from tuinn.data.split import kfold_indices
    from tuinn.training.trainer import seed_streams

    ds = base.dataset
    folds = kfold_indices(np.sort(np.concatenate([ds.train, ds.test])), k, seed_streams(exp.seed)["kfold"], ds.labels)
    n_groups = len(groups([Trainer(exp, dataset=ds, split=(tr, he, ds.validation)) for tr, he in folds]))

    sides: dict[str, Callable[[], object]] = {
        "one run": lambda: Trainer(exp).fit(epochs),
        f"k-fold {k} together": lambda: list(numbered_folds(exp, k, epochs)),
        f"k-fold {k} sequential": lambda: list(numbered_folds(exp, k, epochs, together=False)),
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.repeats):
        for name, fn in sides.items():
            times[name].append(timed(fn))

    print(f"# k-fold batched · {args.spec}: learning set {learning} samples, {k} folds in {n_groups} stacking group(s), "
          f"{epochs} epochs · {platform.processor() or platform.machine()} · numpy {np.__version__} · {args.repeats} repeats")
    print(f"# held-out metrics together vs sequential: max relative difference {worst:.2e}")
    one = statistics.median(times["one run"])
    print(f"{'side':<24}{'median s':>10}{'min':>9}{'max':>9}{'× one run':>11}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<24}{med:>10.4f}{min(ts):>9.4f}{max(ts):>9.4f}{med / one:>11.2f}")


if __name__ == "__main__":
    main()

"""The balance comparison on the batched engine: the four methods stacked where they can be vs one by one.

Issue #17 part 3 asks that the playground's balance comparison (the Evaluate screen's
``c``: :func:`tuinn.analysis.balance.compare_balance`, one model per ``data.balance``
method) use the batched engine. ``none`` and ``weights`` train on the same rows and share
a stack; ``undersample`` and ``oversample`` change the number of rows, so each trains
alone with its own ``fit``, as before. Sides, in one
process, interleaved (each repeat times every side once) so that a noisy shared machine
affects all alike; medians and the spread (min–max) over the repeats:

- ``one run``: ``Trainer(exp).fit(E)`` with the spec's own balance — for scale;
- ``compare together``: ``compare_balance(exp, E)`` — what the panel runs now;
- ``compare sequential``: ``compare_balance(exp, E, together=False)`` — the four ``fit``s
  one after the other, as before.

Both compare sides reuse one base trainer (its data and split), as the panel does.
Before timing, the script checks that both sides give the same rows.

Specs: the playground default made imbalanced (``data.imbalance``: class 1 thinned to
that share), or any spec, e.g. ``--spec pima-mlp`` with ``TUINN_DATA_DIR`` set.

Run: python benchmarks/balance_batched.py [--spec playground] [--imbalance 0.3] [--epochs 50] [--repeats 7]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

from tuinn.analysis.balance import METRICS, compare_balance
from tuinn.config.spec import BALANCES, from_dict
from tuinn.training.run import read_spec
from tuinn.training.together import groups
from tuinn.training.trainer import Trainer


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default="playground")
    parser.add_argument("--imbalance", type=float, default=0.3, help="data.imbalance (synthetic sources only; 1: leave as is)")
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    sets = [f"data.imbalance={args.imbalance}"] if args.imbalance < 1 else []
    raw, source = read_spec(args.spec, sets)
    exp = from_dict(raw, source)
    epochs = args.epochs
    base = Trainer(exp)

    a = list(compare_balance(exp, epochs, base=base))
    b = list(compare_balance(exp, epochs, base=base, together=False))
    worst = max(abs(ra[m] - rb[m]) / max(abs(rb[m]), 1e-300) for ra, rb in zip(a, b, strict=True) for m in METRICS
                if np.isfinite(rb[m]))
    trainers = []
    for method in BALANCES:
        raw_m, _ = read_spec(args.spec, [*sets, f"data.balance={method}"])
        trainers.append(Trainer(from_dict(raw_m, source), dataset=base.dataset, split=(base.train_idx, base.test_idx,
                                                                                        base.val_idx)))
    stacks = " + ".join("(" + ", ".join(BALANCES[i] for i in g) + ")" for g in groups(trainers))
    rows = ", ".join(f"{t.experiment.data.balance} {len(t.train_order)}" for t in trainers)

    sides: dict[str, Callable[[], object]] = {
        "one run": lambda: Trainer(exp, dataset=base.dataset).fit(epochs),
        "compare together": lambda: list(compare_balance(exp, epochs, base=base)),
        "compare sequential": lambda: list(compare_balance(exp, epochs, base=base, together=False)),
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.repeats):
        for name, fn in sides.items():
            times[name].append(timed(fn))

    what = f"imbalance {args.imbalance}" if sets else "as given"
    print(f"# balance comparison batched · {args.spec} ({what}): training rows {rows}; stacks {stacks}; {epochs} epochs · "
          f"{platform.processor() or platform.machine()} · numpy {np.__version__} · {args.repeats} repeats")
    print(f"# rows together vs sequential: max relative difference {worst:.2e}")
    one = statistics.median(times["one run"])
    seq = statistics.median(times["compare sequential"])
    print(f"{'side':<22}{'median s':>10}{'min':>9}{'max':>9}{'× one run':>11}{'× sequential':>14}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<22}{med:>10.4f}{min(ts):>9.4f}{max(ts):>9.4f}{med / one:>11.2f}{med / seq:>14.2f}")
    ratios = [t / s for t, s in zip(times["compare together"], times["compare sequential"], strict=True)]
    print(f"# together / sequential per repeat: median {statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f})")


if __name__ == "__main__":
    main()

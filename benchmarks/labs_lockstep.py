"""The labs and the grid view on the batched engine: epochs/s of a lock-step, stacked vs one member at a time.

Issue #17 part 3 asks that the labs' side-by-side variants use the batched engine. A lab
(and the playground's grid view) trains its members in one
:class:`~tuinn.session.lockstep.LockStep`: every member one epoch per tick, each followed
by what the playground records (the split losses, the blow-up watch). This script times
ticks of the same members two ways, interleaved in one process (each repeat times both
sides once, so a noisy shared machine affects both alike):

- ``stacked``: ``LockStep(members)``, members of one shape on one batched network;
- ``alone``: ``LockStep(members, stack=False)``, every member through its own
  ``Playground.run_epochs`` (how the labs trained before).

Each side gets fresh playgrounds per repeat (built outside the timing) and trains
``--epochs`` ticks; CPU time (``time.process_time``) per tick, medians and the spread
(min–max) over the repeats, and the ratio per repeat. Before timing, the script checks
that both sides reach the same weights (1e-12 relative).

Run: python benchmarks/labs_lockstep.py [--epochs 100] [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

from tuinn.course.labs import load_lab
from tuinn.session.grid import GridSession, default_axes
from tuinn.session.lockstep import LockStep, Member
from tuinn.session.playground import default_experiment
from tuinn.session.variants import SideBySide


def lab_members(name: str) -> Callable[[], list[Member]]:
    """Fresh variants of every group of a lab, as the runs lab builds them."""
    lab = load_lab(name)
    assert lab.experiment is not None

    def make() -> list[Member]:
        sides = [SideBySide(lab.experiment, [(label, list(sets)) for label, sets in g.variants]) for g in lab.groups]  # type: ignore[arg-type]
        return [v for side in sides for v in side.variants]

    return make


def grid_members() -> list[Member]:
    """The playground's default grid: α/3, α, 3α × noise 0, 0.25, 0.5."""
    base = default_experiment()
    return list(GridSession(base, default_axes(base, synthetic=True)).points)


CASES: dict[str, Callable[[], list[Member]]] = {
    "learning-rate lab (6 variants)": lab_members("learning-rate"),
    "overfitting lab (4 variants)": lab_members("overfitting"),
    "grid view, default 3×3": grid_members,
}


def ticks(members: list[Member], stack: bool, epochs: int) -> tuple[float, LockStep]:
    steps = LockStep(members, stack=stack)
    t0 = time.process_time()
    for _ in range(epochs):
        steps.advance(1)
    return (time.process_time() - t0) / epochs, steps


def same(a: list[Member], b: list[Member]) -> float:
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        p, q = x.playground.trainer.model.get_parameters(), y.playground.trainer.model.get_parameters()
        for k in q:
            scale = np.maximum(np.abs(q[k]), 1e-300)
            worst = max(worst, float(np.max(np.abs(p[k] - q[k]) / scale)))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, load {load:.1f}; "
          f"{args.epochs} ticks × {args.repeats} interleaved repeats; CPU ms per tick (all members)\n")
    print("| members | stacked / all | alone, median (min–max) | stacked, median (min–max) "
          "| stacked / alone per repeat, median (min–max) | max rel. diff of the weights |")
    print("|---|---|---|---|---|---|")
    for name, make in CASES.items():
        probe_a, probe_b = make(), make()
        _, steps = ticks(probe_a, True, 20)
        ticks(probe_b, False, 20)
        worst = same(probe_a, probe_b)
        alone, stacked, ratio = [], [], []
        for _ in range(args.repeats):
            a, b = make(), make()
            t_alone, _ = ticks(a, False, args.epochs)
            t_stacked, _ = ticks(b, True, args.epochs)
            alone.append(t_alone * 1e3)
            stacked.append(t_stacked * 1e3)
            ratio.append(t_stacked / t_alone)
        print(f"| {name} | {steps.batched} / {len(steps.members)} "
              f"| {statistics.median(alone):.2f} ({min(alone):.2f}–{max(alone):.2f}) "
              f"| {statistics.median(stacked):.2f} ({min(stacked):.2f}–{max(stacked):.2f}) "
              f"| **{statistics.median(ratio):.2f}** ({min(ratio):.2f}–{max(ratio):.2f}) | {worst:.1e} |")
    print(f"\nload at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

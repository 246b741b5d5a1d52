"""Frame costs of the dense widgets, against their budgets.

These were timing assertions inside the test suite (boundary 80×40 under 30 ms, network
diagram under 20 ms, a step-through stage under 50 ms); on a loaded 2-core machine running
the tests in four workers they failed for reasons that had nothing to do with the code. A
budget is a benchmark, not a test: this script measures each median of ``repeats`` calls
and prints it as a ratio of its budget (below 1.0 is within budget).

Run:  python benchmarks/widget_frames.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np
from textual.app import App, ComposeResult

from tuinn.config.spec import loads
from tuinn.tui.widgets.decision_boundary import BoundaryView, DecisionBoundary
from tuinn.tui.widgets.network_diagram import NetworkDiagram

#: name → budget in milliseconds (DESIGN.md §4: 15 frames a second leave ~66 ms per frame for everything).
BUDGETS = {"boundary 80×40 show": 30.0, "network 2-8×6-1 show": 20.0, "step-through stage (40 relu units, batch 4)": 50.0}

STEP_SPEC = """
seed = 2
[data]
source = "blobs"
classes = 3
samples = 60
[[model.layers]]
units = 40
activation = "relu"
[[model.layers]]
units = 3
activation = "softmax"
[train]
loss = "cce"
batch_size = 4
"""


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


class Widgets(App[None]):
    def compose(self) -> ComposeResult:
        yield DecisionBoundary(id="b")
        yield NetworkDiagram(id="n")

    CSS = "#b { width: 82; height: 42; } #n { width: 70; height: 20; }"


async def widget_costs(repeats: int) -> dict[str, float]:
    app = Widgets()
    out: dict[str, float] = {}
    async with app.run_test(size=(160, 70)) as pilot:
        await pilot.pause()
        b = app.query_one(DecisionBoundary)
        rng = np.random.default_rng(0)
        pts = rng.uniform(-1, 1, (200, 2))
        view = BoundaryView("binary", rng.uniform(0, 1, b.pixel_shape()), (-1.0, 1.0, -1.0, 1.0), pts, rng.integers(0, 2, 200),
                            pts[:50] * 0.9, rng.integers(0, 2, 50))
        out["boundary 80×40 show"] = median_ms(lambda: b.show(view), repeats)
        sizes = [2, 8, 8, 8, 8, 8, 8, 1]
        weights = [rng.normal(size=(sizes[i + 1], sizes[i])) for i in range(len(sizes) - 1)]
        biases = [rng.normal(size=sizes[i + 1]) for i in range(len(sizes) - 1)]
        d = app.query_one(NetworkDiagram)
        out["network 2-8×6-1 show"] = median_ms(lambda: d.show(sizes, weights, biases, ["x1", "x2"], ["tanh"] * 6 + ["sigmoid"]), repeats)
    return out


async def step_cost() -> float:
    from tuinn.tui.step_app import StepApp

    app = StepApp(loads(STEP_SPEC))
    worst = 0.0
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.2)
        screen = app.screen
        for _ in range(len(screen.stages)):
            worst = max(worst, screen.render_ms)
            await pilot.press("right")
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    costs = asyncio.run(widget_costs(args.repeats))
    costs["step-through stage (40 relu units, batch 4)"] = asyncio.run(step_cost())
    print(f"# widget frames · {platform.processor() or platform.machine()} · Python {platform.python_version()}")
    print(f"{'what':<46}{'ms':>8}{'budget':>8}{'ratio':>8}")
    for name, ms in costs.items():
        budget = BUDGETS[name]
        print(f"{name:<46}{ms:>8.2f}{budget:>8.0f}{ms / budget:>8.2f}")


if __name__ == "__main__":
    main()

"""Playground throughput: epochs per second with the UI live vs headless, frame costs,
and CPU use while paused.

1. Headless: the default experiment (TF Playground's) trained by `Playground.run_epochs`
   for a fixed time: epochs per second.
2. Live: the real app (Textual's headless driver, 160×48), playing for the same time:
   epochs per second and frames drawn per second (the UI redraws at most 15 times a
   second, and only when the snapshot changed).
3. Frame cost per widget: each widget's `show()` timed on the same snapshot.
4. Paused: process CPU time over a few seconds with the app open and paused.

Run:  python benchmarks/tui_throughput.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import time

import numpy as np

from tuinn.session.playground import Playground, default_experiment


def headless(seconds: float) -> float:
    pg = Playground(default_experiment())
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        pg.run_epochs(5)
    return pg.trainer.epoch / (time.perf_counter() - t0)


async def measure(seconds: float, repeats: int) -> dict[str, object]:
    """Interleaved: headless, live, headless, live, … in one process (the app paused
    during the headless segments), so that a noisy machine affects both alike."""
    from tuinn.tui.app import TuinnApp
    from tuinn.tui.widgets.decision_boundary import BoundaryView, DecisionBoundary
    from tuinn.tui.widgets.loss_plot import LossPlot
    from tuinn.tui.widgets.network_diagram import NetworkDiagram
    from tuinn.tui.widgets.status_line import StatusLine
    from tuinn.tui.widgets.weight_heatmap import WeightHeatmap

    app = TuinnApp(default_experiment())
    out: dict[str, object] = {"headless": [], "live": [], "fps": []}
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.5)
        for _ in range(repeats):
            out["headless"].append(headless(seconds))  # type: ignore[union-attr]
            e0, f0 = app.playground.trainer.epoch, app.frames
            t0 = time.perf_counter()
            await pilot.press("space")
            await asyncio.sleep(seconds)
            await pilot.press("space")
            dt = time.perf_counter() - t0
            await app.workers.wait_for_complete()
            out["live"].append((app.playground.trainer.epoch - e0) / dt)  # type: ignore[union-attr]
            out["fps"].append((app.frames - f0) / dt)  # type: ignore[union-attr]
        s = app.playground.snapshot()
        view = BoundaryView(kind=s.kind, values=s.grid, extent=s.extent, train_points=s.train_points, train_labels=s.train_labels,
                            test_points=s.test_points, test_labels=s.test_labels, n_classes=2, value_range=s.value_range)
        costs = {
            "network diagram": lambda: app.query_one(NetworkDiagram).show(list(s.layer_sizes), list(s.weights), list(s.biases),
                                                                         list(s.feature_names), list(s.activations)),
            "weight heatmaps": lambda: app.query_one(WeightHeatmap).show(list(s.weights), [f"W{i}" for i in range(1, len(s.weights) + 1)]),
            "decision boundary": lambda: app.query_one(DecisionBoundary).show(view),
            "loss plot": lambda: app.query_one(LossPlot)._draw(),
            "status line": lambda: app.query_one(StatusLine).show(s, "max"),
            "snapshot (grid + copies, training thread)": lambda: app.playground._make_snapshot(),
        }
        out["costs"] = {}
        for name, fn in costs.items():
            times = []
            for _ in range(15):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            out["costs"][name] = float(np.median(times) * 1e3)  # type: ignore[index]
        await pilot.pause(0.5)
        c0, w0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(3.0)
        out["paused_cpu_percent"] = 100 * (time.process_time() - c0) / (time.perf_counter() - w0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each headless / live segment")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"# playground throughput · default experiment (circle, 2-4-2-1 tanh, batch 10, 250 training points) · "
          f"Python {platform.python_version()} · {platform.machine()} · {args.repeats} interleaved segments of {args.seconds} s")
    r = asyncio.run(measure(args.seconds, args.repeats))
    h, live, fps = (np.array(r[k]) for k in ("headless", "live", "fps"))
    print()
    print("| measure | median | per segment |")
    print("|---|---|---|")
    print(f"| headless epochs/s | {np.median(h):.0f} | {', '.join(f'{v:.0f}' for v in h)} |")
    print(f"| live epochs/s (app playing, 160×48) | {np.median(live):.0f} | {', '.join(f'{v:.0f}' for v in live)} |")
    print(f"| live / headless | {np.median(live / h):.2f} | {', '.join(f'{v:.2f}' for v in live / h)} |")
    print(f"| frames drawn per second while playing | {np.median(fps):.1f} | {', '.join(f'{v:.1f}' for v in fps)} |")
    for name, ms in r["costs"].items():  # type: ignore[union-attr]
        print(f"| frame cost: {name} | {ms:.2f} ms | |")
    print(f"| CPU while paused (3 s) | {r['paused_cpu_percent']:.1f} % | |")


if __name__ == "__main__":
    main()

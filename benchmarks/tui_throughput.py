"""Playground throughput: epochs per second with the UI live vs headless, frame costs,
and CPU use while paused.

1. Headless: the default experiment (TF Playground's) trained by `Playground.run_epochs`
   for a fixed time: epochs per second.
2. Live: the real app (Textual's headless driver, 160×48), playing for the same time:
   epochs per second and frames drawn per second (the UI redraws at most 15 times a
   second, and only when the snapshot changed) — once with the neuron pictures in the
   network diagram (the default) and once without (``Playground.map_resolution = 0``:
   no maps in the snapshot, plain markers, the diagram as it was before the pictures).
3. Frame cost per widget: each widget's `show()` timed on the same snapshot (median and
   fastest of 50: on a busy machine the fastest is what the code itself costs).
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
    screen = app.playground_screen  # it owns the panels, the training worker and the frame count
    pg = app.playground
    out: dict[str, object] = {"headless": [], "live": [], "fps": [], "ui": [], "live_plain": [], "fps_plain": [], "ui_plain": []}
    resolution = pg.map_resolution

    async def live(pictures: bool) -> tuple[float, float, float]:
        """(epochs/s, frames/s, share of a core the UI thread used) while playing ``seconds``."""
        pg.map_resolution = resolution if pictures else 0
        pg.refresh()
        e0, f0 = pg.trainer.epoch, screen.frames
        t0, c0 = time.perf_counter(), time.thread_time()  # this thread runs the event loop: the UI's CPU
        screen.action_toggle_play()  # what space does (not a key: a focused control could take it)
        await asyncio.sleep(seconds)
        screen.action_toggle_play()
        dt, cpu = time.perf_counter() - t0, time.thread_time() - c0
        await asyncio.sleep(0.05)  # the cancelled worker ends after its epoch in progress (~2 ms)
        return (pg.trainer.epoch - e0) / dt, (screen.frames - f0) / dt, cpu / dt

    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.5)
        for r in range(repeats):
            out["headless"].append(headless(seconds))  # type: ignore[union-attr]
            # Alternate which goes first, so that a trend over the run favours neither.
            for pictures in (True, False) if r % 2 == 0 else (False, True):
                epochs, fps, ui = await live(pictures)
                suffix = "" if pictures else "_plain"
                out["live" + suffix].append(epochs)  # type: ignore[union-attr]
                out["fps" + suffix].append(fps)  # type: ignore[union-attr]
                out["ui" + suffix].append(ui)  # type: ignore[union-attr]
        pg.map_resolution = resolution
        pg.refresh()
        s = pg.snapshot()
        view = BoundaryView(kind=s.kind, values=s.grid, extent=s.extent, train_points=s.train_points, train_labels=s.train_labels,
                            test_points=s.test_points, test_labels=s.test_labels, n_classes=2, value_range=s.value_range)
        diagram = screen.query_one(NetworkDiagram)

        def plain_snapshot() -> object:
            pg.map_resolution = 0
            try:
                return pg._make_snapshot()
            finally:
                pg.map_resolution = resolution

        costs = {
            "network diagram, neuron pictures": lambda: diagram.show(list(s.layer_sizes), list(s.weights), list(s.biases),
                                                                     list(s.feature_names), list(s.activations), maps=s.neuron_maps),
            "network diagram, plain markers": lambda: diagram.show(list(s.layer_sizes), list(s.weights), list(s.biases),
                                                                   list(s.feature_names), list(s.activations)),
            "weight heatmaps": lambda: screen.query_one(WeightHeatmap).show(list(s.weights), [f"W{i}" for i in range(1, len(s.weights) + 1)]),
            "weight percentiles recorded (every frame, any view)": lambda: screen.query_one(WeightHeatmap).record(
                "benchmark", s.epoch, list(s.weights), list(s.biases)),
            "weight bands (the panel's f: drawn instead of the heatmaps)": lambda: screen.query_one(WeightHeatmap)._band_strips(
                *screen.query_one(WeightHeatmap).size, screen.query_one(WeightHeatmap).rich_style),
            "decision boundary": lambda: screen.query_one(DecisionBoundary).show(view),
            "loss plot": lambda: screen.query_one(LossPlot)._draw(),
            "status line": lambda: screen.query_one(StatusLine).show(s, "max"),
            "snapshot with neuron maps (grid + maps + copies, training thread)": lambda: pg._make_snapshot(),
            "snapshot without neuron maps": plain_snapshot,
        }
        out["costs"] = {}
        for name, fn in costs.items():
            times = []
            for _ in range(50):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            # The median, and the fastest (what the code costs when nothing else takes the core).
            out["costs"][name] = (float(np.median(times) * 1e3), float(np.min(times) * 1e3))  # type: ignore[index]
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
    h, live, fps, plain, fps_plain, ui, ui_plain = (np.array(r[k]) for k in ("headless", "live", "fps", "live_plain", "fps_plain",
                                                                            "ui", "ui_plain"))
    print()
    print("| measure | median | per segment |")
    print("|---|---|---|")
    print(f"| headless epochs/s | {np.median(h):.0f} | {', '.join(f'{v:.0f}' for v in h)} |")
    print(f"| live epochs/s (app playing, 160×48), neuron pictures | {np.median(live):.0f} | {', '.join(f'{v:.0f}' for v in live)} |")
    print(f"| live epochs/s, plain markers (no maps) | {np.median(plain):.0f} | {', '.join(f'{v:.0f}' for v in plain)} |")
    print(f"| live / headless, neuron pictures | {np.median(live / h):.2f} | {', '.join(f'{v:.2f}' for v in live / h)} |")
    print(f"| live / headless, plain markers | {np.median(plain / h):.2f} | {', '.join(f'{v:.2f}' for v in plain / h)} |")
    print(f"| live with pictures / live without | {np.median(live / plain):.2f} | {', '.join(f'{v:.2f}' for v in live / plain)} |")
    print(f"| frames drawn per second, neuron pictures | {np.median(fps):.1f} | {', '.join(f'{v:.1f}' for v in fps)} |")
    print(f"| frames drawn per second, plain markers | {np.median(fps_plain):.1f} | {', '.join(f'{v:.1f}' for v in fps_plain)} |")
    print(f"| UI thread CPU while playing, neuron pictures | {100 * np.median(ui):.1f} % | {', '.join(f'{100 * v:.1f}' for v in ui)} |")
    print(f"| UI thread CPU while playing, plain markers | {100 * np.median(ui_plain):.1f} % | {', '.join(f'{100 * v:.1f}' for v in ui_plain)} |")
    for name, (ms, fastest) in r["costs"].items():  # type: ignore[union-attr]
        print(f"| frame cost: {name} | {ms:.2f} ms | fastest of 50: {fastest:.2f} ms |")
    print(f"| CPU while paused (3 s) | {r['paused_cpu_percent']:.1f} % | |")


if __name__ == "__main__":
    main()

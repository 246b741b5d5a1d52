"""Does the playground hold its live speed? Epochs/s in the first vs the last seconds of a long play.

The real app (Textual's headless driver, 160×48, the default experiment: TF Playground's
circle, 2-4-2-1 tanh) plays for ``--seconds`` (default five minutes); the training worker's
epoch count is sampled every ``--window`` seconds (default 10) and the first window's
epochs/s is compared with the last one's. Issue #17 §5 asks for the last ≥ 90 % of the first:
with the history in lists, every published snapshot copied all of it and the best epoch
was searched for again over all of it, so live speed fell from ~1290 to ~850–1000 epochs/s
after five minutes.

Because a shared machine's load drifts over minutes, the mechanism is also timed directly,
in process and by medians: the training thread's cost of publishing a snapshot, and the
loss plot's frame, with 1 000 and 100 000 epochs of history (the lengths five minutes
of play reach): flat means the live speed holds.

``--before DIR`` also plays an older checkout (e.g. ``git worktree add /tmp/before <commit>``)
the same way, in a subprocess with ``PYTHONPATH=DIR``, *interleaved* with this checkout's run
(before, after; one after the other — the machine has too few cores to run both at once),
and prints both side by side. ``--json`` prints one run's figures as JSON (what the parent
reads from a ``--before`` subprocess).

Run:  python benchmarks/live_speed.py [--seconds 300] [--window 10] [--before DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


async def play(seconds: float, window: float) -> dict[str, object]:
    """Play the app for ``seconds``; the epoch count at the end of every ``window`` seconds."""
    import tuinn
    from tuinn.session.playground import default_experiment
    from tuinn.tui.app import TuinnApp

    app = TuinnApp(default_experiment())
    screen = app.playground_screen
    pg = app.playground
    samples: list[tuple[float, int]] = []
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.5)
        screen.action_toggle_play()  # what space does
        t0 = time.perf_counter()
        samples.append((0.0, pg.trainer.epoch))
        while samples[-1][0] < seconds:
            await asyncio.sleep(max(0.0, t0 + (len(samples)) * window - time.perf_counter()))
            samples.append((time.perf_counter() - t0, pg.trainer.epoch))
        screen.action_toggle_play()
        await asyncio.sleep(0.05)
        frames = screen.frames
    rates = [(e1 - e0) / (t1 - t0) for (t0, e0), (t1, e1) in itertools.pairwise(samples)]
    return {"tuinn": str(Path(tuinn.__file__).parent.parent), "epochs": samples[-1][1], "seconds": samples[-1][0],
            "first": rates[0], "last": rates[-1], "windows": rates, "frames": frames, "history": len(pg.train_loss)}


def costs(repeats: int = 30) -> dict[str, float]:
    """Median ms of publishing a snapshot (the training thread's share: grid, maps, histories, best epoch)
    and of the loss plot's frame, at 1 000 and 100 000 epochs of history (made-up losses)."""
    from statistics import median

    from tuinn.session.playground import Playground, default_experiment
    from tuinn.tui.app import TuinnApp
    from tuinn.tui.widgets.loss_plot import LossPlot

    out: dict[str, float] = {}

    async def measure() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause(0.3)
            plot = app.playground_screen.query_one(LossPlot)
            for n in (1_000, 100_000):
                pg = Playground(default_experiment())
                rng = np.random.default_rng(0)
                for train, test in zip(0.5 + rng.random(n), 0.6 + rng.random(n), strict=True):
                    pg.train_loss.append(float(train))
                    pg.test_loss.append(float(test))
                times = []
                for _ in range(repeats):
                    pg.refresh()
                    t = time.perf_counter()
                    pg.publish()
                    times.append(time.perf_counter() - t)
                out[f"publish {n}"] = 1e3 * median(times)
                s = pg.publish()
                times = []
                for _ in range(repeats):
                    t = time.perf_counter()
                    plot.show(s.train_loss, s.test_loss, s.validation_loss, now=True, best_epoch=s.best_epoch, monitor=s.monitor)
                    times.append(time.perf_counter() - t)
                out[f"plot {n}"] = 1e3 * median(times)

    asyncio.run(measure())
    return out


def run_before(directory: str, seconds: float, window: float) -> dict[str, object]:
    """The same play in a subprocess that imports tuinn from ``directory``."""
    env = dict(os.environ, PYTHONPATH=str(Path(directory).resolve()))
    here = Path(__file__).resolve()
    out = subprocess.run([sys.executable, str(here), "--seconds", str(seconds), "--window", str(window), "--json"]
                         + (["--no-play"] if seconds <= 0 else []),
                         env=env, cwd="/", capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if Path(result["tuinn"]).resolve() != Path(directory).resolve():
        raise SystemExit(f"--before {directory}: the subprocess imported tuinn from {result['tuinn']}")
    return result


def row(name: str, r: dict[str, object]) -> str:
    first, last = float(r["first"]), float(r["last"])  # type: ignore[arg-type]
    return (f"| {name} | {first:.0f} | {last:.0f} | {last / first:.2f} | {r['epochs']} | {float(r['seconds']):.0f} s |"  # type: ignore[arg-type]
            f" {r['frames']} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="how long to play (default five minutes)")
    parser.add_argument("--window", type=float, default=10.0, help="the first and last windows compared (seconds)")
    parser.add_argument("--before", metavar="DIR", help="an older checkout to play the same way, for comparison")
    parser.add_argument("--json", action="store_true", help="print this checkout's figures as JSON")
    parser.add_argument("--no-play", action="store_true", help="only the publish and plot costs (no long play)")
    args = parser.parse_args()
    if args.seconds < 2 * args.window and not args.no_play:
        parser.error("--seconds must be at least twice --window")
    seconds = 0.0 if args.no_play else args.seconds
    if args.json:
        result = asyncio.run(play(seconds, args.window)) if seconds else {"tuinn": str(Path(__import__("tuinn").__file__).parent.parent)}
        print(json.dumps(result | {"costs": costs()}))
        return
    runs: list[tuple[str, dict[str, object]]] = []
    if args.before:
        runs.append((f"before ({args.before})", run_before(args.before, seconds, args.window)))
    runs.append(("after (this checkout)", (asyncio.run(play(seconds, args.window)) if seconds else {}) | {"costs": costs()}))
    print(f"# playground live speed · default experiment (circle, 2-4-2-1 tanh, batch 10), app at 160×48 · "
          f"Python {platform.python_version()} · {platform.machine()} · "
          + (f"{seconds:.0f} s of play, windows of {args.window:.0f} s" if seconds else "costs only"))
    print()
    print("| run (median of 30) | publish a snapshot, 1 000 epochs | 100 000 epochs | ratio |"
          " loss plot's show (data, axes; plotext renders later) 1 000 epochs | 100 000 epochs | ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, r in runs:
        c = r["costs"]
        print(f"| {name} | {c['publish 1000']:.2f} ms | {c['publish 100000']:.2f} ms | {c['publish 100000'] / c['publish 1000']:.2f} |"  # type: ignore[index]
              f" {c['plot 1000']:.2f} ms | {c['plot 100000']:.2f} ms | {c['plot 100000'] / c['plot 1000']:.2f} |")  # type: ignore[index]
    if not seconds:
        return
    print()
    print(f"| run | epochs/s, first {args.window:.0f} s | epochs/s, last {args.window:.0f} s | last / first | epochs | played | frames |")
    print("|---|---|---|---|---|---|---|")
    for name, r in runs:
        print(row(name, r))
    # One window is at the mercy of a neighbour's burst on a shared machine: the medians of the first and last three too.
    print()
    print("| run | median epochs/s, first 3 windows | median, last 3 windows | last / first |")
    print("|---|---|---|---|")
    for name, r in runs:
        w = np.asarray(r["windows"], dtype=float)
        first, last = float(np.median(w[:3])), float(np.median(w[-3:]))
        print(f"| {name} | {first:.0f} | {last:.0f} | {last / first:.2f} |")
    for name, r in runs:
        print(f"\n{name}: epochs/s per window: {', '.join(f'{v:.0f}' for v in r['windows'])}")  # type: ignore[union-attr]


if __name__ == "__main__":
    main()

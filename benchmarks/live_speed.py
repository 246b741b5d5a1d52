"""Does the playground hold its live speed? Epochs/s in the first vs the last seconds of a long play.

The real app (Textual's headless driver, 160×48, the default experiment: TF Playground's
circle, 2-4-2-1 tanh) plays for ``--seconds`` (default five minutes); the training worker's
epoch count is sampled every ``--window`` seconds (default 10) and the first window's
epochs/s is compared with the last one's. Issue #17 §5 asks for the last ≥ 90 % of the first:
with the history in lists, every published snapshot copied all of it and the best epoch
was searched for again over all of it, so live speed fell from ~1290 to ~850–1000 epochs/s
after five minutes.

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


def run_before(directory: str, seconds: float, window: float) -> dict[str, object]:
    """The same play in a subprocess that imports tuinn from ``directory``."""
    env = dict(os.environ, PYTHONPATH=str(Path(directory).resolve()))
    here = Path(__file__).resolve()
    out = subprocess.run([sys.executable, str(here), "--seconds", str(seconds), "--window", str(window), "--json"],
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
    args = parser.parse_args()
    if args.seconds < 2 * args.window:
        parser.error("--seconds must be at least twice --window")
    if args.json:
        print(json.dumps(asyncio.run(play(args.seconds, args.window))))
        return
    runs: list[tuple[str, dict[str, object]]] = []
    if args.before:
        runs.append((f"before ({args.before})", run_before(args.before, args.seconds, args.window)))
    runs.append(("after (this checkout)", asyncio.run(play(args.seconds, args.window))))
    print(f"# playground live speed · default experiment (circle, 2-4-2-1 tanh, batch 10), app at 160×48 · "
          f"Python {platform.python_version()} · {platform.machine()} · {args.seconds:.0f} s of play, windows of {args.window:.0f} s")
    print()
    print(f"| run | epochs/s, first {args.window:.0f} s | epochs/s, last {args.window:.0f} s | last / first | epochs | played | frames |")
    print("|---|---|---|---|---|---|---|")
    for name, r in runs:
        print(row(name, r))
    for name, r in runs:
        print(f"\n{name}: epochs/s per window: {', '.join(f'{v:.0f}' for v in r['windows'])}")  # type: ignore[union-attr]


if __name__ == "__main__":
    main()

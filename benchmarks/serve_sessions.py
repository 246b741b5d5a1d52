"""How many students a `tuinn serve` machine holds while every one of them trains.

Starts ``tuinn serve`` on a free loopback port with each tab running the playground with
training on (``--command "play EXPERIMENT --play"``), then for each N in ``--sessions``
opens N websocket clients at once — what N browser tabs do, without the browsers' own
cost, which lands on the students' machines, not the server — and measures over
``--seconds`` per session:

* epochs/s: from the status line each session draws (``training · epoch N``);
* frames/s: screen updates the session sent (one websocket message each);
* CPU: the CPU seconds per second the session processes used (from /proc), which with
  epochs/s gives the cost of an epoch — a number other load on a shared machine moves
  less than the rates.

All sessions of one N run at the same time, so the numbers show how they share the CPU.
``--paused`` measures sessions that are open but not training (a class reading the lesson).
Usage: ``python benchmarks/serve_sessions.py [--sessions 1 4 8] [--seconds 10] [--experiment playground] [--paused]``.
Needs the serve extra (``pip install -e '.[serve]'``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import aiohttp

EPOCH = re.compile(r"(?:training|paused) · epoch (\d+)")
WIDTH, HEIGHT = 160, 48  # a projector-sized browser window, in cells


@dataclass
class Tab:
    """One websocket client: what its session drew, when."""

    frames: list[float] = field(default_factory=list)  # arrival time of each screen update
    epochs: list[tuple[float, int]] = field(default_factory=list)  # (time, epoch) from the status line
    tail: str = ""
    training: asyncio.Event = field(default_factory=asyncio.Event)  # the status line is on screen

    def feed(self, data: bytes) -> None:
        now = time.perf_counter()
        self.frames.append(now)
        text = self.tail + data.decode("utf-8", "replace")
        for m in EPOCH.finditer(text):
            self.epochs.append((now, int(m.group(1))))
            self.training.set()
        self.tail = text[-40:]

    def rates(self, start: float, end: float) -> tuple[float, float]:
        """(epochs/s, frames/s) between two times."""
        seen = [(t, e) for t, e in self.epochs if start <= t <= end]
        frames = sum(1 for t in self.frames if start <= t <= end)
        epochs = (seen[-1][1] - seen[0][1]) / (seen[-1][0] - seen[0][0]) if len(seen) >= 2 and seen[-1][0] > seen[0][0] else 0.0
        return epochs, frames / (end - start)


async def run_tab(session: aiohttp.ClientSession, url: str, tab: Tab, stop: asyncio.Event) -> None:
    async with session.ws_connect(f"{url}?width={WIDTH}&height={HEIGHT}") as ws:
        await ws.send_json(["resize", {"width": WIDTH, "height": HEIGHT}])
        receiver = asyncio.ensure_future(_receive(ws, tab))
        await stop.wait()
        receiver.cancel()
        await ws.close()


async def _receive(ws: aiohttp.ClientWebSocketResponse, tab: Tab) -> None:
    async for message in ws:
        if message.type == aiohttp.WSMsgType.BINARY:
            tab.feed(message.data)


def session_pids(server_pid: int) -> list[int]:
    """The server's child processes (one per session), from /proc."""
    pids: list[int] = []
    for task in os.listdir(f"/proc/{server_pid}/task"):
        with open(f"/proc/{server_pid}/task/{task}/children") as f:
            pids += [int(p) for p in f.read().split()]
    return pids


def rss_mb(pids: list[int]) -> float:
    """Mean resident memory of these processes, in MB."""
    sizes = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                sizes += [int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:")]
        except OSError:
            continue
    return statistics.mean(sizes) if sizes else float("nan")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(") ", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


async def measure(ws_url: str, n: int, seconds: float, server_pid: int) -> tuple[list[tuple[float, float]], float, float, float]:
    """N sessions at once: wait until every one trains, then measure them all over the same window.
    Returns (epochs/s, frames/s) per session, the CPU seconds per second of all sessions and of the server,
    and the sessions' mean resident memory (MB)."""
    tabs = [Tab() for _ in range(n)]
    stop = asyncio.Event()
    async with aiohttp.ClientSession() as http:
        tasks = [asyncio.ensure_future(run_tab(http, ws_url, tab, stop)) for tab in tabs]
        await asyncio.wait_for(asyncio.gather(*(t.training.wait() for t in tabs)), timeout=60 + 10 * n)
        await asyncio.sleep(1.0)  # past the start-up burst (every session drawing its first screens)
        pids = session_pids(server_pid)
        start, cpu_start, relay_start = time.perf_counter(), cpu_seconds(pids), cpu_seconds([server_pid])
        await asyncio.sleep(seconds)
        end, cpu_end, relay_end = time.perf_counter(), cpu_seconds(pids), cpu_seconds([server_pid])
        memory = rss_mb(pids)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    return [tab.rates(start, end) for tab in tabs], (cpu_end - cpu_start) / (end - start), (relay_end - relay_start) / (end - start), memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--experiment", default="playground")
    parser.add_argument("--paused", action="store_true", help="sessions open but not training")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tuinn-serve-bench-") as root:
        server = subprocess.Popen(
            [sys.executable, "-m", "tuinn", "serve", "--port", "0", "--root", root, "--max-sessions", str(max(args.sessions)),
             "--command", f"play {args.experiment}" + ("" if args.paused else " --play")],
            stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            first = server.stdout.readline()
            match = re.search(r"http://(\S+?)/", first)
            assert match, f"tuinn serve printed {first!r}"
            ws_url = f"ws://{match.group(1)}/ws"
            cores = os.cpu_count()
            doing = "open, paused," if args.paused else "training"
            print(f"tuinn serve · {args.experiment} {doing} in every session · {cores} cores · {args.seconds:g} s per measurement")
            print("| sessions | epochs/s per session (mean, min–max) | frames/s per session (mean) | epochs/s all sessions "
                  "| CPU s/s all sessions | CPU ms per epoch | CPU s/s server | RSS MB per session | load avg 1 min |")
            print("|---|---|---|---|---|---|---|---|---|")
            for n in args.sessions:
                rates, cpu, relay, memory = asyncio.run(measure(ws_url, n, args.seconds, server.pid))
                epochs = [e for e, _ in rates]
                frames = [f for _, f in rates]
                load = os.getloadavg()[0]
                per_epoch = 1000 * cpu / sum(epochs) if sum(epochs) else float("nan")
                print(f"| {n} | {statistics.mean(epochs):.1f} ({min(epochs):.1f}–{max(epochs):.1f}) | {statistics.mean(frames):.1f} "
                      f"| {sum(epochs):.1f} | {cpu:.2f} | {per_epoch:.2f} | {relay:.2f} | {memory:.0f} | {load:.1f} |", flush=True)
                time.sleep(2.0)  # the sessions of this N end before the next N starts
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()

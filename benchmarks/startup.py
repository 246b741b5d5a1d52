"""Startup: from ``tuinn`` (the default playground) to its first frame on a terminal.

Each run starts ``python -m tuinn`` in a pseudo-terminal of 160×48 (what a user's terminal
is to it: Textual's real driver, no test hooks) and reads what it writes, timing from
just before the fork to:

- **paint**: the first screen paint (the panels' borders: "Controls" is in it);
- **drawn**: the first paint with the playground's content, i.e. the data points of the
  decision boundary (``●``), which are drawn only once the session's first snapshot is;
- **footer**: the footer's key list (its first key, "⏎ Select neuron"), the last thing Textual fills in.

The child's CPU time (user + system, from ``/proc``) at the "drawn" moment is reported
too: on a shared machine the wall time includes waiting for a core, the CPU time much less.

For reference, in the same interleaved rounds: ``python -c pass`` (the interpreter),
``python -c "import tuinn"`` and ``python -m tuinn --help`` (both to exit).

``--before DIR`` also runs the tuinn of another checkout (e.g. a ``git worktree`` or a
``git archive`` of an older commit) in each round, so that before/after ratios come from
one run; given twice or more, each is run and compared (named by its folder). "After" is
the checkout this script is in: run a copy of it from an archive of a commit to measure
that commit without the working tree's uncommitted changes.

Bytecode: the development environment sets ``PYTHONDONTWRITEBYTECODE=1``, which makes
every start compile tuinn from source; an installed tuinn has its ``.pyc`` files. The
children here run with a bytecode cache of their own (``PYTHONPYCACHEPREFIX`` in a
temporary folder, warmed by one unmeasured round); ``--no-bytecode`` measures the other.

Run:  python benchmarks/startup.py [--repeats 9] [--before /tmp/tuinn-before [--before /tmp/another]]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import platform
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKERS = {"paint": b"Controls", "drawn": "●".encode(), "footer": b"Select neuron"}
TIMEOUT = 30.0


def child_cpu(pid: int) -> float:
    """User + system CPU seconds of a live process so far (``/proc/PID/stat`` fields 14, 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_frame(cwd: Path, env: dict[str, str]) -> dict[str, float]:
    """Seconds from fork to each marker of ``python -m tuinn`` run in ``cwd``, and its CPU seconds at 'drawn'."""
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the playground, as `tuinn` opens it
        os.chdir(cwd)
        os.execve(sys.executable, [sys.executable, "-m", "tuinn"], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    seen: dict[str, float] = {}
    out = b""
    try:
        while not all(name in seen for name in MARKERS) and time.perf_counter() - t0 < TIMEOUT:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                out += os.read(fd, 1 << 20)
            except OSError:  # the child ended (a crash): reported below
                break
            now = time.perf_counter() - t0
            for name, marker in MARKERS.items():
                if name not in seen and marker in out:
                    seen[name] = now
                    if name == "drawn":
                        seen["cpu"] = child_cpu(pid)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    missing = [name for name in MARKERS if name not in seen]
    if missing:
        raise SystemExit(f"no {', '.join(missing)} within {TIMEOUT:.0f} s; the output ended with {out[-300:]!r}")
    return seen


def to_exit(args: list[str], cwd: Path, env: dict[str, str]) -> dict[str, float]:
    """Wall and CPU seconds of ``python ARGS`` run to its exit."""
    t0 = time.perf_counter()
    before = os.times()
    subprocess.run([sys.executable, *args], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    after = os.times()
    return {"wall": time.perf_counter() - t0,
            "cpu": (after.children_user - before.children_user) + (after.children_system - before.children_system)}


def summary(values: list[float]) -> str:
    """Median and the range, in milliseconds."""
    return f"{statistics.median(values) * 1000:7.0f} ({min(values) * 1000:.0f}–{max(values) * 1000:.0f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--before", type=Path, action="append", default=[],
                    help="another checkout whose tuinn is measured in the same rounds (repeatable)")
    ap.add_argument("--no-bytecode", action="store_true", help="no .pyc cache (as PYTHONDONTWRITEBYTECODE=1 does)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX", "PYTHONPATH")}
        env["TERM"] = "xterm-256color"
        if args.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env["PYTHONPYCACHEPREFIX"] = cache
        trees = {"after": ROOT}
        if len(args.before) == 1:
            trees = {"before": args.before[0].resolve(), "after": ROOT}
        elif args.before:
            trees = {**{d.resolve().name: d.resolve() for d in args.before}, "after": ROOT}
        for name, tree in trees.items():  # `python -m tuinn` in TREE imports TREE's tuinn (the cwd comes first)
            found = subprocess.run([sys.executable, "-c", "import tuinn; print(tuinn.__file__)"], cwd=tree, env=env,
                                   capture_output=True, text=True, check=True).stdout.strip()
            if not found.startswith(str(tree)):
                raise SystemExit(f"{name}: {tree} imports tuinn from {found}")
        refs = {"python -c pass": ["-c", "pass"], "import tuinn": ["-c", "import tuinn"], "tuinn --help": ["-m", "tuinn", "--help"]}
        results: dict[str, dict[str, list[float]]] = {}
        load = os.getloadavg()
        for r in range(args.repeats + 1):  # round 0 warms the bytecode cache and the OS's file cache
            order = list(trees.items()) if r % 2 else list(trees.items())[::-1]
            for label, argv in refs.items():
                for key, value in to_exit(argv, ROOT, env).items():
                    results.setdefault(label, {}).setdefault(key, []).append(value)
            for name, tree in order:
                for key, value in first_frame(tree, env).items():
                    results.setdefault(f"tuinn ({name})", {}).setdefault(key, []).append(value)
            if r == 0:
                results.clear()
        load = tuple((a + b) / 2 for a, b in zip(load, os.getloadavg(), strict=True))

    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
          f"load average {load[0]:.1f} (1 min, mean of start and end); {args.repeats} interleaved rounds; "
          f"{'no .pyc' if args.no_bytecode else 'with .pyc'}; ms: median (min–max)")
    width = max(18, *(len(label) + 1 for label in results))
    print(f"{'':{width}}{'paint':>20}{'drawn':>20}{'footer':>20}{'CPU at drawn':>20}")
    for label, r in results.items():
        if "drawn" in r:
            print(f"{label:{width}}{summary(r['paint']):>20}{summary(r['drawn']):>20}{summary(r['footer']):>20}{summary(r['cpu']):>20}")
        else:
            print(f"{label:{width}}{'':>20}{summary(r['wall']):>20}{'(to exit)':>20}{summary(r['cpu']):>20}")
    for name in trees:
        if name == "after":
            continue
        for key in ("paint", "drawn", "footer", "cpu"):
            ratios = [a / b for a, b in zip(results["tuinn (after)"][key], results[f"tuinn ({name})"][key], strict=True)]
            print(f"after / {name}, {key:7}: median {statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f}), per round")


if __name__ == "__main__":
    main()

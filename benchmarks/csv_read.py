"""CSV reading: tuinn's ``read_csv`` vs ``numpy.loadtxt`` on the same numeric file.

Writes a numeric CSV of about ``--mb`` megabytes (a header and nine columns in the
formats public copies use: shortest repr, fixed decimals, exponents, integers, a 0/1
label), then reads it ``--repeats`` times with each reader, interleaved (the order
alternates), every read in a fresh Python process so that its peak memory is its own:
the peak resident set size after the read minus the one before it (after the imports).
One more read each, with ``tracemalloc`` on, gives the traced peak (exact also for
small files, where the resident set does not grow past what the imports left).
Both results are hashed and must be the same bytes.

Prints a Markdown table for BENCHMARKS.md: seconds per read, the time ratio (median of
the per-repeat ratios; limit 2), and the peak memory as a multiple of the file's size
(limit 3). ``--careful`` also times the cell-by-cell reader once (about 40 s and 3 GB
for 100 MB). Run:
    python benchmarks/csv_read.py [--mb 100] [--repeats 3] [--careful]
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

READERS = ("tuinn", "loadtxt")


def write_csv(path: Path, megabytes: float, seed: int = 0) -> int:
    """A numeric CSV of at least ``megabytes`` MB; returns its size in bytes."""
    rng = np.random.default_rng(seed)
    target = int(megabytes * 1e6)
    written = 0
    with path.open("w", encoding="ascii", newline="") as handle:
        header = "x1,x2,x3,x4,x5,x6,x7,x8,label\n"
        handle.write(header)
        written += len(header)
        while written < target:
            block = rng.normal(size=(20_000, 8)) * [1, 10, 100, 1e-3, 1, 1, 1e5, 1]
            labels = rng.integers(0, 2, len(block)).tolist()
            text = "".join(
                f"{a!r},{b:.6f},{c:.2f},{d:.3e},{e:.4f},{f:.17g},{int(g)},{h:.5f},{label}\n"
                for (a, b, c, d, e, f, g, h), label in zip(block.tolist(), labels, strict=True)
            )
            handle.write(text)
            written += len(text)
    return path.stat().st_size


def child(reader: str, path: str, traced: bool) -> None:
    """Read ``path`` once with ``reader`` and print seconds, peak memory and a hash as JSON.

    ``traced``: measure the peak with ``tracemalloc`` (Python and NumPy allocations,
    exact even for small files, but slower) instead of the resident set size.
    """
    import resource
    import tracemalloc

    from tuinn.data import tabular

    if traced:
        tracemalloc.start()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if reader == "tuinn":
        data = tabular.read_csv(path).data
    elif reader == "careful":
        data = tabular._read_careful(Path(path)).data
    else:
        data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    seconds = time.perf_counter() - start
    if traced:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    else:
        peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024  # KiB on Linux
    digest = hashlib.sha256(np.ascontiguousarray(data).tobytes()).hexdigest()
    print(json.dumps({"seconds": seconds, "peak": peak, "shape": list(data.shape), "sha256": digest}))


def measure(reader: str, path: Path, traced: bool = False) -> dict:
    command = [sys.executable, __file__, "--child", reader, str(path), *(["--traced"] if traced else [])]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0, help="size of the generated file in MB (default 100)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--careful", action="store_true", help="also time the cell-by-cell reader once")
    parser.add_argument("--child", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.traced)
        return

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "numeric.csv"
        size = write_csv(path, args.mb)
        runs: dict[str, list[dict]] = {reader: [] for reader in (*READERS, "careful")}
        for repeat in range(args.repeats):
            for reader in READERS if repeat % 2 == 0 else READERS[::-1]:
                runs[reader].append(measure(reader, path))
        traced = {reader: measure(reader, path, traced=True)["peak"] / size for reader in READERS}
        if args.careful:
            runs["careful"].append(measure("careful", path))

    digests = {run["sha256"] for reader in runs for run in runs[reader]}
    assert len(digests) == 1, "the readers disagree"
    shape = runs["tuinn"][0]["shape"]
    ratios = [t["seconds"] / n["seconds"] for t, n in zip(runs["tuinn"], runs["loadtxt"], strict=True)]
    ratio = float(np.median(ratios))

    print(f"# csv read · {datetime.date.today()} · {platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()}")
    result = shape[0] * shape[1] * 8 / size
    print(f"# numpy {np.__version__} · file {size / 1e6:.1f} MB, {shape[0]:,} rows × {shape[1]} columns (float64 result {result:.2f}× the file)")
    print(f"# {args.repeats} interleaved repeats, each read in a fresh process; results identical (sha256 {digests.pop()[:12]})")
    print()
    print("| reader | s/read (median) | per repeat | time / loadtxt | peak RSS / file size | traced peak / file size | limits |")
    print("|---|---|---|---|---|---|---|")
    for reader in (*READERS, "careful"):
        if not runs[reader]:
            continue
        seconds = [run["seconds"] for run in runs[reader]]
        peaks = [run["peak"] / size for run in runs[reader]]
        median = float(np.median(seconds))
        if reader == "tuinn":
            versus = f"{ratio:.2f} (per repeat {', '.join(f'{r:.2f}' for r in ratios)})"
            memory = max(*peaks, traced[reader])
            limits = f"time ≤ 2 {'yes' if ratio <= 2 else 'NO'}, memory < 3 {'yes' if memory < 3 else 'NO'}"
        else:
            versus = f"{median / float(np.median([run['seconds'] for run in runs['loadtxt']])):.2f}"
            limits = ""
        tracing = f"{traced[reader]:.2f}×" if reader in traced else "not measured"
        print(f"| {reader} | {median:.2f} | {', '.join(f'{s:.2f}' for s in seconds)} | {versus} | {max(peaks):.2f}× | {tracing} | {limits} |")


if __name__ == "__main__":
    main()

"""Shared test helpers."""

from __future__ import annotations

import os

# The suite runs four xdist workers on two cores, on nets of a few units: a second BLAS or
# torch thread per worker only adds contention. Set before numpy (and torch) load, and
# inherited by the subprocesses tests start (tuinn train, torchrun children).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖), 0 when both are exactly zero."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def pytest_configure() -> None:
    """torch reads OMP_NUM_THREADS when it loads; say it again in case a plugin loaded it first."""
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def pytest_collection_finish() -> None:
    """Move everything imported so far (textual, torch, numpy, tuinn) out of the collector's sight.

    A worker holds a large heap of modules that never die; every full collection walked it
    again. Frozen, the collections see only what the tests make (~10 % less CPU in the TUI
    tests, measured side by side).
    """
    import gc

    gc.collect()
    gc.freeze()


#: Tests that each run for several seconds of wall time (a browser, tmux, torchrun's
#: processes): started first, so that no worker is left with one of them at the end
#: while the others sit idle.
LONG_FIRST = ("tests/serve/test_serve_browser.py", "tests/integration/test_distributed.py", "tests/e2e/")


def pytest_collection_modifyitems(items: list) -> None:  # type: ignore[type-arg]
    items.sort(key=lambda item: not any(item.nodeid.startswith(prefix) for prefix in LONG_FIRST))

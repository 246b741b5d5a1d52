"""A rank whose peer went away waits briefly for the stop signal torchrun is passing on.

torchrun passes a SIGTERM to the ranks one after the other: on a loaded machine a peer
could stop and close its connection before this rank's own signal landed, and the stop
read as a lost peer (exit 1) instead of the interruption it was (exit 143). It was seen
once in CI. No torch needed: the wait is the guard's.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from tuinn.training.distributed_run import DistributedRun
from tuinn.training.interrupts import SignalGuard


def waiting_run() -> DistributedRun:
    run = object.__new__(DistributedRun)  # only the guard is used
    run.guard = SignalGuard()
    return run


def test_a_signal_that_lands_late_is_still_the_interruption() -> None:
    run = waiting_run()
    with run.guard, run.guard.shutting_down():
        timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM))
        timer.start()
        t0 = time.monotonic()
        received = run._stop_signal_within(10.0)
        waited = time.monotonic() - t0
        timer.join()
    assert received == [signal.SIGTERM] and 0.1 < waited < 5.0  # back as soon as it came, not after the grace


def test_without_a_signal_the_wait_ends_after_its_grace() -> None:
    run = waiting_run()
    with run.guard, run.guard.shutting_down():
        t0 = time.monotonic()
        assert run._stop_signal_within(0.1) == []
        assert time.monotonic() - t0 >= 0.1

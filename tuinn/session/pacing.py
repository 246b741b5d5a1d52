"""Training speed in the apps: epochs per second, or as fast as it goes.

The playground and the labs train in a worker thread at a speed the user picks with
`+`/`-`; :class:`Pacer` spaces the epochs so that a slow speed shows each one, without
ever sleeping longer than 50 ms (a pause or a quit must not wait for it).
"""

from __future__ import annotations

import time

#: Epochs per second for each speed level (None: as fast as it goes).
SPEEDS: tuple[float | None, ...] = (1, 3, 10, 30, 100, None)


class Pacer:
    """Tells a training loop when the next epoch is due."""

    def __init__(self) -> None:
        self.next_time = time.monotonic()

    def due(self, rate: float | None) -> bool:
        """True when an epoch may run now at ``rate`` epochs/s; otherwise sleep a little and say False."""
        if rate is None:
            return True
        now = time.monotonic()
        if now < self.next_time:
            time.sleep(min(self.next_time - now, 0.05))
            return False
        self.next_time = max(self.next_time + 1.0 / rate, now)
        return True

"""The playground's per-epoch history: numpy buffers that hold their cost flat as epochs pile up.

Why not lists: the playground publishes a snapshot up to 20 times a second, and with
lists every snapshot copied the whole history into tuples (100k floats after a few
minutes of play), the best epoch was found again by an argmin over all of it, and the
loss plot turned the tuples back into arrays each frame. Live speed fell from ~1290 to
~850–1000 epochs/s after five minutes (issue #17 §5).

Here a :class:`Series` appends into a float64 buffer that grows by doubling (O(1)
amortised), and a snapshot takes a :class:`Curve`: a read-only *view* of the filled part,
not a copy. Appends write past the view's end, so the view never changes under a reader;
the rare edits that rewrite the past (``pop``, dropping the oldest epochs once
``limit`` is reached) move to a fresh buffer first when a view may be looking (copy on
write), so a published snapshot stays what it was. :class:`BestEpoch` follows the best
monitored value one new epoch at a time instead of searching the whole history.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np

#: The first buffer's size; it doubles as the history grows.
INITIAL_CAPACITY = 256


class Curve(Sequence[float]):
    """An immutable per-epoch series as a snapshot holds it: a read-only view of a :class:`Series` buffer.

    It reads like the tuple it replaces (``len``, indexing, ``[-1]``, truthiness, ``==`` with a
    tuple or list), and ``np.asarray(curve)`` is the view itself (no copy), so a plot can index
    the few points it draws. ``first_bad`` is the index of the first non-finite value (None if
    all are finite), kept by the series as values arrive, so nobody scans for it. ``first``
    is the epoch of index 0: past the series' limit the oldest epochs are dropped, and a plot
    that numbered the kept ones from 0 would put epoch 150 000 at 100 000.
    """

    __slots__ = ("_values", "first", "first_bad")

    def __init__(self, values: np.ndarray | Sequence[float] = (), first_bad: int | None = None, first: int = 0) -> None:
        array = np.asarray(values, dtype=float)
        if array.base is None or array.flags.writeable:  # built from a list, tuple or owned array: find the first bad value once
            array = array.copy()
            bad = np.flatnonzero(~np.isfinite(array))
            first_bad = int(bad[0]) if bad.size else None
            array.flags.writeable = False
        self._values = array
        self.first_bad = first_bad
        self.first = first

    @property
    def values(self) -> np.ndarray:
        """The read-only array (a view of the series' buffer)."""
        return self._values

    def __len__(self) -> int:
        return len(self._values)

    @overload
    def __getitem__(self, index: int) -> float: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[float, ...]: ...
    def __getitem__(self, index: int | slice) -> float | tuple[float, ...]:
        if isinstance(index, slice):
            return tuple(self._values[index].tolist())
        return float(self._values[index])

    def __iter__(self) -> Iterator[float]:
        return iter(self._values.tolist())

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if copy:  # np.array(curve): a writable copy, as asked
            return np.array(self._values, dtype=dtype)
        return self._values if dtype is None else self._values.astype(dtype, copy=False)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Curve):
            other = other._values
        elif isinstance(other, (tuple, list)):
            other = np.asarray(other, dtype=float)
        elif not isinstance(other, np.ndarray):
            return NotImplemented
        return len(self._values) == len(other) and bool(np.array_equal(self._values, other, equal_nan=True))

    __hash__ = None  # type: ignore[assignment]  # compares by value, like a tuple would, but is not one

    def __repr__(self) -> str:
        return f"Curve({len(self)} values, last {self[-1] if len(self) else None})"


class Series(Sequence[float]):
    """One per-epoch history (a split's loss or accuracy, or α): O(1) amortised append, cheap views.

    ``limit``: at most that many of the latest values are kept (the oldest are dropped in one
    move once twice the limit has been written, so dropping is amortised O(1) as well).
    """

    def __init__(self, values: Sequence[float] | np.ndarray = (), limit: int | None = None) -> None:
        self.limit = limit
        initial = np.asarray(values, dtype=float)
        if limit is not None and len(initial) > limit:
            initial = initial[len(initial) - limit:]
        self._buf = np.empty(max(INITIAL_CAPACITY, 2 * len(initial)), dtype=float)
        self._start, self._end = 0, len(initial)
        self._buf[: self._end] = initial
        self._shared = False  # a Curve views the buffer: rewrite the past only in a fresh one
        self.first_bad: int | None = None
        self.dropped = 0  # values dropped at the front (limit): index i is epoch i + dropped
        self.rewrites = 0  # pops and clears: a reader that followed the values must start over
        #: Values copied so far (growth, dropping the oldest, copy on write); what a test counts to
        #: see that the work per epoch stays flat whatever the history's length.
        self.copied = 0
        self._find_first_bad()

    # ------------------------------------------------------------ reading
    def __len__(self) -> int:
        return self._end - self._start

    @overload
    def __getitem__(self, index: int) -> float: ...
    @overload
    def __getitem__(self, index: slice) -> list[float]: ...
    def __getitem__(self, index: int | slice) -> float | list[float]:
        if isinstance(index, slice):
            return self._buf[self._start:self._end][index].tolist()
        n = len(self)
        if not -n <= index < n:
            raise IndexError("history index out of range")
        return float(self._buf[self._start + (index % n)])

    def __iter__(self) -> Iterator[float]:
        return iter(self._buf[self._start:self._end].tolist())

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return np.array(self._buf[self._start:self._end], dtype=dtype)  # a copy: the buffer may change under a caller

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Series, Curve, tuple, list, np.ndarray)):
            other_values = np.asarray(other, dtype=float)
            return len(self) == len(other_values) and bool(np.array_equal(self._buf[self._start:self._end], other_values, equal_nan=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def view(self) -> Curve:
        """The values as they are now, read-only, sharing the buffer (O(1): nothing is copied)."""
        self._shared = True
        window = self._buf[self._start:self._end]
        window.flags.writeable = False
        return Curve(window, self.first_bad, self.dropped)

    # ------------------------------------------------------------ writing
    def append(self, value: float) -> None:
        if self._end == len(self._buf):
            self._move(grow=True)
        self._buf[self._end] = value
        if self.first_bad is None and not math.isfinite(value):
            self.first_bad = len(self)
        self._end += 1
        if self.limit is not None and len(self) > self.limit:
            self._start += 1
            self.dropped += 1
            if self.first_bad is not None:
                self.first_bad -= 1
                if self.first_bad < 0:
                    self._find_first_bad()

    def pop(self) -> float:
        """Remove and return the last value (a published view keeps it: the buffer is copied first)."""
        if not len(self):
            raise IndexError("pop from an empty history")
        if self._shared:
            self._move(grow=False)  # the slot is about to be written again: not under a snapshot's view
        self._end -= 1
        self.rewrites += 1
        value = float(self._buf[self._end])
        if self.first_bad is not None and self.first_bad >= len(self):
            self.first_bad = None  # the popped value was the first non-finite one: none is left before it
        return value

    def clear(self) -> None:
        self._buf = np.empty(INITIAL_CAPACITY, dtype=float)
        self._start = self._end = 0
        self._shared, self.first_bad, self.dropped = False, None, 0
        self.rewrites += 1

    def _move(self, grow: bool) -> None:
        """Copy the kept values to the front of a new buffer (twice as large when they fill over half of the old one)."""
        values = self._buf[self._start:self._end]
        capacity = len(self._buf)
        if grow and 2 * len(values) > capacity:  # over half full of kept values: double (with a limit, up to 2 × limit)
            capacity = 2 * capacity if self.limit is None else max(capacity, min(2 * capacity, 2 * self.limit))
        fresh = np.empty(capacity, dtype=float)
        fresh[: len(values)] = values
        self.copied += len(values)
        self._buf, self._start, self._end, self._shared = fresh, 0, len(values), False

    def _find_first_bad(self) -> None:
        bad = np.flatnonzero(~np.isfinite(self._buf[self._start:self._end]))
        self.first_bad = int(bad[0]) if bad.size else None


class BestEpoch:
    """The index of the best value of a :class:`Series` past index 0, followed as values arrive.

    As ``tuinn train``'s early stopping judges: the untrained epoch 0 is no candidate, non-finite
    values never win, and the first of equal values wins. It keeps the sliding window's
    candidates — the values no later value beats — in a deque (a monotonic queue), so each
    :meth:`of` looks only at the values appended since the last call and a best epoch that
    leaves a limited series' window is replaced by the next candidate, not by a search:
    O(1) per epoch, amortised. A series it has not seen, one whose past was rewritten
    (``pop``, ``clear``) or a change of direction starts over (one vectorised pass).
    """

    def __init__(self) -> None:
        self._key: tuple[int, int, bool] | None = None  # (series id, its rewrites, higher is better)
        self._series: Series | None = None
        self._next = 1  # the next value to look at, counted from the series' start (dropped ones included)
        self._candidates: deque[tuple[int, float]] = deque()  # (index from the start, value as a minimum), values rising
        self.examined = 0  # values looked at so far (a test counts them)

    def of(self, series: Series, higher_is_better: bool) -> int | None:
        key = (id(series), series.rewrites, higher_is_better)
        if self._series is not series or key != self._key:
            self._series, self._key, self._next = series, key, 1
            self._candidates.clear()
        first = series.dropped + 1  # window position 1: epoch 0 of the window is no candidate
        start, end = max(self._next, first), series.dropped + len(series)
        if end > start:
            new = series._buf[series._start + start - series.dropped: series._end]
            self.examined += len(new)
            self._take(start, -new if higher_is_better else new)
        self._next = max(self._next, end)
        candidates = self._candidates
        while candidates and candidates[0][0] < first:
            candidates.popleft()
        return candidates[0][0] - series.dropped if candidates else None

    def _take(self, start: int, values: np.ndarray) -> None:
        """Merge new values (to minimise) at indices ``start …`` into the candidates: those no later value beats."""
        finite = np.isfinite(values)
        w = np.where(finite, values, np.inf)
        later = np.append(np.minimum.accumulate(w[::-1])[::-1][1:], np.inf)  # the lowest value after each
        keep = np.flatnonzero(finite & (w <= later))  # ties: the earlier stays a candidate (the first wins)
        if not keep.size:
            return
        lowest = float(w[keep[0]])  # the batch's minimum (its first occurrence)
        candidates = self._candidates
        while candidates and candidates[-1][1] > lowest:
            candidates.pop()
        candidates.extend(zip((start + keep).tolist(), w[keep].tolist(), strict=True))


__all__ = ["INITIAL_CAPACITY", "BestEpoch", "Curve", "Series"]

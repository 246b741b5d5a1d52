"""How a layer's weights spread over training, kept as percentiles: small, bounded, cheap.

Why percentiles and not the weights: TensorBoard's "distributions" draw, per step, the
bands between a handful of percentiles of a tensor, which shows a layer's weights
spreading out (or collapsing) while it learns. Nine numbers per tensor per sample are
all such a picture needs, so a history of thousands of epochs costs kilobytes.

Why bounded this way: the playground records whenever its screen draws (up to 18 times
a second) for as long as it trains. A buffer of :data:`CAPACITY` samples keeps samples
at least ``stride`` epochs apart; when it is full every second sample goes and the stride
becomes the spacing of those left, so the buffer always covers the whole run, about
evenly, in at most ``CAPACITY`` rows. The newest sample is always the last row (it is replaced until the next is due),
so the right edge of the picture is the network as it is now.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: TensorBoard's percentiles (its "compressed histogram" basis points): min, the normal
#: distribution's −1.5σ, −1σ, −0.5σ, the median, +0.5σ, +1σ, +1.5σ, and max. For normally
#: distributed weights the bands are then equally wide in σ.
PERCENTILES = (0.0, 6.68, 15.87, 30.85, 50.0, 69.15, 84.13, 93.32, 100.0)
#: Samples kept per run (even: a full buffer halves into a whole number of rows).
CAPACITY = 256
#: Above this many values, the inner percentiles come from an evenly strided sample of
#: about this many (min and max stay exact): a 784×128 layer costs ~0.1 ms, not ~1 ms.
EXACT_UP_TO = 16384


_FRACTIONS = np.array(PERCENTILES) / 100


def percentiles(values: np.ndarray) -> np.ndarray:
    """The :data:`PERCENTILES` of the finite entries of ``values`` (float64, ascending).

    NumPy's default ("linear") definition, computed from one sort: 12-20 µs for a small
    layer where ``np.percentile`` takes ~90 (it is called for every layer's W and b at
    every frame). Non-finite entries are left out; with none finite the result is all
    NaN (and the pictures leave that sample blank). Large arrays: see :data:`EXACT_UP_TO`.
    """
    flat = np.asarray(values, dtype=np.float64).ravel()
    if flat.size and not np.isfinite(flat).all():
        flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return np.full(len(PERCENTILES), np.nan)
    lo, hi = float(flat.min()), float(flat.max())
    ordered = np.sort(flat[:: -(-flat.size // EXACT_UP_TO)] if flat.size > EXACT_UP_TO else flat)
    position = _FRACTIONS * (ordered.size - 1)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, ordered.size - 1)
    weight = position - below
    out = ordered[below] * (1 - weight) + ordered[above] * weight  # not a + (b − a)·w: b − a overflows at ±1e308
    out[0], out[-1] = lo, hi
    return np.clip(out, lo, hi)  # ascending even where the sample missed the tails


class PercentileHistory:
    """Percentiles of several tensors (e.g. W¹…Wᴸ, b¹…bᴸ) over the epochs of one run.

    ``record(run, epoch, tensors)``: ``run`` is any object that names the run (the
    playground passes its trainer, which every restart replaces). Another run, or another
    number of tensors, starts the history again; an earlier epoch of the same run (weights
    restored after a divergence) drops the samples after it; the same epoch replaces its
    sample (a weight typed in).
    """

    def __init__(self, capacity: int = CAPACITY) -> None:
        if capacity < 2 or capacity % 2:
            raise ValueError(f"capacity must be even and at least 2, not {capacity}")
        self.capacity = capacity
        self.run: object | None = None
        self.stride = 0.0
        self._n = 0
        self._epochs = np.zeros(capacity, dtype=np.int64)
        self._values = np.zeros((capacity, 0, len(PERCENTILES)))

    def __len__(self) -> int:
        return self._n

    @property
    def n_series(self) -> int:
        return self._values.shape[1]

    def clear(self) -> None:
        self.run, self.stride, self._n = None, 0.0, 0

    def record(self, run: object, epoch: int, tensors: Sequence[np.ndarray]) -> None:
        if run is not self.run or len(tensors) != self.n_series:
            self.clear()
            self.run = run
            if len(tensors) != self.n_series:
                self._values = np.zeros((self.capacity, len(tensors), len(PERCENTILES)))
        n = self._n
        if n and epoch < self._epochs[n - 1]:
            n = self._n = int(np.searchsorted(self._epochs[:n], epoch, side="right"))
        if n and (self._epochs[n - 1] == epoch or (n >= 2 and epoch - self._epochs[n - 2] < self.stride)):
            row = n - 1  # the newest sample is replaced until the next one is due
        else:
            if n == self.capacity:
                self._compact()
            row = self._n
            self._n += 1
        self._epochs[row] = epoch
        for k, tensor in enumerate(tensors):
            self._values[row, k] = percentiles(tensor)

    def _compact(self) -> None:
        """Every second sample dropped (the first kept); new ones come no closer than those left."""
        keep = self.capacity // 2
        self._epochs[:keep] = self._epochs[: self.capacity : 2]
        self._values[:keep] = self._values[: self.capacity : 2]
        self._n = keep
        self.stride = max(self.stride, float(self._epochs[keep - 1] - self._epochs[0]) / max(1, keep - 1))

    @property
    def epochs(self) -> np.ndarray:
        """The recorded epochs, ascending (a read-only view)."""
        view = self._epochs[: self._n]
        view.flags.writeable = False
        return view

    def series(self, k: int) -> np.ndarray:
        """Tensor ``k``'s percentiles per recorded epoch: shape (samples, len(PERCENTILES)), read-only."""
        view = self._values[: self._n, k]
        view.flags.writeable = False
        return view

"""The playground's history (tuinn.session.history) and the loss plot's downsampling keep their cost flat.

Issue #17 §5: live speed fell after minutes of play because every snapshot copied the whole
history and the best epoch was searched for over all of it. These tests count the work
(values copied, values examined, points read) rather than time it, so a loaded machine
cannot make them flaky, and check the results against the plain list computations they replace.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tuinn.session.history import BestEpoch, Curve, Series
from tuinn.session.playground import Playground, default_experiment
from tuinn.tui.widgets.loss_plot import downsample, first_bad


def best_by_search(values: list[float], higher: bool) -> int | None:
    """What Playground.best_epoch computed before: an argmin/argmax over the whole history past epoch 0."""
    v = np.asarray(values[1:], dtype=float)
    if not v.size or not np.any(np.isfinite(v)):
        return None
    fill = -np.inf if higher else np.inf
    masked = np.where(np.isfinite(v), v, fill)
    return 1 + int(np.argmax(masked) if higher else np.argmin(masked))


@pytest.mark.parametrize("limit", [None, 7, 300])
@pytest.mark.parametrize("higher", [False, True])
def test_series_matches_a_list_and_views_never_change(limit: int | None, higher: bool) -> None:
    """Appends, pops (a weight typed in replaces the last epoch), NaN and a length limit, against a list."""
    rng = np.random.default_rng(7)
    series, best, reference = Series(limit=limit), BestEpoch(), []
    views: list[tuple[Curve, tuple[float, ...]]] = []
    for _ in range(1200):
        if rng.random() < 0.05 and reference:
            popped, expected = series.pop(), reference.pop()
            assert popped == expected or (math.isnan(popped) and math.isnan(expected))
        else:
            value = float("nan") if rng.random() < 0.03 else float(rng.integers(0, 30))  # ties: the first must win
            series.append(value)
            reference.append(value)
            if limit is not None and len(reference) > limit:
                del reference[0]
        if rng.random() < 0.2:
            views.append((series.view(), tuple(reference)))
        assert series == reference and len(series) == len(reference)
        assert best.of(series, higher) == best_by_search(reference, higher)
        bad = [i for i, v in enumerate(reference) if not math.isfinite(v)]
        assert series.first_bad == (bad[0] if bad else None)
    assert views and all(view == values for view, values in views)  # a published view is what it was, after pops too
    assert all(view.first_bad == first_bad(list(values)) for view, values in views)


def test_a_view_is_read_only_and_shares_the_buffer() -> None:
    series = Series([0.5, 0.25])
    view = series.view()
    assert view == (0.5, 0.25) and view[-1] == 0.25 and view[:1] == (0.5,) and bool(view) and not Curve()
    assert np.shares_memory(np.asarray(view), series._buf)
    with pytest.raises(ValueError):
        np.asarray(view)[0] = 1.0
    copy = np.array(view)  # np.array asks for a copy: a writable one, the view untouched
    copy[0] = 1.0
    series.append(0.125)
    assert view == (0.5, 0.25) and series.view() == (0.5, 0.25, 0.125)


def test_work_per_epoch_is_flat_at_100k_epochs() -> None:
    """Copies amortise to < 2 values per epoch, a view copies nothing, the best epoch looks at each value once."""
    series, best = Series(limit=100_000), BestEpoch()
    values = np.cos(np.arange(250_000) / 1000.0) + np.arange(250_000) * 1e-6
    costs = []
    for i, value in enumerate(values):
        series.append(float(value))
        if i % 1000 == 999:  # as the playground publishes: a view and the best epoch, now and then
            copied, examined = series.copied, best.examined
            view = series.view()
            found = best.of(series, False)
            costs.append((series.copied - copied, best.examined - examined))
            assert len(view) == min(i + 1, 100_000)
    assert series.copied < 2 * len(values)  # growth and dropping the oldest, amortised
    assert all(c == 0 for c, _ in costs)  # publishing copies no history
    # Each value examined once: a best epoch that leaves the 100k window is replaced by the next candidate, not searched for.
    assert best.examined == len(values) - 1
    window = np.asarray(series)
    assert found == 1 + int(np.argmin(window[1:]))
    assert len(series) == 100_000 and series.dropped == 150_000 and series[-1] == values[-1]


def test_a_rising_loss_past_the_window_is_followed_without_searching() -> None:
    """Overfitting for long: the best epoch is the window's oldest, and leaves it every epoch."""
    series, best = Series(limit=1000), BestEpoch()
    for i in range(5000):
        series.append(1.0 + i)
        assert best.of(series, False) == (1 if i >= 1 else None)
    assert best.examined == 4999


def test_the_loss_plot_reads_only_the_points_it_draws() -> None:
    """A 10¹²-epoch curve (one value broadcast: no memory) is downsampled at once: nothing scans it."""
    huge = np.broadcast_to(np.float64(0.5), (10**12,))
    curve = Curve(huge, first_bad=None)
    assert first_bad(curve) is None and len(curve) == 10**12
    x, y = downsample(curve, 320)
    assert len(x) == len(y) <= 320 and x[0] == 0 and x[-1] == 10**12 - 1 and np.all(y == 0.5)
    # Few epochs: every one is drawn, as before the change (the plot looks the same at small counts).
    x, y = downsample(Curve([3.0, 2.0, 1.0]), 320)
    assert x.tolist() == [0.0, 1.0, 2.0] and y.tolist() == [3.0, 2.0, 1.0]


def test_the_playground_publishes_views_and_follows_the_best_epoch() -> None:
    pg = Playground(default_experiment())
    pg.map_resolution = 0
    pg.grid_shape = (4, 4)
    pg.run_epochs(3)
    assert pg.monitor() == "test_loss" and len(pg.train_loss) == 4
    for _ in range(5000):  # a long play's history without its cost: the losses of made-up epochs
        pg.train_loss.append(0.3)
        pg.test_loss.append(0.2)
    pg.test_loss.append(0.1)
    pg.train_loss.append(0.3)
    pg.refresh()
    copied = pg.test_loss.copied
    first = pg.snapshot()
    assert np.shares_memory(np.asarray(first.test_loss), pg.test_loss._buf) and pg.test_loss.copied == copied
    assert first.best_epoch == len(pg.test_loss) - 1 == best_by_search(list(pg.test_loss), higher=False)
    examined = pg._best.examined
    pg.run_epochs(1)
    pg.refresh()
    second = pg.snapshot()
    assert pg._best.examined == examined + 1  # the one new epoch, not the 5000 before it
    assert len(second.test_loss) == len(first.test_loss) + 1 and second.test_loss[:-1] == tuple(first.test_loss)
    assert len(second.learning_rates) == len(second.train_loss) - 1  # α per trained epoch, NaN for the made-up ones
    assert second.learning_rates[-1] == pg.trainer.rates[-1] and math.isnan(second.learning_rates[10])


def test_a_list_assigned_to_a_history_becomes_a_series() -> None:
    """A session loaded from a file clears the histories with lists (tuinn.session.files)."""
    pg = Playground(default_experiment())
    pg.map_resolution = 0
    pg.train_loss, pg.test_loss, pg.validation_loss = [], [], []
    pg._record_losses()
    assert isinstance(pg.train_loss, Series) and len(pg.train_loss) == 1 and len(pg.test_loss) == 1
    assert pg.snapshot().train_loss == (pg.train_loss[0],)


def test_past_the_limit_a_view_and_the_best_epoch_count_epochs_not_indices(monkeypatch: pytest.MonkeyPatch) -> None:
    """After MAX_HISTORY epochs the oldest are dropped: a view says which epoch its index 0 is, and the
    best epoch is an epoch (a plot numbered from 0 put epoch 150 000 at 100 000, and its best mark with it)."""
    series = Series(limit=5)
    for value in (5.0, 4.0, 3.0, 2.0, 1.0, 0.5, 2.0, 3.0):
        series.append(value)
    view = series.view()
    assert view.first == series.dropped == 3 and list(view) == [2.0, 1.0, 0.5, 2.0, 3.0]
    assert Curve([1.0, 2.0]).first == 0

    import tuinn.session.playground as playground

    monkeypatch.setattr(playground, "MAX_HISTORY", 8)
    pg = Playground(default_experiment())
    pg.map_resolution = 0
    pg.grid_shape = (4, 4)
    pg.run_epochs(20)
    snap = pg.snapshot()
    assert len(snap.test_loss) == 8 and snap.test_loss.first == snap.train_loss.first == 21 - 8
    assert snap.epoch == snap.test_loss.first + len(snap.test_loss) - 1 == 20  # the last index is the trainer's epoch
    best = snap.best_epoch
    assert best is not None and snap.test_loss.first < best <= 20
    kept = list(snap.test_loss)
    assert kept[best - snap.test_loss.first] == min(kept[1:])  # the lowest kept loss, at its epoch

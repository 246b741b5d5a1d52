"""The weight and gradient histograms as numbers: percentiles, their bounded history, the
band pictures and the log-magnitude histograms, without Textual running."""

from __future__ import annotations

import numpy as np
import pytest
from rich.cells import cell_len
from rich.style import Style

from tuinn.tui.render.distribution_bands import (
    BACKGROUND,
    MEDIAN,
    ZERO_LINE,
    band_levels,
    band_table,
    column_samples,
    grid_strips,
    layout,
    value_range,
    value_rows,
    y_ticks,
)
from tuinn.tui.render.log_histogram import bars, gradient_lines, layer_histogram, magnitude_range
from tuinn.tui.render.percentile_history import EXACT_UP_TO, PERCENTILES, PercentileHistory, percentiles

TABLE = band_table((0, 0, 0), (255, 255, 255))
SYMMETRIC = np.array([[-4.0, -3, -2, -1, 0, 1, 2, 3, 4]])  # one sample whose percentiles are known


# ------------------------------------------------------------------ percentiles
def test_percentiles_of_0_to_100_are_the_percentiles_themselves() -> None:
    np.testing.assert_allclose(percentiles(np.arange(101.0)), PERCENTILES)


def test_percentiles_leave_out_nan_and_inf_and_never_return_them_for_finite_data() -> None:
    got = percentiles(np.array([np.nan, 1.0, np.inf, 3.0, -np.inf, 2.0]))
    assert np.isfinite(got).all() and got[0] == 1.0 and got[-1] == 3.0 and got[4] == 2.0
    assert np.isnan(percentiles(np.array([np.nan, np.inf]))).all()
    assert np.isnan(percentiles(np.zeros(0))).all()


def test_single_and_equal_weights_give_flat_percentiles() -> None:
    assert (percentiles(np.array([0.25])) == 0.25).all()
    assert (percentiles(np.full((4, 3), -2.0)) == -2.0).all()


def test_large_tensor_keeps_exact_min_max_and_ascending_percentiles() -> None:
    values = np.random.default_rng(0).normal(size=(3 * EXACT_UP_TO + 7,))
    values[12345] = 50.0  # the max sits where a strided sample would miss it
    got = percentiles(values)
    assert got[-1] == 50.0 and got[0] == values.min()
    assert (np.diff(got) >= 0).all()
    assert abs(got[4] - np.median(values)) < 0.05


# ------------------------------------------------------------------ history
def test_history_is_bounded_covers_the_whole_run_and_spaces_samples_evenly() -> None:
    h = PercentileHistory(capacity=64)
    w = np.arange(6.0)
    for epoch in range(0, 10_000, 3):
        h.record("run", epoch, [w])
    assert len(h) <= 64
    epochs = h.epochs
    assert epochs[0] == 0 and epochs[-1] == 9999
    gaps = np.diff(epochs[:-1])  # the newest sample may sit closer to the one before it
    assert (gaps > 0).all() and gaps.max() <= 2.5 * gaps.min()
    np.testing.assert_allclose(h.series(0)[-1], percentiles(w))


def test_history_restarts_for_another_run_truncates_on_an_earlier_epoch_and_replaces_the_same() -> None:
    h = PercentileHistory()
    for epoch in range(5):
        h.record("a", epoch, [np.full(3, float(epoch))])
    assert list(h.epochs) == [0, 1, 2, 3, 4]
    h.record("a", 4, [np.full(3, 9.0)])  # a weight typed in at the same epoch
    assert list(h.epochs) == [0, 1, 2, 3, 4] and h.series(0)[-1, 4] == 9.0
    h.record("a", 2, [np.full(3, 7.0)])  # weights restored to epoch 2 (a divergence)
    assert list(h.epochs) == [0, 1, 2] and h.series(0)[-1, 4] == 7.0
    h.record("b", 10, [np.full(3, 1.0)])  # a reset: a new trainer
    assert list(h.epochs) == [10]
    h.record("b", 11, [np.ones(3), np.ones(2)])  # another number of tensors
    assert list(h.epochs) == [11] and h.n_series == 2


def test_history_views_are_read_only() -> None:
    h = PercentileHistory()
    h.record("a", 0, [np.ones(3)])
    with pytest.raises(ValueError):
        h.series(0)[0, 0] = 5.0


# ------------------------------------------------------------------ bands
def test_band_levels_fill_between_percentile_pairs_and_mark_the_median() -> None:
    column = band_levels(np.array([0]), SYMMETRIC, 1, 16, -4.0, 4.0)[:, 0]
    # row(v) = floor(2·(4 − v)): 3 → 2, 2 → 4, 1 → 6, 0 → 8; −4 lands on the last row (15)
    assert column.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, MEDIAN, 4, 4, 3, 3, 2, 2, 1]


def test_bands_widen_when_the_weights_spread_and_the_newest_sample_is_the_last_column() -> None:
    narrow, wide = SYMMETRIC * 0.25, SYMMETRIC
    picture = band_levels(np.array([0, 100]), np.vstack([narrow, wide]), 10, 16, -4.0, 4.0)
    drawn = (picture != BACKGROUND).sum(axis=0)
    assert drawn[-1] == 16 and drawn[0] < 8  # the first half shows epoch 0, the last column epoch 100
    assert column_samples(np.array([0, 100]), 10).tolist() == [0] * 9 + [1]


def test_equal_weights_still_draw_every_band_and_a_nan_sample_is_blank() -> None:
    flat = np.full((1, 9), 0.5)
    lo, hi = value_range(flat)
    assert lo < 0.5 < hi
    column = band_levels(np.array([0]), flat, 1, 10, lo, hi)[:, 0]
    assert MEDIAN in column
    nan = np.full((1, 9), np.nan)
    assert value_range(nan) == (-1.0, 1.0)
    blank = band_levels(np.array([0]), nan, 3, 10, -1.0, 1.0)
    assert set(np.unique(blank).tolist()) <= {BACKGROUND, ZERO_LINE}


def test_zero_line_is_drawn_where_no_band_covers_it() -> None:
    above = np.array([[1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8]])
    picture = band_levels(np.array([0]), above, 4, 20, -2.0, 2.0)
    assert (picture[value_rows(np.array([0.0]), -2.0, 2.0, 20)[0]] == ZERO_LINE).all()


def test_huge_ranges_stay_finite() -> None:
    huge = np.array([[-1e308, -1e300, -1, 0, 0, 0, 1, 1e300, 1e308]])
    lo, hi = value_range(huge)
    rows = value_rows(huge[0], lo, hi, 20)
    assert rows.min() >= 0 and rows.max() <= 19 and rows[0] == 19 and rows[-1] == 0
    strips = grid_strips([("W¹", np.array([0]), huge)], 30, 8, TABLE, Style())
    assert "nan" not in "".join(s.text for s in strips).lower() and "inf" not in "".join(s.text for s in strips)


def test_a_short_y_axis_gets_two_labels_and_never_minus_zero() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        lo, hi = sorted(rng.normal(size=2) * rng.choice([1e-5, 0.1, 1, 10]))
        for rows in (2, 3, 4, 8):
            labels = y_ticks(lo, hi, rows)
            assert len(labels) >= 2 and not {"-0", "-0.0"} & set(labels.values()), (lo, hi, rows, labels)
    assert y_ticks(-0.6676, 0.8527, 2) == {0: "0.5", 1: "-0.5"}  # the kept ticks of step 0.5, not relabelled as 0 and -0


def test_layout_fits_the_charts_and_drops_what_cannot_fit() -> None:
    small = layout(3, 33, 10)
    assert small.shown == 3 and small.ncols * small.nrows >= 3
    assert small.width * small.ncols <= 33 and small.height * small.nrows <= 10
    many = layout(12, 33, 10)
    assert 1 <= many.shown < 12
    assert layout(2, 5, 3).shown == 1  # too small for anything: one chart, drawn as far as it goes


def test_grid_strips_are_the_panel_size_with_labels_and_round_ticks() -> None:
    epochs = np.array([0, 10, 20])
    values = np.vstack([SYMMETRIC * 0.1, SYMMETRIC * 0.2, SYMMETRIC * 0.25])
    charts = [("W¹ 4×2", epochs, values), ("W² 2×4", epochs, values * 4), ("W³ 1×2", epochs, values)]
    strips = grid_strips(charts, 33, 10, TABLE, Style(), current=1)
    assert len(strips) == 10 and all(s.cell_length == 33 for s in strips)
    text = "\n".join(s.text for s in strips)
    assert "W¹ 4×2" in text and "W² 2×4" in text and "W³ 1×2" in text
    assert " 1┤" in text and " 4┤" in text and "-4┤" in text  # each chart its own scale: W² is four times as wide
    underlined = [seg.text for s in strips for seg in s if seg.style is not None and seg.style.underline]
    assert underlined == ["W² 2×4"]


# ------------------------------------------------------------------ gradients
def test_log_histogram_counts_zeros_and_non_finite_apart() -> None:
    values = np.array([1e-6, 2e-6, 1e-3, 0.0, 0.0, np.nan])
    lo, hi = magnitude_range([values])
    assert (lo, hi) == (-6, -3)  # 1e-3 is the right edge (in the last bin)
    h = layer_histogram(values, lo, hi, 3)
    assert h.counts.tolist() == [2, 0, 1] and h.zeros == 2 and h.nonfinite == 1
    assert magnitude_range([np.zeros(3)]) == (-8, 0)
    assert magnitude_range([np.array([0.5])]) == (-1, 0)


def test_bars_scale_to_the_fullest_bin_and_keep_a_thin_tail() -> None:
    assert bars(np.array([0, 1, 4, 8, 100])) == " ▁▁▁█"
    assert bars(np.array([0, 2, 4])) == " ▄█"
    assert bars(np.zeros(3, dtype=int)) == "   "


def bar_centre(line: str) -> float:
    """The mean column of a row's bars, weighted by their heights."""
    levels = " ▁▂▃▄▅▆▇█"
    inside = line.split("│")[1]
    heights = np.array([levels.index(c) for c in inside])
    return float((heights * np.arange(len(heights))).sum() / heights.sum())


def test_each_layer_sits_where_its_magnitudes_are_on_the_shared_axis() -> None:
    rng = np.random.default_rng(1)
    tiny, large = rng.normal(scale=1e-6, size=(8, 8)), rng.normal(scale=1e-1, size=(1, 8))
    lines = [t.plain for t in gradient_lines([tiny, large], ["∂L/∂W¹", "∂L/∂W²"], 80)]
    assert all(cell_len(line) <= 80 for line in lines)
    lo, hi = magnitude_range([tiny, large])
    bins = len(lines[0].split("│")[1])
    per_decade = bins / (hi - lo)
    assert bar_centre(lines[1]) - bar_centre(lines[0]) > 4 * per_decade  # 10⁻⁶ vs 10⁻¹: five decades apart
    assert "1e-6" in lines[-1] and "1e-8" in lines[-1]  # the axis: the tiny layer is at 10⁻⁶, not at 0
    assert "median" in lines[0] and "nan" not in "".join(lines).lower()


def test_all_zero_gradients_say_so() -> None:
    lines = [t.plain for t in gradient_lines([np.zeros((2, 2))], ["∂L/∂W¹"], 60)]
    assert "100% zero" in lines[0] and set(lines[0].split("│")[1]) == {" "}

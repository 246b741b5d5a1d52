"""Axis ticks at round numbers (tuinn.tui.render.ticks): 1-2-5 steps, short labels, log axes."""

from __future__ import annotations

import itertools
import math

import pytest

from tuinn.tui.render.ticks import integer_ticks, linear_ticks, log_ticks, nice_step, tick_label, tick_labels


def is_round_step(step: float) -> bool:
    """step = m·10^k with m in 1, 2, 5."""
    k = math.floor(math.log10(step) + 1e-12)
    return any(math.isclose(step, m * 10.0**k, rel_tol=1e-9) for m in (1, 2, 5))


@pytest.mark.parametrize(("lo", "hi", "n", "expected"), [
    (0.0, 1.0, 6, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    (0.0348, 0.85, 5, [0.2, 0.4, 0.6, 0.8]),  # plotext's own: 0.04, 0.17, 0.31, 0.44, …
    (-6.0, 6.0, 7, [-6.0, -4.0, -2.0, 0.0, 2.0, 4.0, 6.0]),
    (-6.0, 6.0, 5, [-5.0, 0.0, 5.0]),
    (0.1, 0.7, 7, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]),  # exactly 0.3, not 0.30000000000000004
    (0.8312, 0.8318, 4, [0.8312, 0.8314, 0.8316, 0.8318]),
    (0.7, 6.9e88, 6, [0.0, 2e88, 4e88, 6e88]),  # a diverged loss
])
def test_linear_ticks_are_round_numbers(lo, hi, n, expected):
    ticks = linear_ticks(lo, hi, n)
    assert ticks == expected
    assert len(ticks) <= n


@pytest.mark.parametrize(("lo", "hi", "n"), [(0.0, 1.0, 5), (0.013, 0.97, 8), (-3.2, 17.9, 6), (1e-7, 3e-7, 5), (2.0, 2.0001, 3),
                                             (-1e30, 1e31, 6), (0.5, 1234.5, 10)])
def test_linear_ticks_step_is_1_2_5_and_fills_the_room(lo, hi, n):
    ticks = linear_ticks(lo, hi, n)
    assert 2 <= len(ticks) <= n
    step = ticks[1] - ticks[0]
    assert all(math.isclose(b - a, step, rel_tol=1e-6) for a, b in itertools.pairwise(ticks))
    assert is_round_step(step)
    assert all(lo - 1e-9 * (hi - lo) <= t <= hi + 1e-9 * (hi - lo) for t in ticks)
    # the next smaller round step would have put more than n ticks there
    assert nice_step(lo, hi, n) == pytest.approx(step)
    mantissa = round(step / 10.0 ** math.floor(math.log10(step) + 1e-12))
    smaller = step / 2.5 if mantissa == 5 else step / 2  # 5 → 2, 2 → 1, 1 → 0.5
    assert math.floor(hi / smaller + 1e-9) - math.ceil(lo / smaller - 1e-9) + 1 > n


def test_degenerate_ranges():
    assert linear_ticks(3.0, 3.0, 5) == [3.0]
    assert linear_ticks(0.0, math.inf, 5) == []
    assert linear_ticks(math.nan, 1.0, 5) == []
    assert linear_ticks(1.0, 0.0, 3) == [0.0, 0.5, 1.0]  # bounds in either order
    assert log_ticks(0.0, 1.0) == [] and log_ticks(-1.0, 1.0) == []


@pytest.mark.parametrize(("last", "n", "expected"), [
    (2147, 5, [0, 500, 1000, 1500, 2000]),  # plotext's own: 0, 469, 938, 1406, 1875
    (299, 5, [0, 100, 200]),
    (3, 6, [0, 1, 2, 3]),  # never 0.5 of an epoch
    (1, 6, [0, 1]),
    (0, 6, [0]),
    (13, 4, [0, 5, 10]),
])
def test_epoch_ticks_start_at_zero_and_are_whole(last, n, expected):
    ticks = integer_ticks(0, last, n)
    assert ticks == expected
    assert ticks[0] == 0  # epoch 0 is the left edge's tick
    assert all(isinstance(t, int) for t in ticks)


@pytest.mark.parametrize(("lo", "hi", "expected"), [
    (1e-3, 1e2, [1e-3, 1e-2, 1e-1, 1.0, 1e1, 1e2]),  # decades
    (0.7, 1e97, [1.0, 1e20, 1e40, 1e60, 1e80]),  # a hundred decades: every 20th
    (0.04, 0.85, [0.05, 0.1, 0.2, 0.5]),  # less than two decades: 1-2-5 in each
    (0.3, 0.45, [0.3, 0.35, 0.4, 0.45]),  # inside one gap: linear round ticks
])
def test_log_ticks(lo, hi, expected):
    ticks = log_ticks(lo, hi, 6)
    assert ticks == pytest.approx(expected, rel=1e-12)
    assert all(lo <= t <= hi for t in ticks)


@pytest.mark.parametrize(("ticks", "log", "labels"), [
    ([0.0, 0.2, 0.4], False, ["0", "0.2", "0.4"]),
    ([0.0, 500.0, 1000.0], False, ["0", "500", "1000"]),
    ([0.0, 2e88, 4e88], False, ["0", "2e88", "4e88"]),  # not 89 digits
    ([5e94, 1e95], False, ["5e94", "1e95"]),
    ([123456.0, 123457.0], False, ["123456", "123457"]),
    ([0.0, 5e-7, 1e-6], False, ["0", "5e-7", "1e-6"]),
    ([0.001, 0.01, 0.1, 1.0, 10.0], True, ["0.001", "0.01", "0.1", "1", "10"]),
    ([1.0, 1e20, 1e-5], True, ["1", "1e20", "1e-5"]),
])
def test_labels_are_short(ticks, log, labels):
    assert tick_labels(ticks, log=log) == labels
    assert all(len(label) <= 7 for label in labels)


def test_label_of_a_non_number_is_said():
    assert tick_label(math.inf) == "inf"
    assert tick_label(-2.5, 0.5) == "-2.5"

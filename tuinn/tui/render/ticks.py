"""Axis ticks at round numbers: steps of 1, 2 or 5 times a power of ten, and short labels.

Why a module of its own: plotext places its ticks at equal fractions of the data's range
(0.14, 0.28, 0.42, … or epochs 469, 938, …), which a reader cannot add up in their head,
and labels a loss of 10⁹⁷ with 98 digits, which leaves no room for the curve. The plots
(the loss curves, the decision boundary's axes) ask here for ticks a person would draw
and labels a few characters wide. Pure functions, no widgets, so they are tested alone.
"""

from __future__ import annotations

import itertools
import math

#: The mantissas of a round step, smallest first.
MANTISSAS = (1, 2, 5)
#: Without a step: plain decimals from SMALLEST_PLAIN up to LARGEST_PLAIN, else scientific.
LARGEST_PLAIN = 1e5
SMALLEST_PLAIN = 1e-4
#: With a step: a plain label of up to this many characters is kept even where scientific would be shorter (2000, not 2e3).
PLAIN_WIDTH = 7


def _count(lo: float, hi: float, step: float) -> int:
    """How many multiples of ``step`` lie in [lo, hi]."""
    return math.floor(hi / step + 1e-9) - math.ceil(lo / step - 1e-9) + 1


def _step_parts(lo: float, hi: float, max_ticks: int) -> tuple[int, int]:
    """(m, k) of the smallest step m·10^k (m in 1, 2, 5) with at most ``max_ticks`` multiples in [lo, hi] (lo < hi)."""
    raw = (hi - lo) / max(1, max_ticks)
    exponent = math.floor(math.log10(raw))
    # a step of (hi − lo)/(max_ticks − 1) or more has at most max_ticks multiples, and
    # 10^(exponent + 2) is more than that, so the search ends there at the latest
    candidates = [(m, k) for k in (exponent, exponent + 1, exponent + 2) for m in MANTISSAS]
    return next(((m, k) for m, k in candidates if _count(lo, hi, m * 10.0**k) <= max(1, max_ticks)), candidates[-1])


def nice_step(lo: float, hi: float, max_ticks: int) -> float:
    """The smallest round step m·10^k (m in 1, 2, 5) with at most ``max_ticks`` multiples in [lo, hi].

    The smallest, so that the axis gets as many ticks as it has room for (a step chosen
    from the span alone can leave a single tick, 0.5, on 0.03…0.85). A range of no
    width or not finite gives 1.0.
    """
    lo, hi = min(lo, hi), max(lo, hi)
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi == lo:
        return 1.0
    m, k = _step_parts(lo, hi, max_ticks)
    return float(f"{m}e{k}")


def _multiples(lo: float, hi: float, max_ticks: int) -> list[float]:
    """The multiples of the round step in [lo, hi], each the float nearest its decimal (0.3, not 0.30000000000000004)."""
    m, k = _step_parts(lo, hi, max_ticks)
    step = float(f"{m}e{k}")
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [float(f"{i * m}e{k}") for i in range(first, last + 1)]


def linear_ticks(lo: float, hi: float, max_ticks: int = 6) -> list[float]:
    """Round ticks within [lo, hi]: at most ``max_ticks`` multiples of a 1-2-5 step.

    A range of zero width gets the one tick at its value; a non-finite bound, none.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    lo, hi = min(lo, hi), max(lo, hi)
    if hi == lo:
        return [lo]
    ticks = _multiples(lo, hi, max_ticks)
    return ticks or [lo]


def integer_ticks(lo: int, hi: int, max_ticks: int = 6) -> list[int]:
    """Round whole-number ticks within [lo, hi] (e.g. epochs): steps 1, 2, 5, 10, 20, …, never fractions."""
    lo, hi = min(lo, hi), max(lo, hi)
    step = max(1, round(nice_step(lo, hi, max_ticks))) if hi > lo else 1
    return list(range(-(-lo // step) * step, hi + 1, step))


def log_ticks(lo: float, hi: float, max_ticks: int = 6) -> list[float]:
    """Round ticks within [lo, hi] (both > 0) for a log axis.

    Powers of ten when at least two fit (every 1, 2, 5, 10, … decades, so that 100
    decades of a diverging loss still get a handful); else 1, 2 and 5 times powers of
    ten; else (a range inside one such gap) linear round ticks.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0 or hi <= 0:
        return []
    lo, hi = min(lo, hi), max(lo, hi)
    e_lo, e_hi = math.log10(lo), math.log10(hi)
    first, last = math.ceil(e_lo - 1e-9), math.floor(e_hi + 1e-9)
    decades = integer_ticks(first, last, max_ticks) if first <= last else []
    if len(decades) >= 2:
        return [10.0**e for e in decades]
    candidates = [m * 10.0**e for e in range(math.floor(e_lo), math.floor(e_hi) + 1) for m in MANTISSAS]
    inside = [v for v in candidates if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)]
    if 2 <= len(inside) <= max_ticks:
        return inside
    return linear_ticks(lo, hi, max_ticks)


def _trim(mantissa: str) -> str:
    """'1.50' → '1.5', '2.0' → '2': a scientific label's mantissa without trailing zeros."""
    return mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa


def _compact_exponent(text: str) -> str:
    """'2e+96' → '2e96', '1.5e-05' → '1.5e-5': the same number, fewer characters."""
    mantissa, _, exponent = text.partition("e")
    if not exponent:
        return text
    sign = "-" if exponent.startswith("-") else ""
    return f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"


def tick_label(value: float, step: float | None = None) -> str:
    """A short label for a tick: as many decimals as the ``step`` between ticks needs.

    Plain decimals for moderate numbers (0.05, 1.5, 2000); scientific with a compact
    exponent for huge or tiny ones (2e96, 1.5e-5). Without a ``step`` (log axes) the
    value's own shortest form is used.
    """
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    magnitude = abs(value)
    if step is None or step <= 0 or not math.isfinite(step):
        if SMALLEST_PLAIN <= magnitude < LARGEST_PLAIN:
            return f"{value:g}"
        mantissa, _, exponent = f"{value:.5e}".partition("e")
        return _compact_exponent(f"{_trim(mantissa)}e{exponent}")
    step_exp = math.floor(math.log10(step) + 1e-9)
    plain = f"{value:.{max(0, -step_exp)}f}"
    if len(plain) <= PLAIN_WIDTH:
        return plain
    value_exp = math.floor(math.log10(magnitude) + 1e-9)
    mantissa, _, exponent = f"{value:.{max(0, value_exp - step_exp)}e}".partition("e")
    scientific = _compact_exponent(f"{_trim(mantissa)}e{exponent}")
    return plain if len(plain) <= len(scientific) else scientific


def tick_labels(ticks: list[float], log: bool = False) -> list[str]:
    """Labels for ``ticks``: with the step between them on a linear axis, each on its own on a log axis."""
    if log or len(ticks) < 2:
        return [tick_label(t) for t in ticks]
    step = min(abs(b - a) for a, b in itertools.pairwise(ticks))
    return [tick_label(t, step) for t in ticks]

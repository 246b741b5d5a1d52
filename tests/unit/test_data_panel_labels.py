"""The Data panel's split shares: round presets as they are, your own points' odd shares to three digits."""

from __future__ import annotations

from tuinn.session.playground import default_experiment
from tuinn.tui.widgets.data_panel import data_rows, percent


def test_percent_labels() -> None:
    assert [percent(f) for f in (0.1, 0.5, 0.0, 0.496016, 0.3333333)] == ["10 %", "50 %", "0 %", "49.6 %", "33.3 %"]


def test_a_test_share_off_the_presets_is_added_with_a_short_label() -> None:
    exp = default_experiment()
    exp.data.test_fraction = 0.496016  # what 124 test points of 250 of your own make
    options = next(opts for _, key, opts, _, _ in data_rows(exp) if key == "test_fraction")
    assert ("49.6 %", 0.496016) in options and ("50 %", 0.5) in options

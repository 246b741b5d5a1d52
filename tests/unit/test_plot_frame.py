"""The decision boundary's axes laid out as text (tuinn.tui.render.plot_frame)."""

from __future__ import annotations

from tuinn.tui.render.plot_frame import gutter_width, plot_frame, tick_cell
from tuinn.tui.render.ticks import tick_labels


def test_playground_plane_axes():
    f = plot_frame((-6.0, 6.0, -6.0, 6.0), 60, 21)
    assert f.gutter == 3 == gutter_width((-6.0, 6.0, -6.0, 6.0), 21)  # "-6" and the axis line
    assert f.cols == 57 and f.rows == 21 and len(f.left) == 21
    assert f.y_ticks == (-6.0, -4.0, -2.0, 0.0, 2.0, 4.0, 6.0)
    assert f.left[0] == " 6┤" and f.left[-1] == "-6┤"  # the top row is y_max, the bottom y_min
    assert f.left[tick_cell(0.0, -6.0, 6.0, 21, reverse=True)] == " 0┤"
    assert sum(line.endswith("┤") for line in f.left) == 7
    assert all(line.endswith(("┤", "│")) and len(line) == 3 for line in f.left)
    # the x axis: a corner under the gutter's line, a ┬ at each tick's column, labels centred under them
    assert len(f.axis) == len(f.labels) == 60
    assert f.axis[2] == "└" and f.axis.count("┬") == len(f.x_ticks) == 7
    for value in f.x_ticks:
        c = f.gutter + tick_cell(value, -6.0, 6.0, 57)
        assert f.axis[c] == "┬"
        label = f"{value:g}"
        start = f.labels.index(label, max(0, c - len(label)))
        assert start <= c < start + len(label)
    assert f.labels.split() == ["-6", "-4", "-2", "0", "2", "4", "6"]


def test_other_ranges_get_their_own_round_ticks():
    f = plot_frame((0.0, 1234.5, 0.001, 0.0042), 24, 9)
    assert f.left[0] == "0.004┤" and f.left[6] == "0.002┤" and f.gutter == 6
    assert f.labels.split() == ["0", "500", "1000"]  # three ticks from 12 columns on (18 here)
    assert f.axis == "     └┬──────┬──────┬───"


def test_crowded_labels_are_skipped_never_overlapped():
    f = plot_frame((123456789000.0, 123456789060.0, 0.0, 1.0), 40, 9)
    words = f.labels.split()
    expected = tick_labels(list(f.x_ticks))
    assert len(expected) == 4 and len(words) == 2  # twelve-character labels twelve columns apart: every other one
    assert words[0] == expected[0] and all(w in expected for w in words)
    assert len(f.labels) == 40 and f.axis.count("┬") == len(f.x_ticks)  # every tick keeps its mark


def test_tick_cell_edges():
    assert tick_cell(-6.0, -6.0, 6.0, 10) == 0
    assert tick_cell(6.0, -6.0, 6.0, 10) == 9  # the upper edge falls in the last cell
    assert tick_cell(6.0, -6.0, 6.0, 10, reverse=True) == 0
    assert tick_cell(-6.0, -6.0, 6.0, 10, reverse=True) == 9
    assert tick_cell(100.0, 0.0, 1.0, 4) == 3 and tick_cell(-5.0, 0.0, 1.0, 4) == 0

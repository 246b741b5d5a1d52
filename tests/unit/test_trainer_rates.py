"""Trainer.rates, the α of each epoch: aligned with the epochs, and bounded like Trainer.history.

Only its last entries are read (the epoch's record, the playground's α curve), but it grew by
one float per epoch for ever, and a resume at epoch 10⁶ filled it with a million NaNs first.
"""

from __future__ import annotations

import math

from tuinn.session.playground import default_experiment
from tuinn.training.trainer import HISTORY_KEPT, Trainer


def test_rates_stay_aligned_with_the_epochs_and_bounded() -> None:
    t = Trainer(default_experiment())
    t.epoch = 5  # a resume: epochs 1–4 ran elsewhere
    t.record_rate(0.1)
    assert len(t.rates) == 5 and all(map(math.isnan, t.rates[:4])) and t.rates[-1] == 0.1 and t.rates_dropped == 0
    t.epoch = 3  # a restore undid epochs 3–5, then epoch 3 ran again
    t.record_rate(0.2)
    assert t.rates[2:] == [0.2] and len(t.rates) == 3
    for epoch in range(4, 5001):
        t.epoch = epoch
        t.record_rate(float(epoch))
        assert len(t.rates) <= 2 * HISTORY_KEPT
        assert t.rates_dropped + len(t.rates) == epoch and t.rates[-1] == float(epoch)  # rates[i] is epoch dropped + i + 1
    assert t.rates[0] == float(t.rates_dropped + 1)
    t.epoch = 10**6  # a resume far along: no million NaNs
    t.record_rate(0.3)
    assert t.rates == [0.3] and t.rates_dropped == 10**6 - 1
    t.epoch = 7  # restored to before what is kept
    t.record_rate(0.4)
    assert t.rates == [0.4] and t.rates_dropped == 6


def test_fit_records_the_alpha_of_every_epoch() -> None:
    t = Trainer(default_experiment())
    t.fit(epochs=3)
    assert t.rates == [0.03, 0.03, 0.03] and t.rates_dropped == 0

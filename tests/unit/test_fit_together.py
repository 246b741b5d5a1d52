"""fit_together: trainers trained together are left where each trainer's own ``fit`` would leave them.

Three seeds of a small playground spec (Adam, dropout, L2: optimizer state and dropout
streams matter) train 4 epochs together, then 2 more epochs each alone; three fresh
trainers train all 6 epochs alone. Parameters, optimizer state and generator states
must agree (1e-12) — which needs the write-back of the optimizer state and the use of
each trainer's own shuffle and dropout streams.
"""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config.spec import from_dict
from tuinn.errors import TuinnError
from tuinn.training.run import read_spec
from tuinn.training.together import fit_together, groups
from tuinn.training.trainer import Trainer

SETS = ["data.samples=60", "train.optimizer=adam", "model.layers[1].dropout=0.2", "train.l2=0.001", "train.learning_rate=0.05"]


def _trainer(seed: int, *extra: str) -> Trainer:
    raw, source = read_spec("playground", [*SETS, f"seed={seed}", *extra])
    return Trainer(from_dict(raw, source), backend="numpy")


def test_trainers_trained_together_continue_as_if_trained_alone() -> None:
    together = [_trainer(s) for s in range(3)]
    assert fit_together(together, 4) == [None, None, None]
    alone = [_trainer(s) for s in range(3)]
    for a, b in zip(together, alone, strict=True):
        assert a.epoch == 4 and a.steps == 4 * -(-len(a.train_order) // a.batch_size)
        a.fit(6)
        b.fit(6)
        pa, pb = a.model.get_parameters(), b.model.get_parameters()
        for key in pb:
            np.testing.assert_allclose(pa[key], pb[key], rtol=1e-12, atol=1e-15)
        sa, sb = a.model.optimizer_state(), b.model.optimizer_state()
        assert sa["t"] == sb["t"]
        for da, db in zip(sa["state"], sb["state"], strict=True):
            for key in db:
                np.testing.assert_allclose(da[key], db[key], rtol=1e-12, atol=1e-15)
        assert a.shuffle_rng.bit_generator.state == b.shuffle_rng.bit_generator.state
        assert a.model.rng_state() == b.model.rng_state()
    assert not np.allclose(together[0].model.get_parameters()["1.W"], together[1].model.get_parameters()["1.W"])


def test_groups_split_by_shape_and_refusals() -> None:
    trainers = [_trainer(0), _trainer(1, "model.layers[1].units=3"), _trainer(2)]
    assert groups(trainers) == [[0, 2], [1]]
    used = _trainer(0)
    used.run_epoch()
    with pytest.raises(ValueError, match="fresh trainers"):
        fit_together([used], 1)
    with pytest.raises(TuinnError, match=r"model.layers\[2\].norm = 'layer'"):
        fit_together([_trainer(0, "model.layers[2].norm=layer")], 1)

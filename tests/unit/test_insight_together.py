"""``tuinn insight --seeds`` on the batched engine: the seeds trained together read as the seeds trained one by one.

Issue #17 part 3. With Adam and dropout (optimizer state and each seed's own dropout and
shuffle streams matter) every model's importances and test metrics must equal the
sequential training's within 1e-12; a spec the batched engine cannot stack (batch norm)
trains one by one; a diverging seed is named.
"""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.analysis import importance as I
from tuinn.config.spec import from_dict
from tuinn.errors import DivergedError
from tuinn.training import together
from tuinn.training.run import read_spec

SETS = ["data.samples=80", "train.epochs=5", "train.optimizer=adam", "model.layers[1].dropout=0.2", "train.learning_rate=0.05"]


def _exp(*extra: str):  # type: ignore[no-untyped-def]
    raw, source = read_spec("playground", [*SETS, *extra])
    return from_dict(raw, source)


def test_seeds_trained_together_equal_seeds_trained_one_by_one() -> None:
    exp = _exp()
    ticks: list[None] = []
    seen: list[int] = []
    got = I.insight(exp, 3, on_epoch=lambda: ticks.append(None), on_seed=lambda i, r: seen.append(r["seed"]))
    want = I.insight(exp, 3, together=False)
    assert len(ticks) == 3 * 5 and seen == [0, 1, 2]
    for a, b in zip(got["seeds"], want["seeds"], strict=True):
        assert a["seed"] == b["seed"]
        for key in ("weights", "gradient"):
            np.testing.assert_allclose(a[key], b[key], rtol=1e-12, atol=1e-15)
        assert a["test"].keys() == b["test"].keys()
        for m in b["test"]:
            assert a["test"][m] == pytest.approx(b["test"][m], rel=1e-12, abs=1e-15)
    assert got["seeds"][0]["weights"] != got["seeds"][1]["weights"]  # different models, not one repeated


def test_what_does_not_stack_trains_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(together, "fit_together", lambda *a, **k: pytest.fail("stacked a batch-norm net"))
    assert len(I.insight(_exp("model.layers[1].norm=batch", "train.epochs=2"), 2)["seeds"]) == 2


def test_a_diverging_seed_is_named() -> None:
    linear = [f"model.layers[{i}].activation=linear" for i in (1, 2, 3)]
    exp = _exp("train.optimizer=sgd", "train.learning_rate=10", "model.layers[1].dropout=0", "train.loss=mse", *linear)
    with pytest.raises(DivergedError, match=r"^seed 0: training diverged in epoch 1"):
        I.insight(exp, 2)

"""The balance comparison on the batched engine: ``none`` and ``weights`` train together, and nothing changes.

Issue #17 part 3. ``none`` and ``weights`` train on the same rows in the same order and
differ only in per-sample weights, so they share a stack, ``none`` on weights of ones.
First the pin that makes this legitimate: a model trained on the batched engine with unit
weights ends where the single engine without weights ends, within 1e-12 after 100 epochs,
for every optimizer with bce and for sgd and adam with softmax-cce and mse, while the
``weights`` model beside it still ends where its own single run ends. Then
:func:`compare_balance` itself: the rows of the stacked comparison equal the one-by-one
loop's (1e-12), come in method order and one group at a time, report progress per model;
what cannot be stacked trains one by one, and a diverging method is named in both ways.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from tuinn.analysis import balance as B
from tuinn.config.spec import BALANCES, Experiment, from_dict
from tuinn.engine.optimizers import OPTIMIZERS
from tuinn.errors import DivergedError
from tuinn.training import together
from tuinn.training.run import read_spec
from tuinn.training.together import fit_together, groups
from tuinn.training.trainer import Trainer

#: The playground's 2-4-2-1 net on a thinned circle (about 1 positive to 3 negatives), with dropout and L2 so that
#: the dropout streams and the penalty's gradient are part of what must agree.
SETS = ["data.samples=80", "data.imbalance=0.35", "data.test_fraction=0.25", "model.layers[1].dropout=0.1", "train.l2=0.001",
        "train.learning_rate=0.05"]
SOFTMAX = ["data.source=blobs", "data.classes=3", "data.noise=0.5", "model.layers[3].units=3", "model.layers[3].activation=softmax", "train.loss=cce"]
MSE = ["train.loss=mse"]


def _exp(*extra: str) -> Experiment:
    raw, source = read_spec("playground", [*SETS, *extra])
    return from_dict(raw, source)


def _trainer(method: str, *extra: str) -> Trainer:
    return Trainer(_exp(f"data.balance={method}", *extra), backend="numpy")


def _assert_same_state(a: Trainer, b: Trainer) -> None:
    pa, pb = a.model.get_parameters(), b.model.get_parameters()
    for key in pb:
        np.testing.assert_allclose(pa[key], pb[key], rtol=1e-12, atol=1e-15, err_msg=key)
    for da, db in zip(a.model.optimizer_state()["state"], b.model.optimizer_state()["state"], strict=True):
        for key in db:
            np.testing.assert_allclose(da[key], db[key], rtol=1e-12, atol=1e-15, err_msg=key)


CASES = [(opt, "bce", []) for opt in OPTIMIZERS] + [(opt, loss, extra) for opt in ("sgd", "adam")
                                                    for loss, extra in (("cce", SOFTMAX), ("mse", MSE))]


@pytest.mark.parametrize(("optimizer", "loss", "extra"), CASES, ids=[f"{o}-{loss}" for o, loss, _ in CASES])
def test_unit_weights_on_the_batched_engine_equal_no_weights_on_the_single_engine(optimizer: str, loss: str,
                                                                                  extra: list[str]) -> None:
    sets = [f"train.optimizer={optimizer}", *extra]
    stacked = [_trainer("none", *sets), _trainer("weights", *sets)]
    assert stacked[0].sample_weight is None and stacked[1].sample_weight is not None
    assert stacked[0].experiment.train.loss == loss
    assert groups(stacked) == [[0, 1]]  # with and without weights: one stack
    assert fit_together(stacked, 100) == [None, None]
    for trainer in stacked:
        alone = _trainer(trainer.experiment.data.balance, *sets)
        for _ in range(100):
            alone.run_epoch()  # the single engine's epoch (fit adds only the evaluation)
        assert trainer.epoch == alone.epoch == 100 and trainer.steps == alone.steps
        _assert_same_state(trainer, alone)
        assert trainer.shuffle_rng.bit_generator.state == alone.shuffle_rng.bit_generator.state
        assert trainer.model.rng_state() == alone.model.rng_state()
    # the weights did weigh: the two models ended apart
    assert not np.allclose(stacked[0].model.get_parameters()["1.W"], stacked[1].model.get_parameters()["1.W"])


def _close_rows(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
    assert [r["method"] for r in a] == [r["method"] for r in b]
    for ra, rb in zip(a, b, strict=True):
        assert list(ra) == list(rb)
        assert ra["split"] == rb["split"] and ra["trained_on"] == rb["trained_on"]
        for m in B.METRICS:
            assert (math.isnan(ra[m]) and math.isnan(rb[m])) or ra[m] == pytest.approx(rb[m], rel=1e-12, abs=1e-15), m


@pytest.fixture
def stacks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of models of every :func:`fit_together` call ``compare_balance`` makes."""
    sizes: list[int] = []

    def counting(trainers, epochs, **kwargs):  # type: ignore[no-untyped-def]
        sizes.append(len(trainers))
        return fit_together(trainers, epochs, **kwargs)

    monkeypatch.setattr(B, "fit_together", counting)
    return sizes


@pytest.mark.parametrize("extra", [[], SOFTMAX], ids=["binary", "3 classes"])
def test_compare_balance_stacked_equals_one_by_one(stacks: list[int], extra: list[str]) -> None:
    exp = _exp("train.optimizer=adam", *extra)
    progress: list[int] = []
    rows = B.compare_balance(exp, 12, on_progress=progress.append)
    first = next(rows)
    assert first["method"] == "none" and stacks == [2]  # none + weights trained, the others not yet
    assert sum(progress) == 2 * 12
    batched = [first, *rows]
    assert stacks == [2]  # undersample and oversample keep different row counts: each trains alone, with its own fit
    assert progress == [2] * 12 + [1] * (2 * 12)
    one_by_one: list[int] = []
    sequential = list(B.compare_balance(exp, 12, together=False, on_progress=one_by_one.append))
    assert stacks == [2]
    assert one_by_one == [1] * (4 * 12)
    assert [r["method"] for r in batched] == list(BALANCES)
    _close_rows(batched, sequential)
    assert batched[0]["auc"] != batched[3]["auc"]  # none and weights: two different models


def test_balanced_classes_stack_all_four_methods(stacks: list[int]) -> None:
    """Without imbalance in the training split under- and oversampling keep every row: the four methods are one stack."""
    exp = _exp("data.imbalance=1", "data.samples=60", "data.test_fraction=0.5")
    base = Trainer(exp)
    assert len(set(np.bincount(base.dataset.labels[base.train_idx]).tolist())) == 1  # 15 and 15
    rows = list(B.compare_balance(exp, 5, base=base))
    assert stacks == [4]
    _close_rows(rows, list(B.compare_balance(exp, 5, base=base, together=False)))


@pytest.mark.parametrize("extra", [["train.early_stopping.patience=2"], ["model.layers[1].norm=batch"],
                                   ["train.schedule.name=plateau"]], ids=["early stopping", "batch norm", "plateau"])
def test_what_cannot_be_stacked_trains_one_by_one(stacks: list[int], extra: list[str]) -> None:
    progress: list[int] = []
    rows = list(B.compare_balance(_exp(*extra), 3, on_progress=progress.append))
    assert stacks == [] and [r["method"] for r in rows] == list(BALANCES)
    assert progress == [1] * (4 * 3)


def test_on_epoch_or_data_too_big_trains_one_by_one(stacks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    epochs: list[int] = []
    assert len(list(B.compare_balance(_exp(), 2, on_epoch=lambda ep: epochs.append(ep.epoch)))) == 4
    assert stacks == [] and epochs == [1, 2] * 4
    monkeypatch.setattr(together, "STACK_DATA_BYTES", 1000)  # 80 samples × 2 inputs × 8 bytes, 4 times, twice: > 1000
    assert len(list(B.compare_balance(_exp(), 2))) == 4
    assert stacks == []


def test_a_diverging_method_is_named_both_ways() -> None:
    linear = [f"model.layers[{i}].activation=linear" for i in (1, 2, 3)]
    exp = _exp("train.optimizer=sgd", "train.learning_rate=10", "model.layers[1].dropout=0", "train.loss=mse", *linear)
    with pytest.raises(DivergedError, match=r"^balance = none: training diverged in epoch 1: .*learning rate 10 is"):
        next(B.compare_balance(exp, 3))
    with pytest.raises(DivergedError, match=r"^balance = none: training diverged in epoch 1: .*learning rate 10 is"):
        next(B.compare_balance(exp, 3, together=False))

"""K-fold on the batched engine: the folds trained together hold out what the folds trained one by one hold out.

Issue #17 part 3. ``numbered_folds`` trains every fold of one shape in one stack
(:func:`tuinn.training.together.fit_together`); each fold's held-out metrics must equal
the sequential loop's within 1e-12 — with Adam, dropout and L2 (optimizer state and
dropout streams matter), and with folds whose training sets differ by one sample (two
stacking groups). What cannot be stacked (early stopping) trains one by one, and a fold
that diverges is named as the sequential loop names it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tuinn.config.spec import from_dict
from tuinn.errors import DivergedError
from tuinn.training import kfold as CV
from tuinn.training import together
from tuinn.training.run import read_spec

SETS = ["data.samples=83", "train.epochs=6", "train.optimizer=adam", "model.layers[1].dropout=0.2", "train.l2=0.001",
        "train.learning_rate=0.05"]


def _exp(*extra: str):  # type: ignore[no-untyped-def]
    raw, source = read_spec("playground", [*SETS, *extra])
    return from_dict(raw, source)


def _close(a: list[tuple[int, dict[str, float]]], b: list[tuple[int, dict[str, float]]]) -> None:
    assert [n for n, _ in a] == [n for n, _ in b]
    for (_, fa), (_, fb) in zip(a, b, strict=True):
        assert list(fa) == list(fb)
        for m in fb:
            assert (math.isnan(fa[m]) and math.isnan(fb[m])) or fa[m] == pytest.approx(fb[m], rel=1e-12, abs=1e-15), m


def test_folds_trained_together_equal_folds_trained_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    exp = _exp()
    calls: list[int] = []
    real = together.fit_together

    def counting(trainers, epochs, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(together.groups(trainers)))
        return real(trainers, epochs, **kwargs)

    monkeypatch.setattr(together, "fit_together", counting)
    progress: list[int] = []
    batched = list(CV.numbered_folds(exp, 4, start=2, on_progress=progress.append))
    # folds 2-4 of an uneven learning set: training sets of two sizes, so two stacking groups, in one call
    assert calls == [2]
    assert sum(progress) == 3 * 6
    one_by_one: list[int] = []
    sequential = list(CV.numbered_folds(exp, 4, start=2, together=False, on_progress=one_by_one.append))
    assert calls == [2]  # the sequential loop does not stack
    assert one_by_one == [1] * (3 * 6)  # told of each epoch of each fold
    _close(batched, sequential)
    assert [n for n, _ in batched] == [2, 3, 4]
    assert len({f["loss"] for _, f in batched}) == 3  # three different models, not one repeated


def test_early_stopping_trains_the_folds_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    exp = _exp("train.early_stopping.patience=2")
    monkeypatch.setattr(together, "fit_together", lambda *a, **k: pytest.fail("stacked a run with early stopping"))
    assert len(list(CV.numbered_folds(exp, 3))) == 3


def test_a_diverging_fold_is_named_after_the_folds_before_it_were_yielded() -> None:
    linear = [f"model.layers[{i}].activation=linear" for i in (1, 2, 3)]
    exp = _exp("train.optimizer=sgd", "train.learning_rate=10", "model.layers[1].dropout=0", "train.loss=mse", *linear)
    got = CV.numbered_folds(exp, 3)
    with pytest.raises(DivergedError, match=r"^fold 1/3: training diverged in epoch 1: .*learning rate 10 is"):
        next(got)
    with pytest.raises(DivergedError, match=r"^fold 1/3: training diverged"):
        next(CV.numbered_folds(exp, 3, together=False))


def test_kfold_run_writes_the_sequential_cv(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """``tuinn train --kfold`` (folds together) writes the cv.json of the sequential folds."""
    import json

    from tuinn.cli import main

    assert main(["train", "playground", *[a for s in SETS for a in ("--set", s)], "--kfold", "3",
                 "--out", str(tmp_path / "r"), "--quiet"]) == 0
    cv = json.loads((tmp_path / "r" / "cv.json").read_text())
    expected = CV.summarize([f for _, f in CV.numbered_folds(_exp(), 3, together=False)])
    assert cv["folds"] == 3
    for m in CV.METRICS:
        np.testing.assert_allclose(cv[m]["folds"], expected[m]["folds"], rtol=1e-12, atol=1e-15)


def test_data_too_big_to_hold_k_times_trains_the_folds_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(together, "STACK_DATA_BYTES", 1000)  # the 83 samples × 2 inputs × 8 bytes, 3 times, twice: > 1000
    monkeypatch.setattr(together, "fit_together", lambda *a, **k: pytest.fail("stacked data too big to stack"))
    assert [n for n, _ in CV.numbered_folds(_exp("train.epochs=1"), 3)] == [1, 2, 3]

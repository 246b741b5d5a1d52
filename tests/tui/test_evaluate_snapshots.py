"""SVG snapshots of the Evaluate screen at 160×48: binary, multi-class and regression.

As in test_snapshots.py, only seeded, single-stepped state is photographed: the
playground (in a bare host app, see :func:`snap`) trains one epoch, the screen is
pushed, and the K-fold and balance jobs (seeded too, one epoch per model: as far as the
playground has trained) run to the end before the screenshot. More epochs would make a
picture depend on how the machine's BLAS kernels round (see test_lab_snapshots_runs.py);
the numbers of trained models are checked in test_evaluate.py. Update with
``pytest --snapshot-update`` after a deliberate change of the screen, and look at the
new SVGs before committing them.
"""

from __future__ import annotations

from tests.specs import blobs_3
from tuinn.config.experiments import resolve
from tuinn.config.spec import Experiment, loads
from tuinn.session.playground import default_experiment
from tuinn.tui.screens.evaluate_screen import EvaluateScreen

from .snapshot_harness import Snap
from .test_evaluate import Host


def evaluated(*keys: str):  # type: ignore[no-untyped-def]
    """Train one epoch, open the screen, press ``keys`` and let any job they start finish."""
    epochs = 1

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await pilot.pause()
        assert not app.playground.running
        app.playground.run_epochs(epochs)
        assert app.playground.trainer.epoch == epochs and not app.playground.message
        app.push_screen(EvaluateScreen(app.playground))
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, EvaluateScreen)

    return run_before


def shoot(snap: Snap, exp: Experiment, *keys: str) -> bool:
    # A bare host rather than TuinnApp: the footer then lists this screen's keys only, and
    # the pictures do not change whenever the playground gains a key of its own.
    return snap(Host(exp), run_before=evaluated(*keys))


def test_binary_with_threshold_kfold_and_balance(snap: Snap) -> None:
    """Circle after one epoch, threshold moved up by 0.1, 5-fold CV and the balance comparison done."""
    assert shoot(snap, default_experiment(), "right_square_bracket", "k", "c")


def test_multiclass_confusion_and_per_class(snap: Snap) -> None:
    """Three noisy blobs after one epoch: the 3×3 matrix with a few errors, per-class rates, one-vs-rest ROC, 5-fold CV done."""
    exp = blobs_3()
    exp.data.noise = 0.5  # overlapping blobs, so that the matrix has something off the diagonal
    assert shoot(snap, exp, "k")


def test_regression_predicted_against_true(snap: Snap) -> None:
    """reg-plane after one epoch: MSE/MAE/R² per split, predicted against true, 5-fold CV done."""
    assert shoot(snap, loads(*resolve("reg-plane")), "k")

"""The linear-collapse lab driven with Pilot: built from its data, the numbers on screen are
:func:`tuinn.analysis.collapse.compare` of the weights drawn beside them, and they follow every key."""

from __future__ import annotations

import asyncio

import numpy as np
from textual.widgets import Static

from tuinn.analysis.collapse import CollapseReport, compare
from tuinn.course.labs import load_lab
from tuinn.tui.screens.labs.collapse_lab import CollapseLab
from tuinn.tui.widgets.collapse_view import CollapseView, bias_formula, difference, number, product_formula
from tuinn.tui.widgets.lab_text import LabText
from tuinn.tui.widgets.loss_plot import LossPlot
from tuinn.tui.widgets.network_diagram import NetworkDiagram
from tuinn.tui.widgets.variant_view import VariantView

from .host import Host

SIZE = (160, 48)


def run(coro) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(coro)


async def drawn(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    pilot.app.screen.refresh_view()
    await pilot.pause()


def expected(screen: CollapseLab) -> list[CollapseReport]:
    """compare() of every variant's engine network on all its data, computed here."""
    return [compare(v.playground.trainer.network, v.playground.trainer.x) for v in screen.variants]


def check_numbers_shown(screen: CollapseLab) -> None:
    """The reports drawn are compare(...) of the current weights, and their numbers are on screen."""
    for k, want in enumerate(expected(screen)):
        got = screen.reports[k]
        assert got is not None and got.exact == want.exact
        assert np.array_equal(got.layer.W, want.layer.W) and np.array_equal(got.layer.b, want.layer.b)
        assert got.max_difference == want.max_difference and got.target_range == want.target_range
        g, i, _ = screen.entries[k]
        view = screen.query_one(f"#collapse-{g}-{i}", CollapseView)
        text = str(view.render())
        assert view.report is got
        assert f"= {difference(want.max_difference)} ({len(screen.variants[k].playground.trainer.x)} points)" in text
        assert f"range of z_net {want.target_range:.3g}" in text
        for w in want.layer.W[0]:
            assert number(float(w)) in text
        assert number(abs(float(want.layer.b[0]))) in text


def test_collapse_lab_from_data_linear_exact_and_tanh_far_off() -> None:
    lab = load_lab("linear-collapse")

    async def go() -> None:
        app = Host(CollapseLab(lab))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            screen = app.screen
            assert isinstance(screen, CollapseLab)
            labels = [label for label, _ in lab.groups[0].variants]
            assert [v.label for v in screen.variants] == labels
            acts = [[layer.activation for layer in v.playground.experiment.model.layers] for v in screen.variants]
            assert acts == [["linear"] * 3 + ["sigmoid"], ["tanh"] * 3 + ["sigmoid"]]
            assert [str(net.border_title) for net in screen.query(NetworkDiagram)] == labels
            assert len(screen.query(VariantView)) == 2 and len(screen.query(LossPlot)) == 2
            check_numbers_shown(screen)
            linear, tanh = screen.reports
            assert linear is not None and linear.exact and linear.max_difference <= 1e-12
            assert linear.layer.W.shape == (1, 2)
            assert tanh is not None and not tanh.exact
            text = str(screen.query_one("#collapse-0-0", CollapseView).render())
            assert product_formula(4) == "W = W₄·W₃·W₂·W₁" and product_formula(4) in text
            assert bias_formula(4) == "b = W₄(W₃(W₂·b₁ + b₂) + b₃) + b₄" and bias_formula(4) in text
            assert "(1×3)(3×4)(4×4)(4×2) → 1×2" in text and "a straight line" in text
            assert "no single layer is equivalent" in str(screen.query_one("#collapse-0-1", CollapseView).render())
            assert "ReLU nets are piecewise linear" in screen.query_one(LabText).document
            # trained: the tanh net bends round the circle, its best single layer misses by far
            screen.advance(20)
            await drawn(pilot)
            check_numbers_shown(screen)
            linear, tanh = screen.reports
            assert linear is not None and linear.max_difference <= 1e-12
            assert tanh is not None and tanh.max_difference > 0.1 * tanh.target_range
            tanh_text = str(screen.query_one("#collapse-0-1", CollapseView).render())
            assert f"off by {100.0 * tanh.max_difference / tanh.target_range:.0f} % of it" in tanh_text
    run(go())


def test_keys_update_the_numbers_live() -> None:
    async def go() -> None:
        app = Host(CollapseLab(load_lab("linear-collapse")))
        async with app.run_test(size=SIZE) as pilot:
            await drawn(pilot)
            screen = app.screen
            start = [r.layer.W.copy() for r in screen.reports if r is not None]
            await pilot.press("n")
            await drawn(pilot)
            assert [v.playground.trainer.epoch for v in screen.variants] == [1, 1]
            assert "epoch 1 " in str(screen.query_one("#lab-status", Static).render())
            check_numbers_shown(screen)
            assert all(not np.array_equal(a, r.layer.W) for a, r in zip(start, screen.reports, strict=True) if r is not None)
            await pilot.press("space")
            await pilot.pause(0.5)
            await pilot.press("space")
            await app.workers.wait_for_complete()
            await drawn(pilot)
            done = [v.playground.trainer.epoch for v in screen.variants]
            assert done[0] == done[1] > 1
            check_numbers_shown(screen)
            for plot, v in zip(screen.query(LossPlot), screen.variants, strict=True):
                assert tuple(plot._curves["train"]) == tuple(v.playground.train_loss)
            await pilot.press("o")
            assert all(p.log_scale for p in screen.query(LossPlot))
            assert all(view.boundary.view is not None and view.boundary.view.discretize for view in screen.query(VariantView))
            await pilot.press("d")
            await drawn(pilot)
            assert not any(view.boundary.view is not None and view.boundary.view.discretize for view in screen.query(VariantView))
            await pilot.press("r")
            await drawn(pilot)
            assert [v.playground.trainer.epoch for v in screen.variants] == [0, 0]
            check_numbers_shown(screen)
            for a, r in zip(start, screen.reports, strict=True):
                assert r is not None and np.array_equal(a, r.layer.W)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, CollapseLab)
    run(go())

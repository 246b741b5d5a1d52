"""The activations lab driven with Pilot: six panels, their curves and saturating regions.

The curves are checked against closed-form f and f' written here, and the saturation
edges (|f'(z)| < 0.05) against their closed-form solutions, e.g. σ'(z) = 0.05 at
σ = (1 + √0.8)/2, i.e. |z| = ln(σ/(1 − σ)) ≈ 2.887; the lab finds them numerically
from the engine's derivative.
"""

from __future__ import annotations

import asyncio
import math

import numpy as np

from tuinn.course.labs import load_lab
from tuinn.tui.screens.labs.activations_lab import PANELS, ActivationsLab, saturation
from tuinn.tui.widgets.function_plot import FunctionPlot
from tuinn.tui.widgets.lab_text import LabText

from .host import Host

SIZE = (160, 48)
T = 0.05


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


#: Closed forms: (f, f') per panel (maxout: max(x, −0.5x + 1), slope of the winner).
CLOSED = {
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0) * 1.0),
    "leaky_relu": (lambda z: np.maximum(0.1 * z, z), lambda z: np.where(z > 0, 1.0, 0.1)),
    "elu": (lambda z: np.where(z >= 0, z, np.exp(z) - 1), lambda z: np.where(z > 0, 1.0, np.exp(z))),
    "maxout": (lambda x: np.maximum(x, -0.5 * x + 1), lambda x: np.where(x >= -0.5 * x + 1, 1.0, -0.5)),
}
_S = (1 + math.sqrt(1 - 4 * T)) / 2  # σ(1 − σ) = T
#: Inner edges of the saturating regions on [−5, 5], solved by hand.
EDGES = {
    "sigmoid": [-math.log(_S / (1 - _S)), math.log(_S / (1 - _S))],
    "tanh": [-math.atanh(math.sqrt(1 - T)), math.atanh(math.sqrt(1 - T))],
    "relu": [0.0],
    "leaky_relu": [],
    "elu": [math.log(T)],
    "maxout": [],
}
TITLES = {
    "sigmoid": "σ(z) = 1/(1+e⁻ᶻ)", "tanh": "tanh(z)", "relu": "max(0, z)", "leaky_relu": "max(0.1z, z)",
    "elu": "z if z ≥ 0, α(eᶻ − 1) if z < 0", "maxout": "max(w₁ᵀx + b₁, w₂ᵀx + b₂)",
}
CAPTIONS = {
    "sigmoid": f"saturates for |z| > {EDGES['sigmoid'][1]:.2f}", "tanh": f"saturates for |z| > {EDGES['tanh'][1]:.2f}",
    "relu": "dead (f' = 0) for z < 0.00", "leaky_relu": "never saturates: |f'| ≥ 0.10",
    "elu": f"saturates for z < −{-EDGES['elu'][0]:.2f}", "maxout": "never saturates: |f'| ≥ 0.50",
}


def run(coro) -> None:  # type: ignore[no-untyped-def]
    asyncio.run(coro)


async def started(pilot) -> ActivationsLab:  # type: ignore[no-untyped-def]
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ActivationsLab)
    return screen


def test_closed_form_edges() -> None:
    """The hand-solved edges above are where |f'| crosses 0.05 (a check of the test itself)."""
    assert round(EDGES["sigmoid"][1], 3) == 2.887 and round(EDGES["tanh"][1], 3) == 2.178 and round(EDGES["elu"][0], 3) == -2.996
    for name in ("sigmoid", "tanh", "elu"):
        for e in EDGES[name]:
            assert abs(CLOSED[name][1](np.array([e]))[0] - T) < 1e-12


def test_six_panels_with_formulas_curves_and_saturation_marks() -> None:
    async def go() -> None:
        app = Host(ActivationsLab(load_lab("activations")))
        async with app.run_test(size=SIZE) as pilot:
            s = await started(pilot)
            assert s.title == load_lab("activations").title
            plots = list(s.query("#act-grid FunctionPlot").results(FunctionPlot))
            assert [p.id for p in plots] == [f"act-{name}" for name in CLOSED]
            for p in PANELS:
                plot = s.plot(p.name)
                assert TITLES[p.name] in str(plot.border_title), (p.name, plot.border_title)
                f, d = CLOSED[p.name]
                fc = plot.curve("f")
                np.testing.assert_allclose(fc.y, f(fc.x), atol=1e-12)
                assert fc.style == "solid" and plot.curve("f'").style == "dotted"
                # f' is drawn in two parts: outside the saturating region and (red) inside it
                dy = plot.curve("f'").y
                try:
                    dy = np.where(np.isnan(dy), plot.curve("f' saturated").y, dy)
                except KeyError:
                    pass
                np.testing.assert_allclose(dy, d(fc.x), atol=1e-12)
                # the marks: vertical lines at the edges, from the engine, equal the closed forms
                np.testing.assert_allclose([v.x for v in plot.vlines], EDGES[p.name], atol=1e-9)
                assert str(plot.border_subtitle) == CAPTIONS[p.name]
                if EDGES[p.name]:
                    sat = plot.curve("f' saturated")
                    inside = ~np.isnan(sat.y)
                    assert np.all(np.abs(sat.y[inside]) < T) and np.all(np.abs(plot.curve("f'").y[~inside]) >= T)
    run(go())


def test_saturation_intervals() -> None:
    """The helper's intervals on [−5, 5], tails included."""
    e = EDGES["sigmoid"][1]
    np.testing.assert_allclose(saturation("sigmoid"), [(-5.0, -e), (e, 5.0)], atol=1e-9)
    np.testing.assert_allclose(saturation("elu"), [(-5.0, EDGES["elu"][0])], atol=1e-9)
    np.testing.assert_allclose(saturation("relu"), [(-5.0, 0.0)], atol=1e-9)
    assert saturation("leaky_relu") == [] and saturation("maxout") == []
    # a wider window shows the right tail of the ELU never saturates (f' = 1)
    assert len(saturation("elu", (-8.0, 8.0))) == 1


def test_keys_select_a_panel_and_explain_it() -> None:
    async def go() -> None:
        app = Host(ActivationsLab(load_lab("activations")))
        async with app.run_test(size=SIZE) as pilot:
            s = await started(pilot)

            def state() -> tuple[int, list[str]]:
                return s.selected, [p.name for p in PANELS if s.plot(p.name).has_class("-selected")]

            info = s.query_one("#act-info")
            assert state() == (0, ["sigmoid"])
            assert "σ'(z) = σ(z)(1 − σ(z))" in str(info.render()) and CAPTIONS["sigmoid"] in str(info.render())
            await pilot.press("right")
            assert state() == (1, ["tanh"])
            text = str(info.render())
            assert "tanh'(z) = 1 − tanh²(z)" in text and CAPTIONS["tanh"] in text
            assert f"f'(−5) = {1 - math.tanh(5) ** 2:.4f}" in text
            await pilot.press("left", "left")
            assert state() == (5, ["maxout"])
            assert "max(1·x + 0, −0.5·x + 1)" in str(info.render())
            await pilot.press("tab")
            assert state() == (0, ["sigmoid"])
            await pilot.press("down")
            assert state() == (3, ["leaky_relu"])
            await pilot.press("up", "shift+tab")
            assert state() == (5, ["maxout"])
            assert "(6 of 6)" in str(info.border_title)
    run(go())


def test_text_panel_and_escape() -> None:
    async def go() -> None:
        app = Host(ActivationsLab(load_lab("activations")))
        async with app.run_test(size=SIZE) as pilot:
            s = await started(pilot)
            assert "saturates" in s.query_one(LabText).document
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, ActivationsLab)
    run(go())

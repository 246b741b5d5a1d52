"""The step-through mode: every stage's numbers, the scalar chain, `u` trains like `tuinn train`."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from tuinn.config.experiments import resolve
from tuinn.config.spec import loads
from tuinn.session.playground import default_experiment
from tuinn.teaching.walkthrough import fmt_number
from tuinn.tui.app import TuinnApp
from tuinn.tui.screens.step_screen import StepScreen, stage_title
from tuinn.tui.step_app import StepApp

SIZE = (160, 48)


def run(coro) -> None:
    asyncio.run(coro)


def shown(screen: StepScreen) -> str:
    return "\n".join(screen.stage_text())


def flat(v: object) -> list[float]:
    return [x for item in v for x in flat(item)] if isinstance(v, list) else [float(v)]  # type: ignore[arg-type]


def test_every_stage_of_the_worked_example_shows_the_json_numbers() -> None:
    data = json.loads(subprocess.run([sys.executable, "-m", "tuinn", "step", "--json", "backprop"], capture_output=True, text=True,
                                     check=True).stdout)

    async def go() -> None:
        app = StepApp(loads(*resolve("backprop")))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, StepScreen)
            titles = []
            for _ in range(len(screen.stages)):
                text = shown(screen)
                kind, layer = screen.stage
                titles.append(stage_title(screen.stage))
                expect: list[float] = []
                if kind == "forward":
                    f = data["forward"][layer - 1]
                    expect = flat(f["W"]) + flat(f["b"]) + flat(f["z"]) + flat(f["a"])
                elif kind == "loss":
                    expect = [data["loss"]["value"], *flat(data["backward"][0]["dL_da"])]
                elif kind == "backward":
                    b = next(x for x in data["backward"] if x["layer"] == layer)
                    expect = flat(b["dL_da"]) + flat(b["da_dz"]) + flat(b["delta"]) + flat(b["dL_dW"]) + flat(b["dL_db"]) + flat(b["dL_dinput"])
                elif kind == "update":
                    expect = [v for u in data["update"]["layers"] for v in flat(u["W"]) + flat(u["b"])]
                for value in expect:
                    assert fmt_number(value, 6) in text, f"{titles[-1]}: {value} not shown"
                await pilot.press("right")
                await pilot.pause()
            assert titles == ["Forward layer 1", "Forward layer 2", "Loss", "Backward layer 2", "Backward layer 1", "Update", "Scalar chain"]
            # the reused upstream term is marked
            await pilot.press("home")
            for _ in range(4):
                await pilot.press("right")
            assert "reused" in shown(screen)
    run(go())


def test_scalar_chain_on_screen_matches_backprop_and_finite_differences() -> None:
    async def go() -> None:
        app = StepApp(loads(*resolve("backprop")))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = app.screen
            screen.set_target("W", 1, 0, 0)
            text = shown(screen)
            assert "2 paths from the outputs down to neuron 1 of layer 1" in text
            nums = {line.split()[0]: line for line in text.splitlines() if line.startswith(("chain rule", "backprop", "finite"))}
            chain = float(nums["chain"].split()[2])
            backprop = float(nums["backprop"].split()[2])
            fd = float(nums["finite"].split()[2])
            assert abs(chain - backprop) <= 1e-12 and abs(fd - backprop) <= 1e-7
            assert abs(backprop - 0.000438568) < 5e-10  # Mazur's ∂E/∂w1
            await pilot.press("c")
            await pilot.pause()
            app.screen.query_one("#prompt-input").value = "b2[2]"
            await pilot.press("enter")
            await pilot.pause()
            assert screen.target == ("b", 2, 1, None) and "∂L/∂b²[2]" in shown(screen)
    run(go())


def test_u_a_hundred_times_trains_like_tuinn_train(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "tuinn", "train", "playground", "--epochs", "4", "--quiet", "--out", str(tmp_path / "r")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    trained = load_file(tmp_path / "r" / "model.safetensors")

    async def go() -> None:
        app = StepApp(loads(*resolve("playground")))  # 250 training samples, batch 10: 100 steps = 4 epochs
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for _ in range(100):
                await pilot.press("u")
            await pilot.pause()
            params = app.session.trainer.model.get_parameters()
            for key, value in params.items():
                assert np.array_equal(value, trained[f"param/{key}"]), key
            assert app.session.steps_taken == 100 and app.session.trainer.epoch == 4
    run(go())


def test_softmax_batch_of_four_and_a_wide_layer_render() -> None:
    """(Its render time is measured by benchmarks/widget_frames.py, not asserted here.)"""
    text = """
seed = 2
[data]
source = "blobs"
classes = 3
samples = 60
[[model.layers]]
units = 40
activation = "relu"
[[model.layers]]
units = 3
activation = "softmax"
[train]
loss = "cce"
batch_size = 4
"""

    async def go() -> None:
        app = StepApp(loads(text))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = app.screen
            for _ in range(len(screen.stages)):
                body = shown(screen)
                if screen.stage == ("backward", 2):
                    assert "fused" in body and "sample 1 of 4" in body
                if screen.stage == ("forward", 1):
                    assert "⋮" in body or "…" in body  # 40 units elided readably
                await pilot.press("right")
            await pilot.press("tab")
            assert screen.sample == 1
    run(go())


def test_s_from_the_playground_and_back_with_the_trained_weights() -> None:
    async def go() -> None:
        app = TuinnApp(default_experiment())
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            before = [w.copy() for w in app.playground.snapshot().weights]
            await pilot.press("s")
            await pilot.pause()
            assert isinstance(app.screen, StepScreen)
            await pilot.press("u", "u", "u")
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, StepScreen)
            after = app.playground.snapshot().weights
            assert any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))
            assert app.playground.trainer.steps == 3
    run(go())


def test_torch_backend_shows_autograd_beside_the_engine() -> None:
    import pytest

    pytest.importorskip("torch")
    from tuinn.training.trainer import Trainer

    exp = loads(*resolve("backprop"))

    async def go() -> None:
        app = StepApp(exp, trainer=Trainer(exp, backend="torch"))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("end")
            text = shown(app.screen)
            line = next(x for x in text.splitlines() if x.startswith("torch autograd gave"))
            assert float(line.split("|Δ| = ")[1]) <= 1e-15
            assert "torch on cpu" in str(app.screen.query_one("#step-status").render())
    run(go())

"""The step-through mode: every stage's numbers, the scalar chain, `u` trains like `tuinn train`."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from tuinn.config.experiments import resolve
from tuinn.config.spec import loads
from tuinn.session.playground import default_experiment
from tuinn.teaching.walkthrough import fmt_number
from tuinn.tui.app import TuinnApp
from tuinn.tui.screens.step_screen import StepScreen, stage_title
from tuinn.tui.step_app import StepApp
from tuinn.tui.widgets.network_strip import NetworkStrip
from tuinn.tui.widgets.terms_view import TermsView

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
            await pilot.press("g")
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
    text = WIDE

    async def go() -> None:
        app = StepApp(loads(text))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = app.screen
            for _ in range(len(screen.stages)):
                body = shown(screen)
                if screen.stage == ("backward", 2):
                    assert "fused" in body and "sample 1 of 4" in body
                await pilot.press("right")
            await pilot.press("tab")
            assert screen.sample == 1
    run(go())


WIDE = """
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


def terms(app: StepApp) -> TermsView:
    return app.screen.query_one(TermsView)


def test_the_terms_are_the_main_panel_focused_and_the_network_a_strip() -> None:
    async def go() -> None:
        app = StepApp(loads(*resolve("playground")))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            for w, h in ((100, 30), (160, 48)):
                await pilot.resize_terminal(w, h)
                await pilot.pause()
                view = terms(app)
                assert view.region.height >= h / 2 and view.region.width >= w * 0.9, (w, h, view.region)
                assert app.focused is view  # the keys scroll the math without a click
                assert app.screen.query_one(NetworkStrip).region.height <= 4
            strip = app.screen.query_one(NetworkStrip)
            await pilot.press("right", "right", "right", "right", "right")  # Backward layer 2
            await pilot.pause()
            rows = "".join(strip.render_line(y).text for y in range(strip.region.height))
            assert "◀──" in rows and "──▶" not in rows, rows  # the direction of the pass
            assert strip.border_title == "Network · backward ←"
    run(go())


def test_the_update_stage_scrolls_to_its_last_line() -> None:
    async def go() -> None:
        app = StepApp(loads(*resolve("playground")))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("G")  # the last stage is the chain; the one before is the update
            app.screen.action_move(-1)
            await pilot.pause()
            assert app.screen.stage == ("update", 0)
            view = terms(app)
            height = view.scrollable_content_region.height
            assert len(view.lines) > height  # more than a screen of it: scrolling is needed
            for _ in range(len(view.lines) // max(1, height) + 1):
                await pilot.press("pagedown")
            await pilot.pause()
            assert view.scroll_y == view.max_scroll_y > 0
            assert view.scroll_y + height >= len(view.lines)  # the last line is on screen
            await pilot.press("home")
            await pilot.pause()
            assert view.scroll_y == 0
            await pilot.press("end")
            await pilot.pause()
            assert view.scroll_y == view.max_scroll_y
            assert "b³_new = b³_old − α·∂L/∂b³" in view.lines[-2]  # the last equation: symbols, then numbers
    run(go())


def test_a_wide_matrix_is_shown_whole_and_scrolls_sideways() -> None:
    async def go() -> None:
        app = StepApp(loads(WIDE))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("right")  # Forward layer 2: W² is 3 × 40
            await pilot.pause()
            view = terms(app)
            W2 = app.session.trace.layers[1].W
            last = fmt_number(W2[0, -1], 6)
            line = next(x for x in view.lines if fmt_number(W2[0, 0], 6) in x and last in x)  # the whole first row of W²
            assert line.index(last) > view.scrollable_content_region.width  # past the right edge at first
            assert view.scroll_x == 0 and view.max_scroll_x > 0
            await pilot.press("shift+right")
            await pilot.pause()
            assert view.scroll_x > 0
            for _ in range(view.max_scroll_x // view.scrollable_content_region.width + 1):
                await pilot.press("ctrl+pagedown")
            await pilot.pause()
            assert view.scroll_x == view.max_scroll_x
            assert view.scroll_x + view.scrollable_content_region.width >= line.index(last) + len(last)  # its last column in view
    run(go())


def test_notation_batch_sums_updates_and_the_symbols_before_the_numbers() -> None:
    async def go() -> None:
        app = StepApp(loads(*resolve("playground")))  # a batch of 10
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = app.screen
            texts = {}
            for i, stage in enumerate(screen.stages):
                screen.stage_index = i
                texts[stage] = screen.stage_text()
            everything = "\n".join(x for lines in texts.values() for x in lines)
            assert "∂J" not in everything and "δJ" not in everything
            back3 = texts[("backward", 3)]
            assert any(x.strip().startswith("∂L/∂b³ = Σₛ δ³ₛ") for x in back3)
            assert any(x.strip().startswith("∂L/∂W³ = Σₛ δ³ₛ·a²ₛᵀ") for x in back3)
            assert any("b_new = b_old − α·∂L/∂b" in x for x in texts[("update", 0)])
            # samples are columns: z¹ = W¹·a⁰ + b¹ with W¹ (4 × 2) beside a⁰ (2 numbers), and before its numbers
            trace = app.session.trace
            fwd = texts[("forward", 1)]
            sym = next(i for i, x in enumerate(fwd) if x.strip().startswith("z¹ = W¹·a⁰ + b¹"))
            z = [fmt_number(v, 6) for v in trace.layers[0].z[0]]
            rows = [i for i, x in enumerate(fwd) if x.lstrip(" ⎡⎢⎣").startswith(z[0])]
            assert rows and sym < rows[0]
            block = fwd[rows[0]:rows[0] + 4]
            for r, line in enumerate(block):
                assert z[r] in line and fmt_number(trace.layers[0].W[r, 0], 6) in line  # row r of z beside row r of W¹
            # the lecture's chain for a bias of the output layer, symbols then numbers
            back = texts[("backward", 2)]
            i = next(i for i, x in enumerate(back) if x.strip().startswith("∂L/∂b² = Σₛ δ²ₛ"))
            assert fmt_number(trace.layers[1].dL_db[0], 6) in "\n".join(back[i + 1:i + 3])
    run(go())


def test_no_dJ_in_the_teaching_texts() -> None:
    """The lecture calls the loss J as often as L; tuinn writes ∂L everywhere, lessons and labs included."""
    import tuinn

    root = Path(tuinn.__file__).parent
    files = [*(root / "course").rglob("*.toml"), *(root / "teaching").glob("*.py"), *(root / "tui").rglob("*.py")]
    assert len(files) > 20
    offending = [str(f.relative_to(root)) for f in files if "∂J" in f.read_text(encoding="utf-8")]
    assert offending == []


def test_the_lectures_bias_chain_on_the_worked_example() -> None:
    from tuinn.session.stepping import StepSession
    from tuinn.teaching.equations import stage_equations
    from tuinn.training.trainer import Trainer

    trace = StepSession(Trainer(loads(*resolve("backprop")))).trace
    lines = stage_equations(trace, ("backward", 2), 0, 6)
    i = next(i for i, x in enumerate(lines) if "∂L/∂b² = ∂L/∂ŷ ⊙ ∂ŷ/∂z² · ∂z²/∂b²" in x)
    numbers = "\n".join(lines[i + 1:i + 3])
    assert "0.138499" in numbers and "-0.0380982" in numbers  # Mazur's δ² = ∂E/∂b² per output


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
    pytest.importorskip("torch")
    from tuinn.training.trainer import Trainer

    exp = loads(*resolve("backprop"))

    async def go() -> None:
        app = StepApp(exp, trainer=Trainer(exp, backend="torch"))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("G")
            text = shown(app.screen)
            line = next(x for x in text.splitlines() if x.startswith("torch autograd gave"))
            assert float(line.split("|Δ| = ")[1]) <= 1e-15
            assert "torch on cpu" in str(app.screen.query_one("#step-status").render())
    run(go())

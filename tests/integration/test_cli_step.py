"""`tuinn step`: one training step with every chain-rule term, as JSON and as text.

The JSON checks are relations between the terms (z = a_prev·Wᵀ + b, δ = ∂L/∂a ⊙ f'(z),
∂L/∂W = δᵀ·a_prev, …) rather than copies of the output; the plain-text checks pin the
lecture's notation and the published numbers of the 2-2-2 worked example (Mazur 2015:
loss 0.298371, new W²₁₁ 0.358916). Every command runs in a subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

TOL = 1e-12


def tuinn_exe() -> str:
    """The `tuinn` console script of this environment."""
    here = Path(sys.executable).parent / ("tuinn.exe" if os.name == "nt" else "tuinn")
    found = str(here) if here.exists() else shutil.which("tuinn")
    if found is None:
        from importlib import metadata

        try:
            scripts = [ep.value for ep in metadata.distribution("tuinn").entry_points if ep.group == "console_scripts" and ep.name == "tuinn"]
        except metadata.PackageNotFoundError:
            pytest.skip("tuinn is not installed (pip install -e .), so there is no console script to run")
        # Installed, yet no script: a packaging regression, not a reason to skip.
        pytest.fail(f"tuinn is installed but its console script is missing (declared: {scripts or 'none'})")
    return found


def run(argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=120)


def step(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = run([sys.executable, "-m", "tuinn", "step", *args], cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result


def step_json(*args: str, cwd: Path | None = None) -> dict[str, Any]:
    out = step("--json", *args, cwd=cwd).stdout
    assert out.count("\n") == 1 and out.endswith("\n")  # one JSON object on one line
    return json.loads(out)


def arr(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=float)


@pytest.fixture(scope="module")
def backprop() -> dict[str, Any]:
    return step_json("backprop")


@pytest.fixture(scope="module")
def backprop_plain() -> str:
    return step("--plain", "backprop").stdout


# ---------------------------------------------------------------- --help
def test_help_lists_step() -> None:
    result = run([tuinn_exe(), "--help"])
    assert result.returncode == 0
    assert result.stderr == ""
    assert "step" in result.stdout
    assert "one training step" in result.stdout


def test_step_help() -> None:
    result = run([tuinn_exe(), "step", "--help"])
    assert result.returncode == 0
    for flag in ("--json", "--plain", "--batch", "--digits", "CONFIG"):
        assert flag in result.stdout


def test_help_imports_neither_textual_torch_nor_numpy() -> None:
    code = (
        "import sys\n"
        "from tuinn.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'torch', 'numpy')))\n"
    )
    result = run([sys.executable, "-c", code])
    assert result.returncode == 0, result.stderr
    assert "usage: tuinn" in result.stdout
    loaded = result.stdout.strip().splitlines()[-1]
    assert loaded == "[]", f"--help imported {loaded}"


# ---------------------------------------------------------------- --json on the worked example
def test_json_top_level_keys(backprop: dict[str, Any]) -> None:
    assert set(backprop) == {"inputs", "targets", "forward", "loss", "backward", "update"}
    assert arr(backprop["inputs"]).tolist() == [[0.05, 0.10]]
    assert arr(backprop["targets"]).tolist() == [[0.01, 0.99]]
    assert backprop["loss"]["name"] == "mse"
    assert backprop["loss"]["value"] == pytest.approx(0.298371108760003, abs=TOL)
    assert backprop["loss"]["penalty"] == 0.0
    assert backprop["loss"]["data"] == backprop["loss"]["value"]


def test_json_layers_and_their_keys(backprop: dict[str, Any]) -> None:
    assert [f["layer"] for f in backprop["forward"]] == [1, 2]
    for f in backprop["forward"]:
        assert set(f) == {"layer", "activation", "W", "b", "z", "a"}
        assert f["activation"] == "sigmoid"
    assert [b["layer"] for b in backprop["backward"]] == [2, 1]
    for b in backprop["backward"]:
        assert set(b) == {"layer", "dL_da", "da_dz", "delta", "dL_dW", "dL_db", "dL_dinput"}
    update = backprop["update"]
    assert set(update) == {"optimizer", "learning_rate", "layers"}
    assert update["optimizer"] == "sgd"
    assert update["learning_rate"] == 0.5
    assert [u["layer"] for u in update["layers"]] == [1, 2]
    for u in update["layers"]:
        assert set(u) == {"layer", "W", "b"}


def check_step_relations(doc: dict[str, Any], fused_softmax: bool = False) -> None:
    """Shapes and the chain-rule relations between the terms of one step."""
    x = arr(doc["inputs"])
    S = x.shape[0]
    forward = {f["layer"]: f for f in doc["forward"]}
    backward = {b["layer"]: b for b in doc["backward"]}
    last = max(forward)
    a_prev = x
    for n in range(1, last + 1):
        f, b = forward[n], backward[n]
        W, bias, z, a = arr(f["W"]), arr(f["b"]), arr(f["z"]), arr(f["a"])
        units, inputs = W.shape
        assert inputs == a_prev.shape[1]
        assert bias.shape == (units,)
        for name in ("z", "a"):
            assert arr(f[name]).shape == (S, units), name
        for name in ("dL_da", "delta"):
            assert arr(b[name]).shape == (S, units), name
        assert arr(b["dL_dW"]).shape == (units, inputs)
        assert arr(b["dL_db"]).shape == (units,)
        assert arr(b["dL_dinput"]).shape == (S, inputs)
        delta = arr(b["delta"])
        np.testing.assert_allclose(z, a_prev @ W.T + bias, rtol=0, atol=TOL)
        if fused_softmax and n == last:
            assert b["da_dz"] is None
        else:
            assert arr(b["da_dz"]).shape == (S, units)
            np.testing.assert_allclose(delta, arr(b["dL_da"]) * arr(b["da_dz"]), rtol=0, atol=TOL)
        np.testing.assert_allclose(arr(b["dL_dW"]), delta.T @ a_prev, rtol=0, atol=TOL)
        np.testing.assert_allclose(arr(b["dL_db"]), delta.sum(axis=0), rtol=0, atol=TOL)
        np.testing.assert_allclose(arr(b["dL_dinput"]), delta @ W, rtol=0, atol=TOL)
        if n > 1:  # δ reused: ∂L/∂a of the layer below is Wᵀδ of this one
            np.testing.assert_allclose(arr(backward[n - 1]["dL_da"]), arr(b["dL_dinput"]), rtol=0, atol=TOL)
        a_prev = a


def test_json_shapes_and_chain_rule(backprop: dict[str, Any]) -> None:
    check_step_relations(backprop)


def test_json_sgd_update(backprop: dict[str, Any]) -> None:
    lr = backprop["update"]["learning_rate"]
    backward = {b["layer"]: b for b in backprop["backward"]}
    for f, u in zip(backprop["forward"], backprop["update"]["layers"], strict=True):
        g = backward[f["layer"]]
        np.testing.assert_allclose(arr(u["W"]), arr(f["W"]) - lr * arr(g["dL_dW"]), rtol=0, atol=TOL)
        np.testing.assert_allclose(arr(u["b"]), arr(f["b"]) - lr * arr(g["dL_db"]), rtol=0, atol=TOL)


def test_json_worked_example_numbers(backprop: dict[str, Any]) -> None:
    """Mazur's published values (to his 9 digits): out_o1, out_o2, new w5…w8."""
    a2 = arr(backprop["forward"][1]["a"])
    np.testing.assert_allclose(a2, [[0.75136507, 0.772928465]], atol=1e-8)
    # Mazur's E = ½Σ(ŷ − y)², tuinn's MSE = (1/N)Σ(ŷ − y)² with N = 2: the same gradient.
    np.testing.assert_allclose(arr(backprop["update"]["layers"][1]["W"]), [[0.35891648, 0.408666186], [0.511301270, 0.561370121]], atol=1e-8)
    np.testing.assert_allclose(arr(backprop["update"]["layers"][0]["W"]), [[0.149780716, 0.19956143], [0.24975114, 0.29950229]], atol=1e-8)


# ---------------------------------------------------------------- --plain
PLAIN_TERMS = [
    "z¹ = W¹·a⁰ + b¹",
    "a¹ = f(z¹)",
    "z² = W²·a¹ + b²",
    "a² = f(z²)",
    "∂L/∂ŷ",
    "f'(z²)",
    "δ² = ∂L/∂a² ⊙ f'(z²)",
    "∂L/∂W² = δ²·a¹ᵀ",
    "∂L/∂b² = δ²",
    "δ¹ = ∂L/∂a¹ ⊙ f'(z¹)",
    "∂L/∂W¹ = δ¹·a⁰ᵀ",
    "W²ᵀ·δ²",
    "W¹_new",
    "W²_new",
    "w_old − α·∂L/∂w",
]


@pytest.mark.parametrize("term", PLAIN_TERMS)
def test_plain_has_term(term: str, backprop_plain: str) -> None:
    lines = [line for line in backprop_plain.splitlines() if term in line]
    assert lines, f"no line with {term!r}"
    # each term is shown with its numbers on the same line
    assert any(any(c.isdigit() for c in line.replace(term, "")) for line in lines), lines


def test_plain_numbers(backprop_plain: str) -> None:
    loss_line = next(line for line in backprop_plain.splitlines() if line.strip().startswith("L = "))
    assert "0.298371" in loss_line
    w2_line = next(line for line in backprop_plain.splitlines() if "W²_new" in line)
    assert "0.358916" in w2_line  # the new W²₁₁
    assert "0.408666" in w2_line
    for number in ("0.59327", "0.751365", "0.138499", "0.082167", "0.149781"):
        assert number in backprop_plain


def test_plain_is_the_default(backprop_plain: str) -> None:
    assert step("backprop").stdout == backprop_plain


def test_digits(backprop_plain: str) -> None:
    short = step("--digits", "3", "backprop").stdout
    assert "0.298" in short
    assert "0.298371" not in short
    assert short != backprop_plain


# ---------------------------------------------------------------- other experiments
def test_playground_batch_shapes() -> None:
    doc = step_json("playground")
    x = arr(doc["inputs"])
    assert x.shape == (10, 2)
    assert arr(doc["targets"]).shape == (10, 1)
    assert [arr(f["z"]).shape for f in doc["forward"]] == [(10, 4), (10, 2), (10, 1)]
    assert [arr(f["a"]).shape for f in doc["forward"]] == [(10, 4), (10, 2), (10, 1)]
    assert [arr(b["delta"]).shape for b in doc["backward"]] == [(10, 1), (10, 2), (10, 4)]
    assert [arr(b["dL_dW"]).shape for b in doc["backward"]] == [(1, 2), (2, 4), (4, 2)]
    assert doc["loss"]["name"] == "bce"
    check_step_relations(doc)


def test_playground_second_batch_differs() -> None:
    first = step_json("playground")
    second = step_json("--batch", "2", "playground")
    assert arr(second["inputs"]).shape == (10, 2)
    assert not np.array_equal(arr(first["inputs"]), arr(second["inputs"]))
    # same epoch, same initial weights: only the batch changed
    assert first["forward"][0]["W"] == second["forward"][0]["W"]


def test_json_is_deterministic() -> None:
    assert step("--json", "playground").stdout == step("--json", "playground").stdout


SOFTMAX_CCE = """
name = "blobs3"
seed = 1

[data]
source = "blobs"
classes = 3
samples = 60

[[model.layers]]
units = 4
activation = "tanh"

[[model.layers]]
units = 3
activation = "softmax"

[train]
loss = "cce"
optimizer = "sgd"
learning_rate = 0.1
batch_size = 8
"""


def test_softmax_cce_fused_delta(tmp_path: Path) -> None:
    path = tmp_path / "blobs.toml"
    path.write_text(SOFTMAX_CCE, encoding="utf-8")
    doc = step_json(str(path), cwd=tmp_path)
    out = doc["backward"][0]
    assert out["layer"] == 2
    assert out["da_dz"] is None
    a = arr(doc["forward"][-1]["a"])
    y = arr(doc["targets"])
    S = a.shape[0]
    assert a.shape == y.shape == (8, 3)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=0, atol=TOL)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=0, atol=0)  # one-hot
    np.testing.assert_allclose(arr(out["delta"]), (a - y) / S, rtol=0, atol=TOL)
    check_step_relations(doc, fused_softmax=True)
    # the plain text says so too, and works without f'(z²)
    plain = step("--plain", str(path), cwd=tmp_path).stdout
    assert "fused" in plain
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blobs.toml"]


def test_python_m_equals_console_script() -> None:
    via_m = step("--json", "backprop").stdout
    via_script = run([tuinn_exe(), "step", "--json", "backprop"])
    assert via_script.returncode == 0, via_script.stderr
    assert via_script.stdout == via_m

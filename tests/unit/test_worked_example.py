"""The worked backpropagation example, derived by hand and reproduced by `tuinn step --json`.

The network is the 2-2-2 sigmoid example of Matt Mazur, "A Step by Step
Backpropagation Example" (2015), shipped as the built-in experiment ``backprop``:
x = (0.05, 0.10), y = (0.01, 0.99), W¹ = [[.15, .20], [.25, .30]], b¹ = .35,
W² = [[.40, .45], [.50, .55]], b² = .60, α = 0.5. Our MSE is the mean over the two
outputs, (1/2)Σ(ŷ − y)², which is exactly Mazur's E_total.

The derivation below is written scalar by scalar, in 40-digit decimal arithmetic,
independently of the engine's vectorised code; the engine must agree to ≥ 9
significant digits (we ask for 12). Mazur's published (rounded) numbers are checked
at the precision he printed them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal as D
from decimal import getcontext

import pytest

getcontext().prec = 40


def sigmoid(z: D) -> D:
    return 1 / (1 + (-z).exp())


def derive_by_hand() -> dict[str, object]:
    x = [D("0.05"), D("0.10")]
    y = [D("0.01"), D("0.99")]
    W1 = [[D("0.15"), D("0.20")], [D("0.25"), D("0.30")]]
    b1 = [D("0.35"), D("0.35")]
    W2 = [[D("0.40"), D("0.45")], [D("0.50"), D("0.55")]]
    b2 = [D("0.60"), D("0.60")]
    lr = D("0.5")
    # forward
    z1 = [W1[j][0] * x[0] + W1[j][1] * x[1] + b1[j] for j in range(2)]
    a1 = [sigmoid(v) for v in z1]
    z2 = [W2[j][0] * a1[0] + W2[j][1] * a1[1] + b2[j] for j in range(2)]
    a2 = [sigmoid(v) for v in z2]
    loss = sum((a2[j] - y[j]) ** 2 for j in range(2)) / 2
    # backward, output layer: ∂L/∂ŷ_j = 2(ŷ_j − y_j)/2, f' = a(1 − a)
    dL_da2 = [(a2[j] - y[j]) for j in range(2)]
    da2_dz2 = [a2[j] * (1 - a2[j]) for j in range(2)]
    delta2 = [dL_da2[j] * da2_dz2[j] for j in range(2)]
    dW2 = [[delta2[j] * a1[k] for k in range(2)] for j in range(2)]
    # hidden layer: ∂L/∂a¹_k = Σ_j W²_jk δ²_j (the reused term)
    dL_da1 = [sum(W2[j][k] * delta2[j] for j in range(2)) for k in range(2)]
    delta1 = [dL_da1[k] * a1[k] * (1 - a1[k]) for k in range(2)]
    dW1 = [[delta1[j] * x[k] for k in range(2)] for j in range(2)]
    dx = [sum(W1[j][k] * delta1[j] for j in range(2)) for k in range(2)]
    new_W1 = [[W1[j][k] - lr * dW1[j][k] for k in range(2)] for j in range(2)]
    new_W2 = [[W2[j][k] - lr * dW2[j][k] for k in range(2)] for j in range(2)]
    new_b1 = [b1[j] - lr * delta1[j] for j in range(2)]
    new_b2 = [b2[j] - lr * delta2[j] for j in range(2)]
    return {
        "z1": z1, "a1": a1, "z2": z2, "a2": a2, "loss": loss, "dL_da2": dL_da2, "da2_dz2": da2_dz2,
        "delta2": delta2, "dW2": dW2, "dL_da1": dL_da1, "delta1": delta1, "dW1": dW1, "dx": dx,
        "new_W1": new_W1, "new_W2": new_W2, "new_b1": new_b1, "new_b2": new_b2,
    }


@pytest.fixture(scope="module")
def step_json() -> dict:
    out = subprocess.run([sys.executable, "-m", "tuinn", "step", "--json", "backprop"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def flat(value: object) -> list[float]:
    if isinstance(value, list):
        return [v for item in value for v in flat(item)]
    return [float(value)]  # type: ignore[arg-type]


def agree(engine: object, hand: object, digits: int = 12) -> None:
    for e, h in zip(flat(engine), flat(hand), strict=True):
        assert abs(e - h) <= 10.0 ** (-digits) * max(abs(h), 1e-300), f"{e!r} vs {h}"


def test_engine_reproduces_the_hand_derivation(step_json: dict) -> None:
    hand = derive_by_hand()
    f1, f2 = step_json["forward"]
    b2, b1 = step_json["backward"]
    u1, u2 = step_json["update"]["layers"]
    agree(f1["z"], hand["z1"])
    agree(f1["a"], hand["a1"])
    agree(f2["z"], hand["z2"])
    agree(f2["a"], hand["a2"])
    agree(step_json["loss"]["value"], hand["loss"])
    agree(b2["dL_da"], hand["dL_da2"])
    agree(b2["da_dz"], hand["da2_dz2"])
    agree(b2["delta"], hand["delta2"])
    agree(b2["dL_dW"], hand["dW2"])
    agree(b2["dL_db"], hand["delta2"])
    agree(b1["dL_da"], hand["dL_da1"])
    agree(b2["dL_dinput"], hand["dL_da1"])
    agree(b1["delta"], hand["delta1"])
    agree(b1["dL_dW"], hand["dW1"])
    agree(b1["dL_dinput"], hand["dx"])
    agree(u1["W"], hand["new_W1"])
    agree(u2["W"], hand["new_W2"])
    agree(u1["b"], hand["new_b1"])
    agree(u2["b"], hand["new_b2"])


def test_engine_reproduces_the_published_numbers(step_json: dict) -> None:
    """Mazur's printed values (he rounds to 8-9 digits; biases he leaves unchanged)."""
    published = {
        ("forward", 0, "a", 0): 0.593269992,
        ("forward", 0, "a", 1): 0.596884378,
        ("forward", 1, "a", 0): 0.75136507,
        ("forward", 1, "a", 1): 0.772928465,
    }
    for (part, layer, term, j), value in published.items():
        assert step_json[part][layer][term][0][j] == pytest.approx(value, abs=5e-10)
    assert step_json["loss"]["value"] == pytest.approx(0.298371109, abs=5e-10)
    new_w2 = step_json["update"]["layers"][1]["W"]
    new_w1 = step_json["update"]["layers"][0]["W"]
    # w5..w8 and w1..w4 in his naming: W²[j][k] and W¹[j][k] row by row.
    for got, want in zip(flat(new_w2), [0.35891648, 0.408666186, 0.511301270, 0.561370121], strict=True):
        assert got == pytest.approx(want, abs=5e-9)
    for got, want in zip(flat(new_w1), [0.149780716, 0.19956143, 0.24975114, 0.29950229], strict=True):
        assert got == pytest.approx(want, abs=5e-9)

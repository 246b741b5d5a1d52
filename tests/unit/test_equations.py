"""The step-through's equations over every kind of layer: each stage writes its symbols
first, then the numbers, and the numbers are the trace's (norms, dropout, maxout,
penalties, adaptive optimizers, one sample and a batch). Pure text: no terminal."""

from __future__ import annotations

import numpy as np
import pytest

from tuinn.config.spec import loads
from tuinn.engine.trace import StepTrace
from tuinn.session.stepping import StepSession
from tuinn.teaching.blocks import fmt_number, hjoin, matrix
from tuinn.teaching.equations import stage_equations
from tuinn.training.trainer import Trainer

SPEC = """
seed = 3
[data]
source = "xor"
samples = 40
[[model.layers]]
units = 3
activation = "{act}"
norm = "{norm}"
dropout = {dropout}
[[model.layers]]
units = 1
activation = "sigmoid"
[train]
loss = "{loss}"
batch_size = {batch}
optimizer = "{opt}"
l2 = {l2}
"""

CASES = {
    "batch norm, momentum": dict(act="tanh", norm="batch", dropout=0.0, loss="bce", batch=4, opt="momentum", l2=0.0),
    "layer norm, dropout, l2": dict(act="relu", norm="layer", dropout=0.3, loss="mse", batch=4, opt="sgd", l2=0.01),
    "maxout, adam": dict(act="maxout", norm="none", dropout=0.0, loss="bce", batch=3, opt="adam", l2=0.0),
    "one sample, l2": dict(act="elu", norm="none", dropout=0.0, loss="mae", batch=1, opt="sgd", l2=0.05),
}


def trace_of(case: dict[str, object]) -> StepTrace:
    return StepSession(Trainer(loads(SPEC.format(**case)))).trace


def stages(n: int) -> list[tuple[str, int]]:
    return [*(("forward", l) for l in range(1, n + 1)), ("loss", 0), *(("backward", l) for l in range(n, 0, -1)), ("update", 0)]


@pytest.mark.parametrize("name", list(CASES))
def test_every_stage_shows_its_terms_after_their_equations(name: str) -> None:
    trace = trace_of(CASES[name])
    s = len(trace.inputs) - 1  # the last sample of the batch
    text = {st: stage_equations(trace, st, s, 6) for st in stages(len(trace.layers))}
    for t in trace.layers:
        fwd = "\n".join(text[("forward", t.layer)])
        for v in (*t.z[s], *t.a[s], *t.W.ravel()):
            assert fmt_number(v, 6) in fwd, (name, t.layer, v)
        back = text[("backward", t.layer)]
        joined = "\n".join(back)
        for v in (*t.delta[s], *t.dL_dW.ravel(), *t.dL_db, *t.dL_dinput[s]):
            assert fmt_number(v, 6) in joined, (name, t.layer, v)
        # ∂L/∂W's symbols come before a line that holds its numbers
        sym = next(i for i, x in enumerate(back) if x.strip().startswith(f"∂L/∂W{'¹²'[t.layer - 1]} ="))
        assert fmt_number(t.dL_dW.ravel()[0], 6) in "\n".join(back[sym + 1:sym + 1 + t.W.shape[0]])
        upd = "\n".join(text[("update", 0)])
        for v in t.after["W"].ravel():
            assert fmt_number(v, 6) in upd
    assert all("∂J" not in x for lines in text.values() for x in lines)


def test_a_batch_writes_its_sums_one_sample_the_lecture_chain() -> None:
    batch = stage_equations(trace_of(CASES["layer norm, dropout, l2"]), ("backward", 2), 0, 6)
    assert any(x.strip().startswith("∂L/∂b² = Σₛ δ²ₛ") for x in batch)
    assert any("λ₂W²" in x for x in batch)  # the penalty is written, not hidden in the numbers
    one = stage_equations(trace_of(CASES["one sample, l2"]), ("backward", 2), 0, 6)
    assert not any("Σₛ" in x for x in one)
    assert any(x.strip().startswith("∂L/∂b² = ∂L/∂ŷ ⊙ ∂ŷ/∂z² · ∂z²/∂b²") for x in one)


def test_blocks_line_up_rows_and_bracket_negative_scalars() -> None:
    W = np.array([[1.0, -2.0], [3.0, 4.0]])
    lines = hjoin(matrix(W @ [1.0, 1.0], 3), " = ", matrix(W, 3), " · ", matrix(np.ones(2), 3))
    assert lines == ["⎡-1⎤ = ⎡1  -2⎤ · ⎡1⎤", "⎣ 7⎦   ⎣3   4⎦   ⎣1⎦"]  # row i of each block on line i
    assert hjoin(matrix(2.0, 3), " = 4 · ", matrix(-0.5, 3))[0] == "2 = 4 · (-0.5)"
    big = matrix(np.arange(100.0).reshape(1, 100), 3, limit=6)
    assert big == ["[0  1  2  3  …  99]"]

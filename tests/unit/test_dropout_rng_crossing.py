"""A checkpoint resumed on the other backend: what becomes of the dropout generator.

The two backends draw dropout masks from different generators (torch's Mersenne Twister,
NumPy's PCG64), so a torch generator state cannot be continued by the engine. Ignoring it
(as set_rng_state did) left the fresh generator of the resuming trainer in place: the
masks after the resume were exactly those of the first epochs again. Now the torch state
seeds the engine's generator: a stream of its own, the same on every resume of the same
checkpoint. Runs without torch: the state is a checkpoint's, bytes only. The other way
round (an engine state resumed on torch) seeds torch's generator the same way.
"""

from __future__ import annotations

import numpy as np

from tuinn.config.spec import loads
from tuinn.training.checkpoint import TORCH_RNG_BYTES
from tuinn.training.trainer import Trainer

SPEC = """
seed = 5
[data]
source = "xor"
samples = 40
[[model.layers]]
units = 6
activation = "relu"
dropout = 0.5
[[model.layers]]
units = 1
activation = "sigmoid"
[train]
loss = "bce"
"""


def torch_state(fill: int) -> dict[str, list[int]]:
    return {"torch": [(fill + 31 * i) % 256 for i in range(TORCH_RNG_BYTES[0])]}


def test_a_torch_dropout_state_seeds_the_engines_generator_instead_of_being_ignored() -> None:
    fresh = Trainer(loads(SPEC))
    start = fresh.model.rng_state()
    a, b, other = Trainer(loads(SPEC)), Trainer(loads(SPEC)), Trainer(loads(SPEC))
    a.model.set_rng_state(torch_state(1))
    b.model.set_rng_state(torch_state(1))
    other.model.set_rng_state(torch_state(2))
    assert a.model.rng_state() != start  # not the fresh stream (whose masks the first epochs already used)
    assert a.model.rng_state() == b.model.rng_state()  # the same checkpoint resumes the same way
    assert other.model.rng_state() != a.model.rng_state()
    # and it is the stream the masks come from: one epoch of a and b draws the same masks, not fresh's
    for t in (fresh, a, b):
        t.fit(epochs=1)
    assert a.model.rng_state() == b.model.rng_state() != fresh.model.rng_state()
    assert np.array_equal(a.model.get_parameters()["1.W"], b.model.get_parameters()["1.W"])
    assert not np.array_equal(a.model.get_parameters()["1.W"], fresh.model.get_parameters()["1.W"])


def test_a_numpy_state_is_still_put_back_exactly() -> None:
    source = Trainer(loads(SPEC))
    source.fit(epochs=2)
    saved = source.model.rng_state()
    target = Trainer(loads(SPEC))
    target.model.set_rng_state(saved)
    assert target.model.rng_state() == saved


def test_a_numpy_dropout_state_seeds_torchs_generator_instead_of_being_ignored() -> None:
    """The other way round: an engine checkpoint resumed on torch (skipped where torch is not installed)."""
    import pytest

    pytest.importorskip("torch")
    spec = SPEC.replace('loss = "bce"', 'loss = "bce"\nbackend = "torch"')
    engine = Trainer(loads(SPEC))
    engine.fit(epochs=1)
    saved, other_saved = engine.model.rng_state(), Trainer(loads(SPEC)).model.rng_state()
    fresh, a, b, other = (Trainer(loads(spec)) for _ in range(4))
    assert fresh.model.name == "torch"
    start = fresh.model.rng_state()
    a.model.set_rng_state(saved)
    b.model.set_rng_state(saved)
    other.model.set_rng_state(other_saved)
    assert a.model.rng_state() != start
    assert a.model.rng_state() == b.model.rng_state() != other.model.rng_state()
    for t in (fresh, a, b):
        t.fit(epochs=1)
    assert np.array_equal(a.model.get_parameters()["1.W"], b.model.get_parameters()["1.W"])
    assert not np.array_equal(a.model.get_parameters()["1.W"], fresh.model.get_parameters()["1.W"])

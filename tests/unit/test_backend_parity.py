"""The NumPy and torch backends through the real path: experiment TOML → Trainer → model.

Unlike ``test_torch_parity.py`` (the engine against hand-written torch code), these tests
drive both backends exactly as ``tuinn train`` does and compare what comes out:

1. gradients of one traced step (``compare()``, every term) and the parameters after
   training, for every hidden activation × output/loss pair × {L1, L2, batch norm,
   layer norm} × all six optimizers;
2. dropout on torch: finite loss, deterministic evaluation, reproducible from the seed;
3. checkpoints (in memory and through files) crossing from one backend to the other;
4. ``backend = "auto"`` (``choose_backend``);
5. ``device = "cuda"`` / ``"auto"`` on a machine without CUDA;
6. float32 on both backends.

Length of the training runs in (1): every cell checks every gradient term of one traced
step and trains all six optimizers; one optimizer per cell — rotating, so that every
optimizer meets every activation, every output/loss pair and every variant — trains
100 steps and the other five 20 (several epochs, with re-shuffles). That keeps the README's
test command within its 3 minutes on 2 cores (torch's per-step overhead is ~0.6 ms for
these tiny nets). ``TUINN_PARITY_FULL=1`` trains every optimizer of every cell 100 steps,
as the acceptance of the parity issue asks; ``.ci/run`` runs the file that way after the
suite (~50 s of CPU).

Dropout is left out of (1) and (3): the two backends draw their masks from different
generators, so with dropout on they are not expected to agree.

The whole file skips when torch is not installed.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tuinn.backends import choose_backend  # noqa: E402
from tuinn.config.experiments import resolve  # noqa: E402
from tuinn.config.spec import Experiment, loads, to_dict  # noqa: E402
from tuinn.errors import ConfigError  # noqa: E402
from tuinn.teaching.compare import compare  # noqa: E402
from tuinn.training import checkpoint  # noqa: E402
from tuinn.training.trainer import Trainer  # noqa: E402

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear", "maxout")
#: (loss, output activation, data source, output units)
OUTPUTS = (
    ("mse", "linear", "reg-plane", 1),
    ("mse", "sigmoid", "xor", 1),
    ("mae", "linear", "reg-plane", 1),
    ("bce", "sigmoid", "xor", 1),
    ("cce", "softmax", "blobs", 3),
)
VARIANTS = ("l1", "l2", "batchnorm", "layernorm")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam")
GRADIENT_TERMS = ("delta", "dL_dW", "dL_db", "dL_dinput", "dL_da", "dL_dgamma", "dL_dbeta")

GRAD_REL_TOL = 1e-10
PARAM_ABS_TOL = 1e-9
#: ∂L/∂b of a batch-normed layer is exactly zero (the batch mean cancels b); both
#: backends write that exact zero instead of autograd's rounding noise, which adaptive
#: optimizers would otherwise turn into real, backend-specific steps of b.

FULL_STEPS = 100
SHORT_STEPS = FULL_STEPS if os.environ.get("TUINN_PARITY_FULL") else 20


@pytest.fixture(autouse=True, scope="module")
def _restore_threads():
    """The torch backend sets one intra-op thread for small nets; undo it for other files."""
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


# ----------------------------------------------------------------------- helpers
def experiment(
    hidden: str = "tanh",
    loss: str = "mse",
    out_act: str = "linear",
    source: str = "reg-plane",
    units: int = 1,
    variant: str = "",
    optimizer: str = "sgd",
    dtype: str = "float64",
    dropout: float = 0.0,
    extra_hidden: str = "",
    seed: int = 7,
) -> Experiment:
    """A small experiment as TOML text, parsed by ``config.loads`` (the path the CLI takes)."""
    norm = {"batchnorm": 'norm = "batch"', "layernorm": 'norm = "layer"'}.get(variant, "")
    penalty = {"l1": "l1 = 0.01", "l2": "l2 = 0.01"}.get(variant, "")
    classes = "classes = 3" if source == "blobs" else ""
    drop = f"dropout = {dropout}" if dropout else ""
    text = f"""
seed = {seed}

[data]
source = "{source}"
samples = 40
test_fraction = 0.25
{classes}

[[model.layers]]
units = 5
activation = "{hidden}"
{norm}
{drop}
{extra_hidden}

[[model.layers]]
units = {units}
activation = "{out_act}"

[train]
loss = "{loss}"
optimizer = "{optimizer}"
learning_rate = 0.01
batch_size = 6
dtype = "{dtype}"
{penalty}
"""
    return loads(text)


def same_batches(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    assert len(a) == len(b), f"{len(a)} batches vs {len(b)}"
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        assert np.array_equal(x, y), f"batch {i} differs: {x} vs {y}"


class Lockstep:
    """Steps several trainers on the same batches, drawing a new epoch when one runs out."""

    def __init__(self, *trainers: Trainer) -> None:
        self.trainers = trainers
        self.batches: list[list[np.ndarray]] = []
        self.pos = 0

    def next_batches(self) -> list[np.ndarray]:
        if not self.batches or self.pos >= len(self.batches[0]):
            self.batches = [t.epoch_batches() for t in self.trainers]
            for other in self.batches[1:]:
                same_batches(self.batches[0], other)
            self.pos = 0
        self.pos += 1
        return [b[self.pos - 1] for b in self.batches]

    def steps(self, n: int) -> list[list[float]]:
        losses = []
        for _ in range(n):
            losses.append([t.step(b) for t, b in zip(self.trainers, self.next_batches(), strict=True)])
        return losses


def param_differences(a: Trainer, b: Trainer) -> dict[str, float]:
    pa, pb = a.model.get_parameters(), b.model.get_parameters()
    assert sorted(pa) == sorted(pb), f"parameter names differ: {sorted(pa)} vs {sorted(pb)}"
    out = {}
    for k in pa:
        assert pa[k].shape == pb[k].shape, f"{k}: shape {pa[k].shape} vs {pb[k].shape}"
        out[k] = float(np.max(np.abs(np.asarray(pa[k], dtype=np.float64) - np.asarray(pb[k], dtype=np.float64))))
    return out


def assert_params_close(a: Trainer, b: Trainer, tol: float = PARAM_ABS_TOL, loose: dict[str, float] | None = None, what: str = "") -> None:
    loose = loose or {}
    diffs = param_differences(a, b)
    bad = {k: d for k, d in diffs.items() if not d <= loose.get(k, tol)}
    assert not bad, f"{what}: parameters differ beyond {tol:g} (|Δ| max per array): {bad}"


def full_length_optimizer(hidden: str, output: int, variant: str) -> str:
    """The optimizer that trains FULL_STEPS in this cell: (h + o + v) mod 6 gives every
    optimizer every activation, every output/loss pair and every variant."""
    return OPTIMIZERS[(HIDDEN.index(hidden) + output + VARIANTS.index(variant)) % len(OPTIMIZERS)]


def test_rotation_covers_every_factor():
    cells = [(h, o, v) for h in HIDDEN for o in range(len(OUTPUTS)) for v in VARIANTS]
    chosen = {c: full_length_optimizer(*c) for c in cells}
    for opt in OPTIMIZERS:
        mine = [c for c, o in chosen.items() if o == opt]
        assert {c[0] for c in mine} == set(HIDDEN), opt
        assert {c[1] for c in mine} == set(range(len(OUTPUTS))), opt
        assert {c[2] for c in mine} == set(VARIANTS), opt


# ---------------------------------------------------- 1. gradients and training
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(("loss", "out_act", "source", "units"), OUTPUTS, ids=[f"{lo}-{a}" for lo, a, _, _ in OUTPUTS])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradients_and_training_match(hidden, loss, out_act, source, units, variant):
    output = [o[:2] for o in OUTPUTS].index((loss, out_act))
    full = full_length_optimizer(hidden, output, variant)
    for opt in OPTIMIZERS:
        where = f"{hidden}/{loss}-{out_act}/{variant}/{opt}"
        exp = experiment(hidden, loss, out_act, source, units, variant, opt)
        a, b = Trainer(exp, backend="numpy"), Trainer(exp, backend="torch")
        assert (a.model.name, b.model.name) == ("numpy", "torch")
        assert_params_close(a, b, tol=0.0, what=f"{where} initial")

        # (a) one traced step: every gradient term.
        run = Lockstep(a, b)
        ba, bb = run.next_batches()
        ta, tb = a.traced_step(ba), b.traced_step(bb)
        rows = {(d.term, d.layer): d for d in compare(ta, tb)}
        assert rows[("loss", None)].rel <= GRAD_REL_TOL, f"{where}: loss {ta.loss} vs {tb.loss}"
        expected = {(t, layer) for t in ("delta", "dL_dW", "dL_db", "dL_dinput", "dL_da") for layer in (1, 2)}
        if variant in ("batchnorm", "layernorm"):
            expected |= {("dL_dgamma", 1), ("dL_dbeta", 1)}
        got = {key for key in rows if key[0] in GRADIENT_TERMS}
        assert got == expected, f"{where}: compared terms {sorted(got)}, expected {sorted(expected)}"
        for (term, layer), d in rows.items():
            if term not in GRADIENT_TERMS:
                continue
            if term == "dL_db" and layer == 1 and variant == "batchnorm":
                za = next(t.dL_db for t in ta.layers if t.layer == 1)
                zb = next(t.dL_db for t in tb.layers if t.layer == 1)
                assert not za.any() and not zb.any(), f"{where}: ∂L/∂b¹ under batch norm must be exactly 0"
            else:
                assert d.rel <= GRAD_REL_TOL, f"{where}: {term} of layer {layer}: rel {d.rel:.3e} (abs {d.abs:.3e})"

        # (b) keep training both on the same batches.
        steps = FULL_STEPS if opt == full else SHORT_STEPS
        losses = run.steps(steps - 1)
        assert all(np.isfinite(pair).all() for pair in losses), where
        assert (a.steps, b.steps) == (steps, steps)
        assert_params_close(a, b, what=f"{where} after {steps} steps")


# ------------------------------------------------------------------ 2. dropout
def test_dropout_trains_on_torch():
    exp = experiment("relu", "bce", "sigmoid", "xor", dropout=0.5, optimizer="adam")
    t1, t2 = Trainer(exp, backend="torch"), Trainer(exp, backend="torch")
    trace = t1.traced_step(t1.epoch_batches()[0])
    mask = trace.layers[0].mask
    assert mask is not None and set(np.unique(mask)) <= {0.0, 2.0} and (mask == 0).any() and (mask == 2).any(), mask
    t2.traced_step(t2.epoch_batches()[0])
    losses = Lockstep(t1, t2).steps(19)
    assert all(np.isfinite(pair).all() for pair in losses)
    assert [p[0] for p in losses] == [p[1] for p in losses]
    assert_params_close(t1, t2, tol=0.0, what="two torch trainers, same seed, dropout 0.5")
    x, _ = t1.split("test")
    first, second = t1.model.predict(x), t1.model.predict(x)
    assert np.isfinite(first).all()
    np.testing.assert_array_equal(first, second)
    assert np.isfinite(t1.evaluate("test")["loss"])


# -------------------------------------------------------------- 3. checkpoints
CHECKPOINT_NETS = {
    # layer norm and a second hidden layer, adam (exp_avg, exp_avg_sq, bias correction by t)
    "layernorm-adam": dict(hidden="tanh", loss="bce", out_act="sigmoid", source="xor", variant="layernorm", optimizer="adam",
                           extra_hidden='[[model.layers]]\nunits = 4\nactivation = "relu"'),
    # batch norm (running statistics travel too), momentum (velocity ↔ momentum_buffer)
    "batchnorm-momentum": dict(hidden="elu", loss="cce", out_act="softmax", source="blobs", units=3, variant="batchnorm", optimizer="momentum"),
    "plain-rmsprop": dict(hidden="sigmoid", loss="mse", out_act="linear", source="reg-plane", variant="l2", optimizer="rmsprop"),
}


@pytest.mark.parametrize("net", sorted(CHECKPOINT_NETS))
@pytest.mark.parametrize(("origin", "other"), [("numpy", "torch"), ("torch", "numpy")])
def test_checkpoint_crosses_backends(origin, other, net, tmp_path):
    exp = experiment(**CHECKPOINT_NETS[net])
    source = Trainer(exp, backend=origin)
    assert 30 % len(source.epoch_batches()) == 0  # 30 steps end on an epoch boundary
    source = Trainer(exp, backend=origin)
    Lockstep(source).steps(30)
    state = source.state()
    path = tmp_path / "ckpt.safetensors"
    checkpoint.save(path, to_dict(exp), state)
    loaded = checkpoint.load(path).state

    same = Trainer(exp, backend=origin)
    crossed = Trainer(exp, backend=other)
    via_file = Trainer(exp, backend=other)
    same.restore(state)
    crossed.restore(state)
    via_file.restore(loaded)
    for t in (same, crossed, via_file):
        assert t.steps == 30
        assert_params_close(source, t, tol=0.0, what=f"{origin} → {t.model.name} restored")
        assert t.model.optimizer_state()["t"] == 30

    Lockstep(source, same, crossed, via_file).steps(20)
    assert_params_close(source, same, tol=0.0, what=f"{origin} continued vs {origin} restored")
    assert_params_close(same, crossed, what=f"{origin} → {other} (in memory), 20 more steps")
    assert_params_close(same, via_file, what=f"{origin} → {other} (through a checkpoint file), 20 more steps")
    assert crossed.steps == via_file.steps == 50


# ------------------------------------------------------------ 4. backend auto
def test_auto_picks_numpy_for_the_playground():
    text, label = resolve("playground")
    exp = loads(text, label)
    backend, why = choose_backend(exp, 2, 250)
    assert backend == "numpy", why
    trainer = Trainer(exp, backend="auto")
    assert trainer.model.name == "numpy"
    assert "backend auto → numpy" in trainer.model.notice


def test_auto_picks_torch_for_a_large_net(monkeypatch):
    layers = "".join(f'\n[[model.layers]]\nunits = {u}\nactivation = "{a}"\n' for u, a in ((256, "relu"), (256, "relu"), (10, "softmax")))
    exp = loads(f'[data]\nsource = "blobs"\nclasses = 10\n{layers}\n[train]\nloss = "cce"\nbatch_size = 128\nbackend = "auto"\n')
    backend, why = choose_backend(exp, 784, 60_000)
    assert backend == "torch", why
    import tuinn.backends

    monkeypatch.setattr(tuinn.backends, "torch_available", lambda: False)
    assert choose_backend(exp, 784, 60_000)[0] == "numpy"


# ----------------------------------------------------------------- 5. devices
@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_requested_without_cuda():
    exp = experiment()
    with pytest.raises(ConfigError) as err:
        Trainer(exp, backend="torch", device="cuda")
    assert "CUDA is not available" in str(err.value)
    assert "cpu" in str(err.value)
    trainer = Trainer(exp, backend="torch", device="auto")
    assert trainer.model.device == "cpu"
    assert "device auto → cpu" in trainer.model.notice
    Lockstep(trainer).steps(3)


# ---------------------------------------------------------------- 6. float32
@pytest.mark.parametrize(
    "spec",
    [
        dict(hidden="tanh", optimizer="adam"),
        dict(hidden="relu", loss="cce", out_act="softmax", source="blobs", units=3, variant="batchnorm", optimizer="momentum"),
        dict(hidden="sigmoid", loss="bce", out_act="sigmoid", source="xor", variant="layernorm", optimizer="rmsprop"),
    ],
    ids=["tanh-mse-adam", "relu-bn-cce-momentum", "sigmoid-ln-bce-rmsprop"],
)
def test_float32_matches_numpy(spec):
    exp = experiment(dtype="float32", **spec)
    a, b = Trainer(exp, backend="numpy"), Trainer(exp, backend="torch")
    losses = Lockstep(a, b).steps(10)
    assert all(np.isfinite(pair).all() for pair in losses)
    for name, value in b.model.get_parameters().items():
        assert value.dtype == np.float32, f"torch {name}: {value.dtype}"
    for name, value in a.model.get_parameters().items():
        assert value.dtype == np.float32, f"numpy {name}: {value.dtype}"
    assert_params_close(a, b, tol=1e-5, what="float32 after 10 steps")

"""Parity of the NumPy engine with ``torch.autograd`` and ``torch.optim`` (float64).

Each test builds a small network in the engine from seeded random numbers, builds the
same model in torch from explicit tensors (the forward is written here with torch's
functional ops, not taken from tuinn's torch backend), and compares the numbers:

1. every gradient (∂L/∂W, ∂L/∂b, ∂L/∂γ, ∂L/∂β, ∂L/∂x, δ = ∂L/∂z) and the loss value,
   for every hidden activation × output/loss pair × {plain, batch norm, layer norm,
   L1+L2 penalties}, to a relative error of 1e-10;
2. the same with inverted dropout, the engine's mask replayed in torch;
3. the weights after 100 steps of each optimizer against ``torch.optim``;
4. batch norm's running statistics and evaluation-mode output against ``nn.BatchNorm1d``.

The whole file skips when torch is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from tuinn.engine import Dense, Network, make_activation, make_loss, make_optimizer  # noqa: E402
from tuinn.engine.normalization import make_norm  # noqa: E402

DT = torch.float64
REL_TOL = 1e-10
#: The bias gradient of a batch-normed layer is zero in exact arithmetic (the batch mean
#: cancels b), so both sides are rounding noise whose *relative* error is O(1): it is
#: compared with this absolute bound instead.
ZERO_TOL = 1e-13

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear", "maxout")
#: (loss, output activation, output units)
OUTPUTS = (
    ("mse", "linear", 2),
    ("mse", "sigmoid", 2),
    ("mse", "tanh", 2),
    ("mae", "linear", 2),
    ("bce", "sigmoid", 2),
    ("cce", "softmax", 3),
)
VARIANTS = ("plain", "batchnorm", "layernorm", "l1l2")
L1, L2 = 0.01, 0.02
N_IN, N_HIDDEN, BATCH = 3, 5, 6


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny tensors: one thread is fastest; restore the setting for other test files."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# ----------------------------------------------------------------------- helpers
def rel_err(g: np.ndarray, gt: np.ndarray) -> float:
    """‖g − g_t‖ / (‖g‖ + ‖g_t‖ + 1e-30)."""
    g, gt = np.asarray(g, dtype=np.float64), np.asarray(gt, dtype=np.float64)
    return float(np.linalg.norm(g - gt) / (np.linalg.norm(g) + np.linalg.norm(gt) + 1e-30))


def assert_close(name: str, g: np.ndarray, gt: np.ndarray, tol: float = REL_TOL) -> None:
    g, gt = np.asarray(g, dtype=np.float64), np.asarray(gt, dtype=np.float64)
    assert g.shape == gt.shape, f"{name}: engine shape {g.shape} != torch shape {gt.shape}"
    err = rel_err(g, gt)
    assert err < tol, f"{name}: relative error {err:.3e}\nengine={g}\ntorch={gt}"


def t(a: np.ndarray, grad: bool = False):
    """A float64 torch leaf holding a copy of ``a``."""
    return torch.tensor(np.array(a, dtype=np.float64, copy=True), dtype=DT, requires_grad=grad)


def inputs(seed: int, n_out: int, loss: str, batch: int = BATCH, n_in: int = N_IN) -> tuple[np.ndarray, np.ndarray]:
    """A random batch and targets suited to the loss (0/1 for bce, one-hot for cce)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, (batch, n_in))
    if loss == "bce":
        y = rng.integers(0, 2, (batch, n_out)).astype(np.float64)
    elif loss == "cce":
        y = np.eye(n_out)[rng.integers(0, n_out, batch)]
    else:
        y = rng.normal(0.0, 0.7, (batch, n_out))
    return x, y


def build_net(
    sizes: tuple[int, ...],
    activations: tuple[str, ...],
    loss: str,
    norms: tuple[str, ...] | None = None,
    dropouts: tuple[float, ...] | None = None,
    l1: float = 0.0,
    l2: float = 0.0,
    seed: int = 0,
) -> Network:
    """An engine network with seeded random W, b (and random γ, β where normed)."""
    rng = np.random.default_rng(seed)
    n_layers = len(sizes) - 1
    norms = norms or ("none",) * n_layers
    dropouts = dropouts or (0.0,) * n_layers
    layers = []
    for i in range(n_layers):
        act = make_activation(activations[i])
        rows = act.units_in(sizes[i + 1])
        W = rng.normal(0.0, 0.8, (rows, sizes[i]))
        b = rng.normal(0.0, 0.3, rows)
        norm = make_norm(norms[i], rows, np.float64)
        if norm is not None:
            norm.gamma[...] = rng.uniform(0.5, 1.5, rows)
            norm.beta[...] = rng.normal(0.0, 0.3, rows)
        layers.append(Dense(W, b, act, norm, dropouts[i]))
    return Network(layers, make_loss(loss), l1=l1, l2=l2, rng=np.random.default_rng(seed + 1000))


class TorchCopy:
    """The same model as an engine network, as explicit float64 torch tensors."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.W = [t(layer.W, True) for layer in net.layers]
        self.b = [t(layer.b, True) for layer in net.layers]
        self.gamma = [None if layer.norm is None else t(layer.norm.gamma, True) for layer in net.layers]
        self.beta = [None if layer.norm is None else t(layer.norm.beta, True) for layer in net.layers]
        self.kinds = ["none" if layer.norm is None else layer.norm.kind for layer in net.layers]
        self.acts = [layer.activation.name for layer in net.layers]
        self.loss_name = net.loss.name
        self.z: list = []
        self.zn: list = []

    def parameters(self) -> list:
        return [p for group in (self.W, self.b, self.gamma, self.beta) for p in group if p is not None]

    @staticmethod
    def activate(name: str, z):
        if name == "sigmoid":
            return torch.sigmoid(z)
        if name == "tanh":
            return torch.tanh(z)
        if name == "relu":
            return F.relu(z)
        if name == "leaky_relu":
            return F.leaky_relu(z, negative_slope=0.1)
        if name == "elu":
            return F.elu(z, alpha=1.0)
        if name == "linear":
            return z
        if name == "softmax":
            return torch.softmax(z, dim=1)
        if name == "maxout":
            return z.reshape(z.shape[0], -1, 2).max(dim=2).values
        raise AssertionError(name)

    def loss(self, x, y, masks: list | None = None, retain: bool = True):
        """Training-mode forward and loss (data loss + penalty); records z and z_norm."""
        self.z, self.zn = [], []
        out = x
        last = len(self.W) - 1
        for i, (W, b) in enumerate(zip(self.W, self.b, strict=True)):
            z = out @ W.T + b
            if self.kinds[i] == "batch":
                zn = F.batch_norm(z, None, None, self.gamma[i], self.beta[i], training=True, momentum=0.1, eps=1e-5)
            elif self.kinds[i] == "layer":
                zn = F.layer_norm(z, (z.shape[1],), self.gamma[i], self.beta[i], eps=1e-5)
            else:
                zn = z
            if retain:
                z.retain_grad()
                if zn is not z:
                    zn.retain_grad()
            self.z.append(z)
            self.zn.append(zn)
            if i == last:
                break
            a = self.activate(self.acts[i], zn)
            if masks is not None and masks[i] is not None:
                a = a * masks[i]
            out = a
        logits = self.zn[-1]
        if self.loss_name == "bce":
            assert self.acts[-1] == "sigmoid"
            data = F.binary_cross_entropy_with_logits(logits, y)
        elif self.loss_name == "cce":
            assert self.acts[-1] == "softmax"
            data = F.cross_entropy(logits, y)
        else:
            yhat = self.activate(self.acts[-1], logits)
            data = F.mse_loss(yhat, y) if self.loss_name == "mse" else F.l1_loss(yhat, y)
        penalty = torch.zeros((), dtype=DT)
        if self.net.l2:
            penalty = penalty + 0.5 * self.net.l2 * sum((W * W).sum() for W in self.W)
        if self.net.l1:
            penalty = penalty + self.net.l1 * sum(W.abs().sum() for W in self.W)
        return data + penalty


def compare_gradients(net: Network, tc: TorchCopy, x_t, loss_engine: float, loss_torch) -> None:
    """Every gradient the engine left on its layers against torch's."""
    assert_close("loss", np.array(loss_engine), loss_torch.detach().numpy())
    for i, layer in enumerate(net.layers, 1):
        assert_close(f"layer {i} dW", layer.dW, tc.W[i - 1].grad.numpy())
        if layer.norm is not None and layer.norm.kind == "batch":
            db_t = tc.b[i - 1].grad.numpy()
            assert np.abs(layer.db).max() < ZERO_TOL and np.abs(db_t).max() < ZERO_TOL, f"layer {i} db: {layer.db} vs {db_t}"
        else:
            assert_close(f"layer {i} db", layer.db, tc.b[i - 1].grad.numpy())
        assert_close(f"layer {i} delta", layer.delta, tc.z[i - 1].grad.numpy())
        if layer.norm is not None:
            assert_close(f"layer {i} dgamma", layer.norm.dgamma, tc.gamma[i - 1].grad.numpy())
            assert_close(f"layer {i} dbeta", layer.norm.dbeta, tc.beta[i - 1].grad.numpy())
            assert_close(f"layer {i} dL/dz_norm", layer.dL_dznorm, tc.zn[i - 1].grad.numpy())
    assert_close("dL/dx (input)", net.layers[0].dL_dx, x_t.grad.numpy())


# ------------------------------------------------------------ 1. gradient parity
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(("loss", "out_act", "n_out"), OUTPUTS, ids=[f"{lo}-{a}" for lo, a, _ in OUTPUTS])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradients_match_autograd(hidden: str, loss: str, out_act: str, n_out: int, variant: str) -> None:
    seed = HIDDEN.index(hidden) * 100 + OUTPUTS.index((loss, out_act, n_out)) * 10 + VARIANTS.index(variant)
    norm = {"batchnorm": "batch", "layernorm": "layer"}.get(variant, "none")
    l1, l2 = (L1, L2) if variant == "l1l2" else (0.0, 0.0)
    net = build_net((N_IN, N_HIDDEN, n_out), (hidden, out_act), loss, norms=(norm, "none"), l1=l1, l2=l2, seed=seed)
    x, y = inputs(seed + 1, n_out, loss)

    tc = TorchCopy(net)
    x_t = t(x, True)
    loss_t = tc.loss(x_t, t(y))
    loss_t.backward()

    loss_e = net.compute_gradients(x, y, input_grad=True)
    assert net.fused == (loss in ("bce", "cce"))
    compare_gradients(net, tc, x_t, loss_e, loss_t)
    if variant == "l1l2":
        assert net.last_penalty > 0.0


# ----------------------------------------------------------------- 2. dropout
@pytest.mark.parametrize("norm", ["none", "batch", "layer"])
@pytest.mark.parametrize(("loss", "out_act", "n_out"), [("mse", "linear", 2), ("cce", "softmax", 3)], ids=["mse-linear", "cce-softmax"])
@pytest.mark.parametrize("hidden", ["tanh", "relu", "maxout"])
def test_dropout_gradients_match_autograd_with_the_engine_mask(hidden: str, loss: str, out_act: str, n_out: int, norm: str) -> None:
    p = 0.3
    net = build_net((N_IN, N_HIDDEN, n_out), (hidden, out_act), loss, norms=(norm, "none"), dropouts=(p, 0.0), seed=7)
    x, y = inputs(8, n_out, loss, batch=8)
    for step in range(2):  # a second call draws a fresh mask; both must replay exactly
        loss_e = net.compute_gradients(x, y, input_grad=True)
        mask = net.layers[0].mask
        assert mask is not None and mask.shape == (x.shape[0], N_HIDDEN)
        kept = mask != 0.0
        np.testing.assert_allclose(mask[kept], 1.0 / (1.0 - p), rtol=0, atol=1e-15)
        assert 0 < kept.sum() < kept.size, f"step {step}: degenerate mask"

        tc = TorchCopy(net)
        x_t = t(x, True)
        loss_t = tc.loss(x_t, t(y), masks=[t(mask), None])
        loss_t.backward()
        compare_gradients(net, tc, x_t, loss_e, loss_t)


# ------------------------------------------------------------ 3. optimizers
TORCH_OPTIMIZERS = {
    "sgd": lambda ps, lr: torch.optim.SGD(ps, lr=lr),
    "momentum": lambda ps, lr: torch.optim.SGD(ps, lr=lr, momentum=0.9),
    "nesterov": lambda ps, lr: torch.optim.SGD(ps, lr=lr, momentum=0.9, nesterov=True),
    "rmsprop": lambda ps, lr: torch.optim.RMSprop(ps, lr=lr, alpha=0.99, eps=1e-8),
    "adagrad": lambda ps, lr: torch.optim.Adagrad(ps, lr=lr, eps=1e-10),
    "adam": lambda ps, lr: torch.optim.Adam(ps, lr=lr, betas=(0.9, 0.999), eps=1e-8),
}


def train_both(net: Network, name: str, lr: float, steps: int, x: np.ndarray, y: np.ndarray) -> TorchCopy:
    tc = TorchCopy(net)
    opt_t = TORCH_OPTIMIZERS[name](tc.parameters(), lr)
    opt_e = make_optimizer(name, net.pairs(), lr)
    x_t, y_t = t(x), t(y)
    for _ in range(steps):
        loss_e = net.train_step(x, y, opt_e)
        opt_t.zero_grad()
        loss_t = tc.loss(x_t, y_t, retain=False)
        loss_t.backward()
        opt_t.step()
        assert abs(loss_e - loss_t.item()) <= 1e-9 * max(1.0, abs(loss_e))
    return tc


def assert_weights_match(net: Network, tc: TorchCopy, atol: float = 1e-9) -> None:
    for i, layer in enumerate(net.layers):
        for name, engine, torch_p in (("W", layer.W, tc.W[i]), ("b", layer.b, tc.b[i])):
            diff = float(np.abs(engine - torch_p.detach().numpy()).max())
            assert diff <= atol, f"layer {i + 1} {name}: max |engine − torch| = {diff:.3e}"


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam"])
def test_optimizer_matches_torch_optim_over_100_steps(name: str) -> None:
    lr = 0.1 if name == "adagrad" else 0.05
    net = build_net((2, 4, 1), ("tanh", "sigmoid"), "mse", seed=21)
    x, y = inputs(22, 1, "mse", batch=8, n_in=2)
    y = 1.0 / (1.0 + np.exp(-y))  # targets in (0, 1) for a sigmoid output
    start = [p.copy() for p, _ in net.pairs()]
    tc = train_both(net, name, lr, 100, x, y)
    moved = max(float(np.abs(p - s).max()) for (p, _), s in zip(net.pairs(), start, strict=True))
    assert moved > 1e-3, "the weights barely moved: the test would prove nothing"
    assert_weights_match(net, tc)


def test_l2_penalty_with_sgd_matches_torch_with_the_penalty_in_the_loss() -> None:
    net = build_net((2, 4, 1), ("tanh", "sigmoid"), "mse", l2=0.05, seed=31)
    x, y = inputs(32, 1, "mse", batch=8, n_in=2)
    y = 1.0 / (1.0 + np.exp(-y))
    tc = train_both(net, "sgd", 0.05, 100, x, y)
    assert net.last_penalty > 0.0
    assert_weights_match(net, tc)


# ---------------------------------------------------- 4. batch norm statistics
def test_batch_norm_running_stats_and_eval_output_match_torch() -> None:
    net = build_net((N_IN, N_HIDDEN, 2), ("tanh", "linear"), "mse", norms=("batch", "none"), seed=41)
    x, y = inputs(42, 2, "mse", batch=8)
    x_eval, _ = inputs(43, 2, "mse", batch=5)
    hidden, out = net.layers

    W1, b1, W2, b2 = t(hidden.W, True), t(hidden.b, True), t(out.W, True), t(out.b, True)
    bn = torch.nn.BatchNorm1d(N_HIDDEN, eps=1e-5, momentum=0.1).double()
    with torch.no_grad():
        bn.weight.copy_(t(hidden.norm.gamma))
        bn.bias.copy_(t(hidden.norm.beta))

    def forward(inp):
        return torch.tanh(bn(inp @ W1.T + b1)) @ W2.T + b2

    opt_t = torch.optim.SGD([W1, b1, W2, b2, *bn.parameters()], lr=0.1)
    opt_e = make_optimizer("sgd", net.pairs(), 0.1)
    x_t, y_t = t(x), t(y)
    bn.train()
    for _ in range(5):
        net.train_step(x, y, opt_e)
        opt_t.zero_grad()
        F.mse_loss(forward(x_t), y_t).backward()
        opt_t.step()

    np.testing.assert_allclose(hidden.norm.running_mean, bn.running_mean.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(hidden.norm.running_var, bn.running_var.numpy(), rtol=0, atol=1e-12)
    assert int(bn.num_batches_tracked) == 5
    # The statistics moved away from their initial (0, 1): the comparison is not vacuous.
    assert np.abs(hidden.norm.running_mean).max() > 1e-3

    bn.eval()
    with torch.no_grad():
        expected = forward(t(x_eval)).numpy()
    got = net.predict(x_eval)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    # Evaluation mode must not touch the running statistics.
    np.testing.assert_allclose(hidden.norm.running_mean, bn.running_mean.numpy(), rtol=0, atol=1e-12)

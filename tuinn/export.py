"""``tuinn export RUN_DIR --torch DIR``: a saved model as a standalone PyTorch module.

Writes ``model.py`` — readable, in the style of the lecture's ``SimpleNN(nn.Module)``:
one ``nn.Linear`` per layer (``fc1``, ``fc2``, …), norms as modules, activations in
``forward`` — and ``state_dict.pt``, loadable with ``torch.load(..., weights_only=True)``.
The input standardisation fitted at training time is part of the module (buffers
``mean`` and ``std``), so the module takes raw feature values. Nothing of tuinn is
needed to use it: only torch.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from tuinn import checkpoint
from tuinn.config import Experiment, from_dict
from tuinn.errors import CheckpointError, TuinnError

ACT = {
    "sigmoid": "torch.sigmoid({x})",
    "tanh": "torch.tanh({x})",
    "relu": "F.relu({x})",
    "leaky_relu": "F.leaky_relu({x}, {slope})",
    "elu": "F.elu({x}, {alpha})",
    "linear": "{x}",
    "softmax": "torch.softmax({x}, dim=1)",
    "maxout": "{x}.view(-1, {units}, {pieces}).amax(dim=2)",
}


def module_source(exp: Experiment, n_inputs: int, inputs: dict[str, Any], run: str, dtype: str) -> str:
    """The text of model.py."""
    init, fwd = [], []
    fan_in = n_inputs
    for i, layer in enumerate(exp.model.layers, 1):
        init.append(f"        self.fc{i} = nn.Linear({fan_in}, {layer.rows})")
        x = f"self.fc{i}(x)"
        if layer.norm == "batch":
            init.append(f"        self.norm{i} = nn.BatchNorm1d({layer.rows}, eps=1e-5, momentum=0.1)")
            x = f"self.norm{i}({x})"
        elif layer.norm == "layer":
            init.append(f"        self.norm{i} = nn.LayerNorm({layer.rows}, eps=1e-5)")
            x = f"self.norm{i}({x})"
        line = ACT[layer.activation].format(x=x, slope=layer.slope, alpha=layer.alpha, units=layer.units, pieces=layer.pieces)
        fwd.append(f"        x = {line}" + ("" if layer.activation != "linear" else "  # linear output"))
        if layer.dropout > 0:
            fwd.append(f"        x = F.dropout(x, p={layer.dropout}, training=self.training)")
        fan_in = layer.units
    features = inputs.get("feature_names") or [f"x{i + 1}" for i in range(n_inputs)]
    classes = inputs.get("class_names") or []
    dtype_line = "        self.double()  # trained in float64\n" if dtype == "float64" else ""
    shapes = " → ".join([str(n_inputs)] + [str(layer.units) for layer in exp.model.layers])
    return f'''"""{exp.name}: a {shapes} network exported by tuinn from {run}.

Inputs (raw values, in this order): {", ".join(features)}.
Output: {_describe_output(exp, classes)}.
Standardisation fitted on the training data is applied inside forward().

    import torch
    from model import SimpleNN
    model = SimpleNN()
    model.load_state_dict(torch.load("state_dict.pt", weights_only=True))
    model.eval()
    y = model(torch.tensor([[...]], dtype=torch.{dtype}))
"""

import torch
import torch.nn.functional as F
from torch import nn


class SimpleNN(nn.Module):
    def __init__(self):
        super().__init__()
{chr(10).join(init)}
        self.register_buffer("mean", torch.zeros({n_inputs}))
        self.register_buffer("std", torch.ones({n_inputs}))
{dtype_line}
    def forward(self, x):
        x = (x - self.mean) / self.std
{chr(10).join(fwd)}
        return x
'''


def _describe_output(exp: Experiment, classes: list[str]) -> str:
    last = exp.model.layers[-1]
    if last.activation == "softmax":
        return f"class probabilities ({', '.join(classes) or last.units})"
    if last.activation == "sigmoid" and exp.train.loss == "bce":
        return f"probability of class 1{f' ({classes[1]})' if len(classes) > 1 else ''}"
    return f"{last.units} value(s), activation {last.activation}"


def state_dict(exp: Experiment, params: dict[str, np.ndarray], inputs: dict[str, Any], n_inputs: int, dtype: str) -> dict[str, Any]:
    import torch

    tdtype = torch.float64 if dtype == "float64" else torch.float32
    out: dict[str, Any] = {}
    for i, layer in enumerate(exp.model.layers, 1):
        out[f"fc{i}.weight"] = torch.tensor(params[f"{i}.W"], dtype=tdtype)
        out[f"fc{i}.bias"] = torch.tensor(params[f"{i}.b"], dtype=tdtype)
        if layer.norm != "none":
            out[f"norm{i}.weight"] = torch.tensor(params[f"{i}.gamma"], dtype=tdtype)
            out[f"norm{i}.bias"] = torch.tensor(params[f"{i}.beta"], dtype=tdtype)
        if layer.norm == "batch":
            out[f"norm{i}.running_mean"] = torch.tensor(params[f"{i}.running_mean"], dtype=tdtype)
            out[f"norm{i}.running_var"] = torch.tensor(params[f"{i}.running_var"], dtype=tdtype)
            out[f"norm{i}.num_batches_tracked"] = torch.tensor(0, dtype=torch.long)
    mean = inputs.get("mean") or [0.0] * n_inputs
    std = inputs.get("std") or [1.0] * n_inputs
    out["mean"] = torch.tensor(mean, dtype=tdtype)
    out["std"] = torch.tensor(std, dtype=tdtype)
    return out


def export(run: str, out_dir: str, dtype: str | None = None) -> Path:
    """Write model.py and state_dict.pt for the checkpoint of ``run`` into ``out_dir``."""
    from tuinn.backends import torch_available

    if not torch_available():
        raise TuinnError("export --torch needs PyTorch, which is not installed (pip install 'tuinn[torch]')")
    import torch

    target = Path(run)
    ckpt = target / "model.safetensors" if target.is_dir() else target
    saved = checkpoint.load(ckpt)
    try:
        exp = from_dict(saved.spec, None)
    except TuinnError as exc:
        raise CheckpointError(f"{ckpt}: its spec is not valid here ({exc})") from None
    if "1.W" not in saved.state["params"]:
        raise CheckpointError(f"{ckpt}: no first-layer weights (1.W)")
    n_inputs = int(saved.state["params"]["1.W"].shape[1])
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise TuinnError(f"--torch {out}: exists and is not a folder")
    for name in ("model.py", "state_dict.pt"):
        if (out / name).exists():
            raise TuinnError(f"--torch {out}: already holds {name}; choose a new folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TuinnError(f"--torch {out}: cannot create it ({exc.strerror or exc})") from None
    try:
        sd = state_dict(exp, saved.state["params"], saved.inputs, n_inputs, dtype or exp.train.dtype)
    except KeyError as exc:
        raise CheckpointError(f"{ckpt}: missing parameter {exc} for its spec") from None
    buffer = io.BytesIO()
    torch.save(sd, buffer)
    source = module_source(exp, n_inputs, saved.inputs, str(run), dtype or exp.train.dtype)
    checkpoint.atomic_write_text(out / "model.py", source)
    checkpoint.atomic_write_bytes(out / "state_dict.pt", buffer.getvalue())
    return out

"""``tuinn export RUN_DIR --torch DIR``: a saved model as a standalone PyTorch module.

Writes ``model.py`` — readable, in the style of the lecture's ``SimpleNN(nn.Module)``:
one ``nn.Linear`` per layer (``fc1``, ``fc2``, …), norms as modules, activations in
``forward`` — and ``state_dict.pt``, loadable with ``torch.load(..., weights_only=True)``.
The input standardisation fitted at training time is part of the module (buffers
``mean`` and ``std``), so the module takes raw feature values. Nothing of tuinn is
needed to use it: only torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tuinn.config.spec import Experiment, from_dict
from tuinn.errors import CheckpointError, TuinnError
from tuinn.training import checkpoint

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


DTYPES = ("float32", "float64")


def _text(value: Any) -> str:
    """A user string as prose for the generated docstring: as it is, or its ``repr``.

    Why: names come from the spec, a CSV header, a dataset card or a crafted checkpoint
    and may hold anything. A printable name reads best as it is (:func:`_docstring`
    escapes its quotes and backslashes); one with a line break, ``\\r``, ``\\u2028``, NUL or
    any other unprintable character is shown as its ``repr`` so that it stays on its line
    and shows what it really holds.
    """
    text = str(value)
    return text if text.isprintable() else repr(text)


def _docstring(text: str) -> str:
    """``text`` as a triple-quoted literal whose value is exactly ``text``.

    Why: the docstring is the only place where prose reaches model.py; no user string may
    close it and turn the rest of its text into code that runs on import. Every backslash
    is escaped, and every double quote followed by another one (or ending the text),
    so no three unescaped quotes ever meet; anything unprintable besides the template's
    own newlines is escaped too, so no line break the tokenizer knows hides in it.
    """
    out = []
    for i, ch in enumerate(text):
        if ch == "\\" or (ch == '"' and text[i + 1 : i + 2] in ('"', "")):
            out.append("\\" + ch)
        elif ch == "\n" or ch.isprintable():
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])
    return '"""' + "".join(out) + '"""'


def module_source(exp: Experiment, n_inputs: int, inputs: dict[str, Any], run: str, dtype: str) -> str:
    """The text of model.py.

    Every user string (the spec's name, the run's path, feature and class names) is
    written only as a ``repr`` literal — as module constants and, escaped, in the
    docstring — so that importing model.py runs nothing but definitions. Numbers go
    through ``int``/``float`` and names of things (activations, norms, dtype) through
    fixed tables, so nothing else from the spec or checkpoint is pasted in as text.
    """
    if dtype not in DTYPES:
        raise TuinnError(f"export: dtype {dtype!r} is not one of {', '.join(DTYPES)}")
    n_inputs = int(n_inputs)
    init, fwd = [], []
    fan_in = n_inputs
    for i, layer in enumerate(exp.model.layers, 1):
        rows = int(layer.rows)
        init.append(f"        self.fc{i} = nn.Linear({fan_in}, {rows})")
        x = f"self.fc{i}(x)"
        if layer.norm == "batch":
            init.append(f"        self.norm{i} = nn.BatchNorm1d({rows}, eps=1e-5, momentum=0.1)")
            x = f"self.norm{i}({x})"
        elif layer.norm == "layer":
            init.append(f"        self.norm{i} = nn.LayerNorm({rows}, eps=1e-5)")
            x = f"self.norm{i}({x})"
        line = ACT[layer.activation].format(x=x, slope=float(layer.slope), alpha=float(layer.alpha), units=int(layer.units), pieces=int(layer.pieces))
        fwd.append(f"        x = {line}" + ("" if layer.activation != "linear" else "  # linear output"))
        if layer.dropout > 0:
            fwd.append(f"        x = F.dropout(x, p={float(layer.dropout)!r}, training=self.training)")
        fan_in = int(layer.units)
    features = [str(f) for f in inputs.get("feature_names") or [f"x{i + 1}" for i in range(n_inputs)]]
    classes = [str(c) for c in inputs.get("class_names") or []]
    dtype_line = "        self.double()  # trained in float64\n" if dtype == "float64" else ""
    shapes = " → ".join([str(n_inputs)] + [str(int(layer.units)) for layer in exp.model.layers])
    doc = _docstring(f"""{_text(exp.name)}: a {shapes} network exported by tuinn from {_text(run)}.

Inputs (raw values, in this order): {", ".join(_text(f) for f in features)}
(also FEATURES below).
Output: {_describe_output(exp, classes)}.
Standardisation fitted on the training data is applied inside forward().

    import torch
    from model import SimpleNN
    model = SimpleNN()
    model.load_state_dict(torch.load("state_dict.pt", weights_only=True))
    model.eval()
    y = model(torch.tensor([[...]], dtype=torch.{dtype}))
""")
    return f'''{doc}

import torch
import torch.nn.functional as F
from torch import nn

NAME = {str(exp.name)!r}
FEATURES = {tuple(features)!r}
CLASSES = {tuple(classes)!r}


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
        return f"class probabilities ({', '.join(_text(c) for c in classes) or int(last.units)})"
    if last.activation == "sigmoid" and exp.train.loss == "bce":
        return f"probability of class 1{f' ({_text(classes[1])})' if len(classes) > 1 else ''}"
    return f"{int(last.units)} value(s), activation {last.activation}"


def state_dict_arrays(exp: Experiment, params: dict[str, np.ndarray], inputs: dict[str, Any],
                      n_inputs: int) -> tuple[dict[str, np.ndarray], tuple[str, ...]]:
    """The exported module's state_dict as NumPy arrays (names as ``SimpleNN`` has them), and its
    integer counters; :func:`tuinn.backends.torch.state_dict_bytes` turns them into torch's file."""
    out: dict[str, np.ndarray] = {}
    counters: list[str] = []
    for i, layer in enumerate(exp.model.layers, 1):
        out[f"fc{i}.weight"] = params[f"{i}.W"]
        out[f"fc{i}.bias"] = params[f"{i}.b"]
        if layer.norm != "none":
            out[f"norm{i}.weight"] = params[f"{i}.gamma"]
            out[f"norm{i}.bias"] = params[f"{i}.beta"]
        if layer.norm == "batch":
            out[f"norm{i}.running_mean"] = params[f"{i}.running_mean"]
            out[f"norm{i}.running_var"] = params[f"{i}.running_var"]
            counters.append(f"norm{i}.num_batches_tracked")
    out["mean"] = np.asarray(inputs.get("mean") or [0.0] * n_inputs, dtype=float)
    out["std"] = np.asarray(inputs.get("std") or [1.0] * n_inputs, dtype=float)
    return out, tuple(counters)


def export(run: str, out_dir: str, dtype: str | None = None) -> Path:
    """Write model.py and state_dict.pt for the checkpoint of ``run`` into ``out_dir``."""
    from tuinn.backends import torch_available

    if not torch_available():
        raise TuinnError("export --torch needs PyTorch, which is not installed (pip install 'tuinn[torch]')")
    from tuinn.backends.torch import state_dict_bytes

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
        arrays, counters = state_dict_arrays(exp, saved.state["params"], saved.inputs, n_inputs)
    except KeyError as exc:
        raise CheckpointError(f"{ckpt}: missing parameter {exc} for its spec") from None
    data = state_dict_bytes(arrays, dtype or exp.train.dtype, counters)
    source = module_source(exp, n_inputs, saved.inputs, str(run), dtype or exp.train.dtype)
    checkpoint.atomic_write_text(out / "model.py", source)
    checkpoint.atomic_write_bytes(out / "state_dict.pt", data)
    return out

"""Checkpoints: weights in safetensors (never pickle), the spec and state in its metadata.

A checkpoint is one ``.safetensors`` file. Tensors: ``param/<layer>.<name>`` (W, b,
γ, β, batch-norm running statistics), ``opt/<i>/<buffer>`` (optimizer state) and, with
early stopping, ``best/<layer>.<name>``. Metadata (strings): ``format``, the tuinn
version, the fully resolved experiment spec as JSON, and the training state (epoch,
step count, optimizer step, generator states, early-stopping bookkeeping) as JSON.

Loading never executes anything from the file, and every way a file can be wrong —
missing, not safetensors, not a tuinn checkpoint, a spec that does not match the
weights — is a one-line :class:`~tuinn.errors.CheckpointError`. Writes go to a
temporary file in the same folder and are renamed into place, so a crash never leaves
a half-written checkpoint where a good one was.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tuinn import __version__
from tuinn.errors import CheckpointError

FORMAT = "tuinn-checkpoint-1"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; give the file the mode a plain open() would (0666 − umask).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


@dataclass
class Checkpoint:
    """What a checkpoint file holds."""

    spec: dict[str, Any]
    state: dict[str, Any]
    early: dict[str, Any] | None
    #: How raw data becomes network inputs: feature names, standardisation, classes.
    inputs: dict[str, Any]


def save(
    path: Path, spec: dict[str, Any], state: dict[str, Any], early: dict[str, Any] | None = None, inputs: dict[str, Any] | None = None
) -> None:
    """Write a checkpoint of a :meth:`Trainer.state`, the resolved spec and the input description."""
    from safetensors.numpy import save as st_save

    tensors: dict[str, np.ndarray] = {f"param/{k}": np.ascontiguousarray(v) for k, v in state["params"].items()}
    opt_state = state["optimizer"]
    for i, buffers in enumerate(opt_state["state"]):
        for name, value in buffers.items():
            tensors[f"opt/{i}/{name}"] = np.ascontiguousarray(value)
    early_meta = None
    if early is not None and early.get("best_state") is not None:
        tensors.update({f"best/{k}": np.ascontiguousarray(v) for k, v in early["best_state"]["params"].items()})
        early_meta = {"best": early["best"], "best_epoch": early["best_epoch"], "best_state": _strip(early["best_state"])}
    meta = {
        "epoch": state["epoch"],
        "steps": state["steps"],
        "optimizer_t": opt_state["t"],
        "optimizer_buffers": len(opt_state["state"]),
        "rng": state["rng"],
        "early": early_meta,
    }
    metadata = {
        "format": FORMAT,
        "tuinn_version": __version__,
        "spec": json.dumps(spec),
        "state": json.dumps(meta, default=_json_default),
        "inputs": json.dumps(inputs or {}, default=_json_default),
    }
    atomic_write_bytes(Path(path), st_save(tensors, metadata=metadata))


def _strip(state: dict[str, Any]) -> dict[str, Any]:
    """A state without its arrays (they are stored as tensors)."""
    return {"epoch": state["epoch"], "steps": state["steps"], "optimizer": {"t": state["optimizer"]["t"]}, "rng": state["rng"]}


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    raise TypeError(f"cannot store {type(obj).__name__} in checkpoint metadata")


def load(path: Path) -> Checkpoint:
    """Read and check a checkpoint file."""
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path}: no such checkpoint")
    if path.is_dir():
        raise CheckpointError(f"{path}: is a folder, not a checkpoint file")
    try:
        raw = path.read_bytes()
        tensors = st_load(raw)
        metadata = _metadata(raw)
    except (SafetensorError, ValueError, OSError) as exc:
        raise CheckpointError(f"{path}: not a readable safetensors file ({exc})") from None
    if metadata.get("format") != FORMAT:
        raise CheckpointError(f"{path}: a safetensors file but not a tuinn checkpoint (no '{FORMAT}' metadata)")
    try:
        spec = json.loads(metadata["spec"])
        meta = json.loads(metadata["state"])
        inputs = json.loads(metadata.get("inputs", "{}"))
    except (KeyError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path}: corrupt tuinn metadata ({exc})") from None
    params = {k[len("param/") :]: v for k, v in tensors.items() if k.startswith("param/")}
    buffers: list[dict[str, np.ndarray]] = [{} for _ in range(int(meta.get("optimizer_buffers", 0)))]
    for k, v in tensors.items():
        if k.startswith("opt/"):
            _, i, name = k.split("/", 2)
            buffers[int(i)][name] = v
    optimizer = {"t": meta["optimizer_t"], "state": buffers}
    state = {"epoch": meta["epoch"], "steps": meta["steps"], "params": params, "optimizer": optimizer, "rng": meta["rng"]}
    early = None
    if meta.get("early"):
        e = meta["early"]
        best_state = dict(e["best_state"])
        best_state["params"] = {k[len("best/") :]: v for k, v in tensors.items() if k.startswith("best/")}
        best_state["optimizer"] = {"t": best_state["optimizer"]["t"], "state": buffers}
        early = {"best": e["best"], "best_epoch": e["best_epoch"], "best_state": best_state}
    return Checkpoint(spec, state, early, inputs)


def _metadata(raw: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors buffer (its JSON header)."""
    if len(raw) < 8:
        raise ValueError("file too short")
    n = int.from_bytes(raw[:8], "little")
    if n > len(raw) - 8:
        raise ValueError("header length beyond the end of the file")
    header = json.loads(raw[8 : 8 + n])
    return header.get("__metadata__", {}) or {}

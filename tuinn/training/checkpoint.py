"""Checkpoints: weights in safetensors (never pickle), the spec and state in its metadata.

A checkpoint is one ``.safetensors`` file. Tensors: ``param/<layer>.<name>`` (W, b,
γ, β, batch-norm running statistics), ``opt/<i>/<buffer>`` (optimizer state) and, with
early stopping, ``best/<layer>.<name>``. Metadata (strings): ``format``, the tuinn
version, the fully resolved experiment spec as JSON, and the training state (epoch,
step count, optimizer step, generator states, early-stopping bookkeeping) as JSON.

Loading never executes anything from the file, and every way a file can be wrong —
missing, not safetensors, not a tuinn checkpoint, a spec that does not match the
weights, a crafted or damaged file (a missing metadata key, an optimizer tensor for a
parameter that does not exist, a garbage generator state, NaN or infinite weights) —
is a one-line :class:`~tuinn.errors.CheckpointError` naming the key or tensor, raised
by :func:`load` before anything uses the contents. So ``tuinn eval``, ``export`` and
``train --resume`` never evaluate non-finite weights or crash half-way through a
restore. Writes go to a temporary file in the same folder and are renamed into place,
so a crash never leaves a half-written checkpoint where a good one was.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tuinn import __version__
from tuinn.errors import CheckpointError
from tuinn.training.schedules import state_problem

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
        "schedule": state.get("schedule"),  # the plateau rule's bookkeeping (None: a schedule without state)
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
    return {"epoch": state["epoch"], "steps": state["steps"], "optimizer": {"t": state["optimizer"]["t"]}, "rng": state["rng"],
            "schedule": state.get("schedule")}


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
    _Checker(path).check(spec, meta, inputs, tensors)
    params = {k[len("param/") :]: v for k, v in tensors.items() if k.startswith("param/")}
    buffers: list[dict[str, np.ndarray]] = [{} for _ in range(int(meta.get("optimizer_buffers", 0)))]
    for k, v in tensors.items():
        if k.startswith("opt/"):
            _, i, name = k.split("/", 2)
            buffers[int(i)][name] = v
    optimizer = {"t": meta["optimizer_t"], "state": buffers}
    state = {"epoch": meta["epoch"], "steps": meta["steps"], "params": params, "optimizer": optimizer, "rng": meta["rng"],
             "schedule": meta.get("schedule")}
    early = None
    if meta.get("early"):
        e = meta["early"]
        best_state = dict(e["best_state"])
        best_state["params"] = {k[len("best/") :]: v for k, v in tensors.items() if k.startswith("best/")}
        best_state["optimizer"] = {"t": best_state["optimizer"]["t"], "state": buffers}
        early = {"best": e["best"], "best_epoch": e["best_epoch"], "best_state": best_state}
    return Checkpoint(spec, state, early, inputs)


#: The buffers each optimizer keeps per parameter (tuinn.engine.optimizers); a parameter has all or none.
OPTIMIZER_BUFFERS: dict[str, frozenset[str]] = {
    "sgd": frozenset(),
    "momentum": frozenset({"velocity"}),
    "nesterov": frozenset({"velocity"}),
    "rmsprop": frozenset({"square_avg"}),
    "adagrad": frozenset({"sum"}),
    "adam": frozenset({"exp_avg", "exp_avg_sq"}),
}
#: Bytes of a torch generator state: the CPU Mersenne Twister, the CUDA Philox seed and offset.
TORCH_RNG_BYTES = (5056, 16)


def _kind(value: Any) -> str:
    """What a JSON value is, for a message (``a string``, ``a list``, ``true``)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return {dict: "a table", list: "a list", str: "a string", int: "an integer", float: "a number"}.get(type(value), type(value).__name__)


class _Checker:
    """Every check :func:`load` makes before it trusts a file's contents.

    Why: the metadata and tensor names of a checkpoint are plain text anyone can edit;
    before this, a missing key, an optimizer index past the end or a generator state of
    the wrong shape surfaced as a KeyError, IndexError or OverflowError traceback in the
    middle of a restore, and NaN weights went on to be evaluated. The expected names and
    shapes are derived from the spec stored in the same file, exactly as the engine
    builds them (``tuinn.training.build.build_network``: W, b, then γ, β with a norm, and the
    running statistics with batch norm).
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, problem: str) -> CheckpointError:
        return CheckpointError(f"{self.path}: {problem}")

    # ---------------------------------------------------------------- values
    def whole(self, table: dict[str, Any], key: str, where: str, optional: bool = False) -> int | None:
        """A non-negative integer at ``table[key]`` (None allowed when ``optional``)."""
        if key not in table:
            raise self.fail(f"corrupt tuinn metadata: {where} has no {key!r}")
        value = table[key]
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(f"corrupt tuinn metadata: {where}.{key} must be a whole number ≥ 0, got {_kind(value)} ({value!r})")
        return value

    def table(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"corrupt tuinn metadata: {where} must be a table, got {_kind(value)}")
        return value

    def pcg64(self, state: Any, where: str) -> None:
        """A NumPy PCG64 generator state, as ``bit_generator.state`` gives it."""
        state = self.table(state, where)
        if state.get("bit_generator") != "PCG64":
            raise self.fail(f"corrupt generator state: {where}.bit_generator must be 'PCG64', got {state.get('bit_generator')!r}")
        inner = self.table(state.get("state"), f"{where}.state")
        limits = {("state", "state"): 1 << 128, ("state", "inc"): 1 << 128, ("has_uint32",): 2, ("uinteger",): 1 << 32}
        for keys, limit in limits.items():
            value = inner.get(keys[1]) if len(keys) == 2 else state.get(keys[0])
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < limit:
                raise self.fail(f"corrupt generator state: {where}.{'.'.join(keys)} must be a whole number in 0 … {limit - 1}, got {value!r}")

    def rng(self, rng: Any, where: str) -> None:
        """The generators of a training state: the shuffle stream and the backend's dropout stream."""
        rng = self.table(rng, where)
        for key in ("shuffle", "dropout"):
            if key not in rng:
                raise self.fail(f"corrupt tuinn metadata: {where} has no {key!r}")
        self.pcg64(rng["shuffle"], f"{where}.shuffle")
        dropout = self.table(rng["dropout"], f"{where}.dropout")
        for key, value in dropout.items():
            if key == "numpy":
                self.pcg64(value, f"{where}.dropout.numpy")
            elif key == "torch":
                ok = isinstance(value, list) and len(value) in TORCH_RNG_BYTES and all(
                    isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 256 for v in value)
                if not ok:
                    raise self.fail(f"corrupt generator state: {where}.dropout.torch must be a list of {' or '.join(map(str, TORCH_RNG_BYTES))} "
                                    "bytes (0 … 255)")
            else:
                raise self.fail(f"corrupt generator state: {where}.dropout has an unknown generator {key!r} (numpy or torch)")

    # --------------------------------------------------------------- tensors
    def tensor(self, name: str, value: np.ndarray, shape: tuple[int, ...], what: str) -> None:
        """A float32/float64 tensor of ``shape`` holding only finite numbers."""
        if value.dtype not in (np.float32, np.float64):
            raise self.fail(f"tensor {name} has dtype {value.dtype}; {what} must be float32 or float64")
        if value.shape != shape:
            raise self.fail(f"tensor {name} does not match the spec stored with it: shape {value.shape}, the spec needs {shape}")
        if not np.isfinite(value).all():
            bad = int(np.size(value) - np.isfinite(value).sum())
            raise self.fail(f"tensor {name} holds {bad} NaN or infinite value(s); a checkpoint with non-finite numbers cannot be "
                            "evaluated, exported or resumed")

    def weights(self, prefix: str, found: dict[str, np.ndarray], expected: dict[str, tuple[int, ...]]) -> None:
        """The tensors under ``prefix`` are exactly the spec's parameters, each well-formed."""
        for name in expected:
            if name not in found:
                raise self.fail(f"no tensor {prefix}{name} (the spec stored with it has that parameter)")
        for name, value in found.items():
            if name not in expected:
                raise self.fail(f"unexpected tensor {prefix}{name} (no such parameter in the spec stored with it)")
            self.tensor(prefix + name, value, expected[name], "weights")
            if name.endswith(".running_var") and (value < 0).any():
                raise self.fail(f"tensor {prefix}{name} holds negative variances")

    # ----------------------------------------------------------------- whole
    def check(self, spec: Any, meta: Any, inputs: Any, tensors: dict[str, np.ndarray]) -> None:
        """Raise a CheckpointError for the first thing in the file that is not as :func:`save` writes it.

        The parts are checked in the order a reader of the file meets them: the spec, the
        training state, the input standardisation's table, the tensor names, the weights,
        the optimizer buffers, the early-stopping record, then the standardisation itself.
        """
        exp = self.spec(spec)
        meta = self.state(meta)
        inputs = self.table(inputs, "inputs")
        allowed = OPTIMIZER_BUFFERS[exp.train.optimizer]
        n_buffers = meta["optimizer_buffers"]
        groups, opt = self.sort_tensors(tensors, exp.train.optimizer, allowed, n_buffers)
        params = groups["param/"]
        first = params.get("1.W")
        if first is None or first.ndim != 2:
            raise self.fail("no tensor param/1.W of two dimensions (the first layer's weights)")
        n_inputs = int(first.shape[1])
        expected, learned = _expected_tensors(exp, n_inputs)
        self.weights("param/", params, expected)
        self.optimizer(opt, allowed, n_buffers, expected, learned)
        self.early(meta.get("early"), groups["best/"], expected)
        self.inputs(inputs, n_inputs)

    # ----------------------------------------------------------------- parts
    def spec(self, spec: Any) -> Any:
        """The stored spec, as an Experiment (it must be valid here to rebuild the network)."""
        from tuinn.config.spec import from_dict
        from tuinn.errors import ConfigError

        if not isinstance(spec, dict):
            raise self.fail(f"corrupt tuinn metadata: the stored spec must be a table, got {_kind(spec)}")
        try:
            return from_dict(spec, None)
        except ConfigError as exc:
            raise self.fail(f"its spec is not valid here ({exc})") from None

    def state(self, meta: Any) -> dict[str, Any]:
        """The training state's counters and generators."""
        meta = self.table(meta, "state")
        for key in ("epoch", "steps", "optimizer_t", "optimizer_buffers"):
            self.whole(meta, key, "state")
        if "rng" not in meta:
            raise self.fail("corrupt tuinn metadata: state has no 'rng'")
        self.rng(meta["rng"], "state.rng")
        if (problem := state_problem(meta.get("schedule"))) is not None:
            raise self.fail(f"corrupt tuinn metadata: state.schedule: {problem}")
        return meta

    def sort_tensors(self, tensors: dict[str, np.ndarray], optimizer: str, allowed: Any,
                     n_buffers: int) -> tuple[dict[str, dict[str, np.ndarray]], dict[tuple[int, str], np.ndarray]]:
        """Tensor names: param/<layer>.<name>, best/<layer>.<name>, opt/<index>/<buffer>; anything else is refused."""
        groups: dict[str, dict[str, np.ndarray]] = {"param/": {}, "best/": {}}
        opt: dict[tuple[int, str], np.ndarray] = {}
        for key, value in tensors.items():
            prefix = next((p for p in groups if key.startswith(p)), None)
            if prefix is not None:
                groups[prefix][key[len(prefix) :]] = value
                continue
            opt[self.optimizer_key(key, optimizer, allowed, n_buffers)] = value
        return groups, opt

    def optimizer_key(self, key: str, optimizer: str, allowed: Any, n_buffers: int) -> tuple[int, str]:
        """(index, buffer) of an ``opt/<index>/<buffer>`` tensor name."""
        parts = key.split("/")
        if len(parts) != 3 or parts[0] != "opt":
            raise self.fail(f"unexpected tensor {key!r} (a checkpoint holds param/…, opt/<index>/<buffer> and best/…)")
        if not parts[1].isdigit() or parts[1] != str(int(parts[1])):
            raise self.fail(f"optimizer tensor {key!r}: {parts[1]!r} is not an index")
        index = int(parts[1])
        if index >= n_buffers:
            raise self.fail(f"optimizer tensor {key!r}: index {index} does not exist (state.optimizer_buffers is {n_buffers})")
        if parts[2] not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise self.fail(f"optimizer tensor {key!r}: {optimizer} keeps no buffer {parts[2]!r} (it keeps: {known})")
        return index, parts[2]

    def optimizer(self, opt: dict[tuple[int, str], np.ndarray], allowed: Any, n_buffers: int,
                  expected: dict[str, tuple[int, ...]], learned: list[str]) -> None:
        """One complete set of the optimizer's buffers per learned tensor (or none), each of its tensor's shape."""
        if n_buffers != len(learned):
            raise self.fail(f"corrupt tuinn metadata: state.optimizer_buffers is {n_buffers}, but the spec has {len(learned)} learned tensors")
        for index, name in enumerate(learned):
            have = {b for (i, b) in opt if i == index}
            if have and have != allowed:
                missing = ", ".join(sorted(allowed - have))
                raise self.fail(f"optimizer state of param/{name} (index {index}) lacks {missing}")
        for (index, buffer), value in opt.items():
            self.tensor(f"opt/{index}/{buffer}", value, expected[learned[index]], "optimizer state")

    def early(self, early: Any, best: dict[str, np.ndarray], expected: dict[str, tuple[int, ...]]) -> None:
        """The early-stopping record and its best/… weights: both or neither."""
        if early is None:
            if best:
                raise self.fail(f"unexpected tensor best/{next(iter(best))} (the state has no early-stopping record)")
            return
        early = self.table(early, "state.early")
        value = early.get("best")
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)):
            raise self.fail(f"corrupt tuinn metadata: state.early.best must be a finite number, got {value!r}")
        self.whole(early, "best_epoch", "state.early", optional=True)
        state = self.table(early.get("best_state"), "state.early.best_state")
        for key in ("epoch", "steps"):
            self.whole(state, key, "state.early.best_state")
        self.whole(self.table(state.get("optimizer"), "state.early.best_state.optimizer"), "t", "state.early.best_state.optimizer")
        if "rng" not in state:
            raise self.fail("corrupt tuinn metadata: state.early.best_state has no 'rng'")
        self.rng(state["rng"], "state.early.best_state.rng")
        self.weights("best/", best, expected)

    def inputs(self, inputs: dict[str, Any], n_inputs: int) -> None:
        """The standardisation (one finite mean and positive std per input) and the optional names."""
        for key in ("mean", "std"):
            values = inputs.get(key)
            if values is None:
                continue
            ok = isinstance(values, list) and len(values) == n_inputs and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values)
            if not ok or (key == "std" and any(v <= 0 for v in values)):
                need = "positive numbers" if key == "std" else "finite numbers"
                raise self.fail(f"corrupt tuinn metadata: inputs.{key} must be a list of {n_inputs} {need} (one per input)")
        for key in ("feature_names", "class_names"):
            names = inputs.get(key)
            if names is not None and not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
                raise self.fail(f"corrupt tuinn metadata: inputs.{key} must be a list of strings")


def _expected_tensors(exp: Any, n_inputs: int) -> tuple[dict[str, tuple[int, ...]], list[str]]:
    """Shapes of every parameter the spec's network has, and the learned ones in the optimizer's order.

    The order is the engine's (``Network.parameters``): per layer W, b, then γ, β; batch
    norm's running statistics are stored but not learned.
    """
    shapes: dict[str, tuple[int, ...]] = {}
    learned: list[str] = []
    fan_in = n_inputs
    for i, layer in enumerate(exp.model.layers, 1):
        rows = layer.rows
        names = [("W", (rows, fan_in)), ("b", (rows,))]
        if layer.norm != "none":
            names += [("gamma", (rows,)), ("beta", (rows,))]
        for name, shape in names:
            shapes[f"{i}.{name}"] = shape
            learned.append(f"{i}.{name}")
        if layer.norm == "batch":
            shapes[f"{i}.running_mean"] = shapes[f"{i}.running_var"] = (rows,)
        fan_in = layer.units
    return shapes, learned


def _metadata(raw: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors buffer (its JSON header)."""
    if len(raw) < 8:
        raise ValueError("file too short")
    n = int.from_bytes(raw[:8], "little")
    if n > len(raw) - 8:
        raise ValueError("header length beyond the end of the file")
    header = json.loads(raw[8 : 8 + n])
    return header.get("__metadata__", {}) or {}

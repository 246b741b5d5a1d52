"""The run folder of ``tuinn train``: what is in it, and how each file is written.

A run lives in a folder: ``config.toml`` (the fully resolved spec), ``metrics.jsonl``
(one JSON object per epoch), ``model.safetensors`` (weights and training state),
``results.json`` (the final metrics) and, with k-fold, ``folds.jsonl`` (one line per
finished fold) and ``cv.json``. Every file is written atomically (temporary file +
rename) except the two ``.jsonl`` files, which are appended in complete lines
(``folds.jsonl`` a line per fold at once, ``metrics.jsonl`` buffered: see
:meth:`RunFolder.append_epoch`) and trimmed back on resume.

Why a module of its own: these are the rules that make a run folder safe to kill and
resume (writes inside the signal guard's critical sections, a write error that names
the path, a checkpoint at epoch 0 and 1 and then every ``SAVE_EVERY_S`` seconds), and
they hold whoever drives the training — the ``tuinn train`` printer today, the TUI
later. Nothing here prints.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from tuinn.errors import CheckpointError, TuinnError
from tuinn.training import checkpoint
from tuinn.training.interrupts import SignalGuard
from tuinn.training.trainer import EpochResult

CHECKPOINT = "model.safetensors"
METRICS = "metrics.jsonl"
FOLDS = "folds.jsonl"
SAVE_EVERY_S = 10.0
#: Buffered ``metrics.jsonl`` lines are appended at least this often (and before every checkpoint and at the end).
FLUSH_EVERY_S = 0.5


def json_safe(obj: Any) -> Any:
    """Plain JSON: NaN and ±inf become null (strict parsers reject NaN)."""
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


# ------------------------------------------------------------ write errors
class WriteError(TuinnError):
    """A file of the run could not be written (full disk, read-only folder, …)."""


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an OSError while writing ``path`` into one line naming the path and the OS error."""
    try:
        yield
    except OSError as exc:
        raise WriteError(f"{path}: cannot write ({exc.strerror or exc})") from None


def check_writable(folder: Path) -> None:
    """Refuse a run folder we cannot write to, before anything in it changes."""
    probe = folder / ".tuinn-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise WriteError(f"{folder}: cannot write there ({exc.strerror or exc})") from None


def prepare_out(out: str | None, name: str) -> Path:
    """Create the run folder; refuse one that already holds files (nothing is touched)."""
    path = Path(out) if out else Path("runs") / f"{name}-{datetime.now():%Y%m%d-%H%M%S}"
    if path.exists() and not path.is_dir():
        raise TuinnError(f"--out {path}: exists and is not a folder")
    if path.is_dir() and any(path.iterdir()):
        raise TuinnError(f"--out {path}: already holds files; choose a new folder, or continue it with --resume {path}")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".tuinn-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise TuinnError(f"--out {path}: cannot write there ({exc.strerror or exc})") from None
    return path


def write_config(folder: Path, spec: dict[str, Any]) -> None:
    """``config.toml``: the fully resolved spec, so a run folder always says what it is."""
    import tomli_w

    with writing(folder / "config.toml"):
        checkpoint.atomic_write_text(folder / "config.toml", tomli_w.dumps(spec))


# ----------------------------------------------------------- metrics.jsonl
#: ``json.dumps``'s own encoder but refusing NaN and ±inf (see :func:`metrics_line`).
_FINITE_JSON = json.JSONEncoder(allow_nan=False)


def metrics_line(ep: EpochResult, fold: int | None = None) -> str:
    """The ``metrics.jsonl`` line of one epoch, newline included.

    Most records are plain finite numbers, for which :func:`json_safe` changes nothing: they
    are encoded as they are (the encoder refuses NaN, ±inf and NumPy scalars, which
    then take the :func:`json_safe` way), instead of checking every value first.
    """
    record = ep.to_json()
    if fold is not None:
        record = {"fold": fold, **record}
    try:
        return _FINITE_JSON.encode(record) + "\n"
    except (ValueError, TypeError):
        return json.dumps(json_safe(record)) + "\n"


def append_lines(path: Path, lines: list[str]) -> None:
    """Complete lines appended in one write (a kill tears at most the last, which ``metrics_lines`` drops)."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("".join(lines))


def _record_epoch(line: str) -> int | None:
    """The epoch of one metrics line (-1 for a fold record), or None when it is not a record."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(record, dict):
        return None  # a bare number, string or list is not a record
    epoch = -1 if "fold" in record else record.get("epoch")
    return epoch if isinstance(epoch, int) and not isinstance(epoch, bool) else None


def metrics_lines(path: Path) -> list[tuple[int, str]]:
    """(epoch, line) of every record of ``metrics.jsonl``, checked before ``--resume`` touches anything.

    A line cut short by a kill while it was being written (the last one, without its
    newline) is dropped. Anything else that is not a JSON object with an integer ``epoch``
    (or a ``fold``) is a damaged file: one line naming it, exit 2, nothing changed.
    """
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    lines = text.split("\n")
    lines.pop()  # "" when the file ends with a newline, else a line whose write was cut short
    out: list[tuple[int, str]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        epoch = _record_epoch(line)
        if epoch is None:
            raise CheckpointError(f"{path}: line {number} is not a metrics record ({line[:40]!r}); "
                                  f"repair or delete the line to resume")
        out.append((epoch, line))
    return out


def trim_metrics(path: Path, epoch: int, lines: list[tuple[int, str]] | None = None) -> None:
    """Drop metrics lines of epochs after the checkpoint (they will be run again)."""
    if not path.exists():
        return
    lines = metrics_lines(path) if lines is None else lines
    checkpoint.atomic_write_text(path, "".join(line + "\n" for e, line in lines if e <= epoch))


# ------------------------------------------------------------- folds.jsonl
def read_finished_folds(path: Path, k: int) -> list[dict[str, Any]]:
    """The folds a k-fold phase finished before it stopped (``folds.jsonl``, one line per fold).

    A line cut short by a kill, or anything after a line that does not continue the
    sequence 1, 2, …, is dropped: that fold is trained again.
    """
    done: list[dict[str, Any]] = []
    if not path.exists():
        return done
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path}: cannot read the finished folds ({getattr(exc, 'strerror', None) or exc})") from None
    for line in lines:
        try:
            record = json.loads(line)
            ok = isinstance(record, dict) and record.get("fold") == len(done) + 1 and isinstance(record.get("metrics"), dict)
        except json.JSONDecodeError:
            ok = False
        if not ok or len(done) >= k:
            break
        done.append({m: float("nan") if v is None else float(v) for m, v in record["metrics"].items()})
    return done


def _fold_line(number: int, metrics: dict[str, Any]) -> str:
    return json.dumps(json_safe({"fold": number, "metrics": metrics})) + "\n"


# -------------------------------------------------------------- the folder
class RunFolder:
    """An open run folder: every write of a running ``tuinn train`` goes through here.

    Each write happens inside ``guard.critical()`` (a stop signal waits for it) and
    inside :func:`writing` (an OS error becomes one line naming the file). The folder
    remembers the epoch of its last complete checkpoint, which is what a failure
    message points the user to (:meth:`kept`).
    """

    def __init__(self, path: Path, guard: SignalGuard, saved_epoch: int | None) -> None:
        self.path = path
        self.guard = guard
        self.checkpoint = path / CHECKPOINT
        self.metrics = path / METRICS
        self.folds = path / FOLDS
        self.cv = path / "cv.json"
        self.results = path / "results.json"
        self.saved_epoch = saved_epoch
        self.last_save = time.monotonic()
        self._pending: list[str] = []  # metrics lines not yet appended (see append_epoch)
        self.last_flush = time.monotonic()
        #: The epoch of the last line queued (written or buffered): a stop signal can land
        #: between an epoch's end and its line (see TrainingRun._stop).
        self.last_queued = saved_epoch or 0

    # checkpoints
    def save(self, spec: dict[str, Any], state: dict[str, Any], early: Any, inputs: dict[str, Any]) -> None:
        """Write ``model.safetensors`` (atomically, no signal in between) and note its epoch.

        The buffered metrics lines go first: a checkpoint's epochs always have their lines
        on disk, and a metrics file that cannot be written leaves the previous checkpoint.
        """
        self.flush_metrics()
        with self.guard.critical(), writing(self.checkpoint):
            checkpoint.save(self.checkpoint, spec, state, early, inputs)
        self.saved_epoch = state["epoch"]
        self.last_save = time.monotonic()

    def save_due(self) -> bool:
        """The first finished epoch is saved at once, then at most every SAVE_EVERY_S seconds: a SIGKILL loses at most that much."""
        return self.saved_epoch is None or self.saved_epoch == 0 or time.monotonic() - self.last_save > SAVE_EVERY_S

    def kept(self) -> str:
        """Where the last complete checkpoint is, for a message about a run that stopped."""
        return (f"the last complete checkpoint (epoch {self.saved_epoch}) is {self.checkpoint}" if self.saved_epoch is not None
                else "no checkpoint was written yet")

    # metrics.jsonl
    def append_epoch(self, ep: EpochResult) -> None:
        """Buffer the epoch's line; the buffer is appended every FLUSH_EVERY_S, before each checkpoint and at the end.

        Why buffered: opening, appending and closing the file each epoch cost ~55 µs, a
        tenth of an epoch of the default net. Nothing a resume needs is lost by it: lines
        after the last checkpoint are trimmed on ``--resume`` anyway, and every save
        (the one after a stop signal or a divergence included) appends the buffer first.
        """
        self._pending.append(metrics_line(ep))
        self.last_queued = ep.epoch
        if time.monotonic() - self.last_flush > FLUSH_EVERY_S:
            self.flush_metrics()

    def flush_metrics(self) -> None:
        """Append the buffered lines (one write, inside the signal guard's critical section)."""
        if self._pending:
            with self.guard.critical(), writing(self.metrics):
                append_lines(self.metrics, self._pending)
            self._pending.clear()
        self.last_flush = time.monotonic()

    def trim_metrics(self, epoch: int) -> None:
        self.flush_metrics()
        with writing(self.metrics):
            trim_metrics(self.metrics, epoch)

    # folds.jsonl and cv.json
    def finished_folds(self, k: int) -> list[dict[str, Any]]:
        return read_finished_folds(self.folds, k)

    def rewrite_folds(self, folds: list[dict[str, Any]]) -> None:
        """Keep only the folds read back, dropping a torn last line before appending after it."""
        with self.guard.critical(), writing(self.folds):
            checkpoint.atomic_write_text(self.folds, "".join(_fold_line(i, f) for i, f in enumerate(folds, 1)))

    def append_fold(self, number: int, metrics: dict[str, Any]) -> None:
        with self.guard.critical(), writing(self.folds), open(self.folds, "a", encoding="utf-8") as fh:
            fh.write(_fold_line(number, metrics))

    def write_cv(self, cv: dict[str, Any]) -> None:
        with self.guard.critical(), writing(self.cv):
            checkpoint.atomic_write_text(self.cv, json.dumps(json_safe(cv), indent=2))

    def read_cv(self) -> dict[str, Any] | None:
        """``cv.json`` of a k-fold phase that finished before the run stopped, if there is one."""
        return json.loads(self.cv.read_text(encoding="utf-8")) if self.cv.exists() else None

    def write_results(self, payload: dict[str, Any]) -> None:
        with writing(self.results):
            checkpoint.atomic_write_text(self.results, json.dumps(json_safe(payload), indent=2))


class SilentFolder(RunFolder):
    """The run folder as a process other than rank 0 of a distributed run sees it: it writes nothing.

    Every rank runs the same training loop, so every rank reaches the same writes; only
    rank 0 performs them (one writer, no two processes appending to one file). The
    epoch a save would have recorded is still noted, as rank 0 notes it.
    """

    def save(self, spec: dict[str, Any], state: dict[str, Any], early: Any, inputs: dict[str, Any]) -> None:
        self.saved_epoch = state["epoch"]
        self.last_save = time.monotonic()

    def append_epoch(self, ep: EpochResult) -> None:
        return None

    def flush_metrics(self) -> None:
        return None

    def trim_metrics(self, epoch: int) -> None:
        return None

    def rewrite_folds(self, folds: list[dict[str, Any]]) -> None:
        return None

    def append_fold(self, number: int, metrics: dict[str, Any]) -> None:
        return None

    def write_cv(self, cv: dict[str, Any]) -> None:
        return None

    def write_results(self, payload: dict[str, Any]) -> None:
        return None

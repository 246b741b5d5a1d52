"""Registered real datasets: cards, finding the file, fetching it, checking its content.

Why this module exists: real data makes the point that networks are not only for
toy spirals, but a data file cannot ship with tuinn (licence, size, and the rule that
data files are never committed).  So each dataset has a *card*, a small TOML file in
the package ``tuinn.datasets`` (the repository folder ``datasets/``), that says where
the data comes from, how to cite it, where to download it and what its content must
look like.  The file itself is found in a search path, or downloaded once with
``tuinn data fetch NAME``.

The content is validated, not the bytes: public copies of the same table differ in
formatting (a header line, ``0`` vs ``0.0``, trailing commas), so a copy is accepted
when it has the card's shape, only finite numbers, the card's class counts and the
card's column means (to 1e-3 relative).  ``sha256`` on a card is for information only.

Only the standard library and NumPy are used; ``urllib`` is imported when a download
actually starts, so importing this module stays cheap.
"""

from __future__ import annotations

import difflib
import math
import os
import tempfile
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from tuinn.data.tabular import Table, read_csv, split_target
from tuinn.errors import DataError

__all__ = [
    "Card",
    "cache_dir",
    "card",
    "cards",
    "describe",
    "fetch",
    "load",
    "locate",
    "search_paths",
    "validate",
]

#: Environment variable naming a folder searched before the user cache.
DATA_DIR_ENV = "TUINN_DATA_DIR"
#: Relative tolerance for comparing column means with the card.
MEAN_RTOL = 1e-3
#: A download larger than this is refused: a card's file is small, and a wrong URL
#: (or a hostile server) must not fill the disk.
MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024
_CHUNK = 64 * 1024

_TASKS = ("classification", "regression")


@dataclass
class Card:
    """What tuinn knows about a registered dataset, read from ``datasets/NAME.toml``.

    ``class_counts`` maps class index to count (TOML keys are strings; they are turned
    into ints here).  ``column_means`` is optional: without it only shape and class
    counts are checked.  ``missing_zeros`` names columns where a zero means "not
    measured", which ``describe`` counts so that a learner sees the problem.
    """

    name: str
    title: str
    description: str
    source: str
    citation: str
    url: str
    filename: str
    sha256: str
    task: str
    header: bool
    columns: list[str]
    target: str
    rows: int
    class_counts: dict[int, int]
    column_means: list[float] | None
    missing_zeros: list[str]
    class_names: list[str]


# ---------------------------------------------------------------------------
# reading cards


def _card_folder() -> Any:
    """The folder holding the cards: the ``tuinn.datasets`` package, or the source tree.

    An installed tuinn maps the repository folder ``datasets/`` to the package
    ``tuinn.datasets``; a checkout used without installing has no such package, so the
    folder is then found next to the ``tuinn`` package.
    """
    try:
        return resources.files("tuinn.datasets")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "datasets"


def _fail(source: str, key: str, problem: str) -> DataError:
    return DataError(f"dataset card {source}: {key}: {problem}")


def _get(raw: dict[str, Any], source: str, key: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
    """``raw[key]`` checked against ``kind`` (bools are not ints), or a ``DataError``."""
    if key not in raw:
        if required:
            raise _fail(source, key, "missing")
        return None
    value = raw[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise _fail(source, key, f"expected {' or '.join(k.__name__ for k in kinds)}, got {value!r}")
    if not isinstance(value, kinds):
        raise _fail(source, key, f"expected {' or '.join(k.__name__ for k in kinds)}, got {value!r}")
    return value


def _str_list(raw: dict[str, Any], source: str, key: str, required: bool = True) -> list[str] | None:
    value = _get(raw, source, key, list, required)
    if value is not None and not all(isinstance(item, str) for item in value):
        raise _fail(source, key, "expected a list of strings")
    return value


def _class_counts(raw: dict[str, Any], source: str, task: str, rows: int) -> dict[int, int]:
    """``class_counts`` (required for classification): whole-number keys, counts adding up to ``rows``."""
    counts_raw = _get(raw, source, "class_counts", dict, required=task == "classification") or {}
    class_counts: dict[int, int] = {}
    for key, count in counts_raw.items():
        try:
            label = int(key)
        except ValueError:
            raise _fail(source, f"class_counts.{key}", "class keys must be whole numbers") from None
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise _fail(source, f"class_counts.{key}", f"expected a count, got {count!r}")
        class_counts[label] = count
    if class_counts and sum(class_counts.values()) != rows:
        raise _fail(source, "class_counts", f"add up to {sum(class_counts.values())}, but rows = {rows}")
    return class_counts


def _parse_card(text: str, source: str) -> Card:
    """A ``Card`` from TOML text, every field checked.

    Cards ship with tuinn, so a bad one is a tuinn bug; still, a clear message naming
    the card and key is cheaper to act on than a ``KeyError`` deep in ``load``.
    Unknown keys are refused so that a misspelt key cannot be silently ignored.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"dataset card {source}: invalid TOML: {exc}") from None
    known = {f.name for f in fields(Card)}
    unknown = sorted(set(raw) - known)
    if unknown:
        hint = difflib.get_close_matches(unknown[0], sorted(known), n=1)
        did = f"did you mean {hint[0]!r}?" if hint else f"known: {', '.join(sorted(known))}"
        raise _fail(source, unknown[0], f"unknown key ({did})")  # worded as in experiment files

    text_keys = ("name", "title", "description", "source", "citation", "url", "filename", "sha256", "task", "target")
    text_fields = {k: _get(raw, source, k, str) for k in text_keys}
    if text_fields["task"] not in _TASKS:
        raise _fail(source, "task", f"must be one of {', '.join(_TASKS)}, got {text_fields['task']!r}")
    columns = _str_list(raw, source, "columns")
    assert columns is not None
    if len(set(columns)) != len(columns) or len(columns) < 2:
        raise _fail(source, "columns", "needs at least two distinct names")
    if text_fields["target"] not in columns:
        raise _fail(source, "target", f"{text_fields['target']!r} is not one of the columns")
    rows = _get(raw, source, "rows", int)
    if rows < 1:
        raise _fail(source, "rows", f"must be at least 1, got {rows}")

    class_counts = _class_counts(raw, source, text_fields["task"], rows)

    means = _get(raw, source, "column_means", list, required=False)
    if means is not None:
        if len(means) != len(columns) or not all(isinstance(m, (int, float)) and not isinstance(m, bool) for m in means):
            raise _fail(source, "column_means", f"expected {len(columns)} numbers, one per column")
        means = [float(m) for m in means]
    missing = _str_list(raw, source, "missing_zeros", required=False) or []
    for name in missing:
        if name not in columns:
            raise _fail(source, "missing_zeros", f"{name!r} is not one of the columns")
    class_names = _str_list(raw, source, "class_names", required=False) or []
    if class_names and class_counts and len(class_names) != len(class_counts):
        raise _fail(source, "class_names", f"has {len(class_names)} names for {len(class_counts)} classes")

    return Card(
        **text_fields,
        header=_get(raw, source, "header", bool),
        columns=columns,
        rows=rows,
        class_counts=class_counts,
        column_means=means,
        missing_zeros=missing,
        class_names=class_names,
    )


def cards() -> dict[str, Card]:
    """Every registered dataset, by name, in alphabetical order.

    The card's ``name`` must match its file name, so that ``tuinn data fetch NAME``
    and the file a maintainer edits cannot disagree.
    """
    folder = _card_folder()
    found: dict[str, Card] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        source = f"datasets/{entry.name}"
        parsed = _parse_card(entry.read_text(encoding="utf-8"), source)
        if parsed.name != entry.name[: -len(".toml")]:
            raise _fail(source, "name", f"{parsed.name!r} does not match the file name")
        found[parsed.name] = parsed
    return found


def card(name: str) -> Card:
    """The card of dataset ``name``; ``DataError`` listing the known names otherwise."""
    known = cards()
    if name not in known:
        raise DataError(f"unknown dataset {name!r}; registered datasets: {', '.join(known) or '(none)'}")
    return known[name]


# ---------------------------------------------------------------------------
# finding the file


def cache_dir() -> Path:
    """The user cache folder for data files: ``$XDG_CACHE_HOME/tuinn/datasets``.

    Falls back to ``~/.cache/tuinn/datasets``.  The XDG spec says a relative
    ``XDG_CACHE_HOME`` is invalid and must be ignored, so it is.
    """
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "tuinn" / "datasets"


def search_paths() -> list[Path]:
    """Folders searched for a dataset file, in order: ``$TUINN_DATA_DIR`` (when set), then the cache.

    ``TUINN_DATA_DIR`` comes first so that CI, a classroom share or a test can point
    at a prepared copy without touching the user's cache.
    """
    paths: list[Path] = []
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    if env:
        paths.append(Path(env).expanduser())
    paths.append(cache_dir())
    return paths


def locate(name: str) -> Path:
    """The first existing copy of dataset ``name``'s file in :func:`search_paths`.

    When there is none, the ``DataError`` says exactly how to get one: the command,
    or where to put the file and where to download it from.
    """
    c = card(name)
    paths = search_paths()
    for folder in paths:
        candidate = folder / c.filename
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(p) for p in paths)
    raise DataError(
        f"dataset {name!r}: {c.filename} not found (looked in {looked}); run `tuinn data fetch {name}`, "
        f"or download {c.url} and place it as {c.filename} in ${DATA_DIR_ENV} or {cache_dir()}"
    )


# ---------------------------------------------------------------------------
# checking and loading


def validate(card: Card, table: Table) -> None:
    """Check that ``table`` holds the dataset described by ``card``; ``DataError`` if not.

    Compared: the shape (rows x columns), that the target holds only the card's class
    labels, the class counts, and each column mean to ``MEAN_RTOL`` relative.  Every
    cell being a finite number is already guaranteed by ``read_csv``.  Bytes and
    header names are deliberately *not* compared: other copies of the same data
    differ in formatting and in what they call the columns.
    """
    where = f"{table.path}: not the {card.name!r} dataset:"
    n_rows, n_cols = table.data.shape
    if n_cols != len(card.columns):
        raise DataError(f"{where} {n_cols} columns, expected {len(card.columns)} ({', '.join(card.columns)})")
    if n_rows != card.rows:
        raise DataError(f"{where} {n_rows} data rows, expected {card.rows}")
    target = card.columns.index(card.target)
    if card.task == "classification":
        y = table.data[:, target]
        bad = np.flatnonzero((y != np.round(y)) | ~np.isin(y, list(card.class_counts)))
        if bad.size:
            i = int(bad[0])
            line = table.lines[i] if i < len(table.lines) else i + 1
            labels = ", ".join(str(k) for k in sorted(card.class_counts))
            raise DataError(f"{where} row {line}, column {card.target!r}: {y[i]:g} is not one of the classes {labels}")
        counts = Counter(int(v) for v in y)
        if dict(sorted(counts.items())) != dict(sorted(card.class_counts.items())):
            got = ", ".join(f"{k}: {counts.get(k, 0)}" for k in sorted(card.class_counts))
            want = ", ".join(f"{k}: {v}" for k, v in sorted(card.class_counts.items()))
            raise DataError(f"{where} class counts {{{got}}}, expected {{{want}}}")
    if card.column_means is not None:
        means = table.data.mean(axis=0)
        for column, got, want in zip(card.columns, means, card.column_means, strict=True):
            if not math.isclose(float(got), want, rel_tol=MEAN_RTOL, abs_tol=1e-12):
                raise DataError(f"{where} column {column!r} has mean {float(got):.6g}, expected {want:g}")


def _read_valid(name: str) -> tuple[Card, Table]:
    c = card(name)
    table = read_csv(locate(name))
    validate(c, table)
    return c, table


def load(name: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(x, y, feature_names)`` for registered dataset ``name``, validated against its card.

    ``x`` is float64 ``(rows, features)``; ``y`` is int64 class indices for a
    classification card, float64 for regression.  Feature names come from the card
    (snake_case), not from whatever header a copy happens to have.
    """
    c, table = _read_valid(name)
    x, y, _, _ = split_target(table, c.columns.index(c.target))
    features = [col for col in c.columns if col != c.target]
    if c.task == "classification":
        return x, y.astype(np.int64), features
    return x, y, features


# ---------------------------------------------------------------------------
# downloading


def _reason(exc: BaseException) -> str:
    """A short human reason for a network failure, without the class-name noise."""
    import urllib.error

    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


def fetch(name: str, progress: Callable[[int, int | None], None] | None = None, timeout: float = 30) -> Path:
    """Download dataset ``name`` into the cache folder, check it, and return its path.

    The download goes to a hidden temporary file in the cache folder and is renamed
    into place with ``os.replace`` only after ``read_csv`` and :func:`validate` accept
    it, so the cache never holds a partial or wrong file, even when interrupted.
    ``progress(bytes_so_far, total_or_None)`` is called after each chunk (``total`` is
    None when the server does not say).  An existing file is replaced: fetching is an
    explicit request.

    Raises ``DataError`` with one line when the download fails (saying where to place
    the file by hand instead), when it is larger than ``MAX_DOWNLOAD_BYTES``, or when
    its content is not the card's dataset.
    """
    import http.client
    import urllib.error
    import urllib.request

    c = card(name)
    folder = cache_dir()
    manual = f"place {c.filename} in {folder} (or set {DATA_DIR_ENV})"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(prefix=f".{c.filename}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise DataError(f"cannot write to {folder}: {exc.strerror or exc}; {manual}") from None
    tmp = Path(tmp_name)
    dest = folder / c.filename
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                with urllib.request.urlopen(c.url, timeout=timeout) as response:
                    length = response.headers.get("Content-Length") if getattr(response, "headers", None) else None
                    total = int(length) if length and str(length).isdigit() else None
                    done = 0
                    if progress is not None:
                        progress(done, total)
                    while chunk := response.read(_CHUNK):
                        done += len(chunk)
                        if done > MAX_DOWNLOAD_BYTES:
                            raise DataError(f"could not download {name} from {c.url}: larger than {MAX_DOWNLOAD_BYTES} bytes; {manual}")
                        out.write(chunk)
                        if progress is not None:
                            progress(done, total)
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
                raise DataError(f"could not download {name} from {c.url}: {_reason(exc)}; {manual}") from None
            if total is not None and done != total:
                raise DataError(f"could not download {name} from {c.url}: got {done} of {total} bytes; {manual}")
        try:
            validate(c, read_csv(tmp))
        except DataError as exc:
            raise DataError(f"downloaded {name} from {c.url}, but the content is wrong: {exc}") from None
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a data file is not a secret
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


# ---------------------------------------------------------------------------
# summarising


def describe(name_or_table: str | Table, card: Card | None = None) -> dict[str, Any]:
    """Summary numbers for ``tuinn data show``: what a learner should look at first.

    Accepts a registered name (the file is located and validated, and the card
    supplies column names, target and missing-looking zero columns) or a ``Table``
    (optionally with a ``card``; without one the last column is the target and no
    column is flagged for zeros).  Returns a dict with ``name``, ``path``, ``rows``,
    ``columns`` (a count), ``column_names``, ``target``, ``class_counts`` (``{class:
    count}``, or None when the target is not whole numbers), ``stats`` (per column
    ``mean``, ``std`` (population), ``min``, ``max``) and ``missing_zeros`` (per flagged
    column, how many cells are exactly 0, since those are really unmeasured values).
    """
    if isinstance(name_or_table, str):
        card, table = _read_valid(name_or_table)
    else:
        table = name_or_table
    data = table.data
    if card is not None:
        if data.shape[1] != len(card.columns):
            raise DataError(f"{table.path}: {data.shape[1]} columns, but card {card.name!r} has {len(card.columns)}")
        names, target, flagged = list(card.columns), card.target, card.missing_zeros
    else:
        names, target, flagged = list(table.columns), table.columns[-1], []
    y = data[:, names.index(target)]
    class_counts = None
    if y.size and np.all(y == np.round(y)):
        class_counts = {int(k): int(v) for k, v in sorted(Counter(int(v) for v in y).items())}
    stats = {
        col: {
            "mean": float(data[:, j].mean()),
            "std": float(data[:, j].std()),
            "min": float(data[:, j].min()),
            "max": float(data[:, j].max()),
        }
        for j, col in enumerate(names)
    }
    return {
        "name": card.name if card is not None else Path(table.path).name,
        "path": table.path,
        "rows": int(data.shape[0]),
        "columns": int(data.shape[1]),
        "column_names": names,
        "target": target,
        "class_counts": class_counts,
        "stats": stats,
        "missing_zeros": {col: int(np.count_nonzero(data[:, names.index(col)] == 0)) for col in flagged},
    }

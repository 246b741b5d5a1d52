"""Reading a numeric CSV file with every cell checked.

Why this module exists: a learner who points tuinn at a CSV file should get either a
clean float matrix or *one* line saying exactly what is wrong and where (file, line,
column), never a NumPy traceback or, worse, a silently wrong matrix.  Public copies of
the same table differ in small ways (a header line or not, ``0`` vs ``0.0``, a
trailing comma on every line, ``;`` or tab instead of ``,``), so those are accepted;
anything that changes the *content* (a ragged row, a word where a number belongs,
NaN, infinity) is an error.

Only the standard library and NumPy are used, so the data layer imports and tests on
its own (no pandas, no textual, no torch).

Row numbers in messages are 1-based line numbers of the file, as an editor shows
them, so blank lines that are skipped still count.

Two readers give the same result.  The careful one (``_read_careful``) splits and
checks every cell in Python and writes the messages; a 100 MB file costs it tens of
seconds and more than ten times its size in memory.  The fast one (``_read_fast``) hands the data lines of a plain
numeric file to ``numpy.loadtxt`` (C) after a vectorised check that they hold nothing
the careful reader could treat differently; both convert a cell with CPython's
``PyOS_string_to_double``, so the numbers are bit for bit the same.  Whatever the fast
reader does not take, or fails on, goes to the careful one, which then reports it.
"""

from __future__ import annotations

import csv
import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from typing import BinaryIO

import numpy as np

from tuinn.errors import DataError

__all__ = ["Table", "read_csv", "split_target"]

#: Delimiters tried, in order of preference when several fit equally well.
_DELIMITERS = (",", ";", "\t")
#: How many leading non-blank lines are looked at to choose the delimiter.
_SNIFF_LINES = 5

#: The fast reader: bytes the data lines may hold besides the delimiter (digits,
#: ``.``, exponent, signs, blanks, line ends: no letters, so no NaN or infinity, no
#: quotes, no ``_``), the size of the first read and of the chunks checked.
_FAST_BYTES = b"0123456789.eE+- \t\r\n"
_FAST_HEAD = 1 << 16
_FAST_CHUNK = 1 << 20
_BOM = b"\xef\xbb\xbf"
_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass
class Table:
    """A CSV file read into numbers, plus what is needed to talk about it.

    ``columns`` are the header names, or ``col1`` .. ``colN`` when the file has no
    header, so that messages and feature names can always name a column.  ``lines``
    holds the file line number of each data row, so that later checks (a class label
    that is not a whole number, say) can still point at the right line.
    """

    path: str
    columns: list[str]
    data: np.ndarray  # float64 (rows, columns)
    has_header: bool
    lines: list[int] = field(default_factory=list)


# ---------------------------------------------------------------------------
# helpers


def _read_text(path: Path) -> str:
    """The file's text, or a one-line ``DataError`` saying why it cannot be had.

    A UTF-8 byte-order mark (Excel writes one) is dropped rather than treated as part
    of the first cell.
    """
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a CSV file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line})") from None


def _split_lines(text: str) -> list[tuple[int, str]]:
    """Non-blank lines with their 1-based line numbers.

    Only ``\\n``, ``\\r\\n`` and ``\\r`` end a line (``str.splitlines`` would also split
    on form feeds and Unicode separators and so disagree with an editor's count).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [(number, line) for number, line in enumerate(text.split("\n"), start=1) if line.strip()]


def _choose_delimiter(lines: list[str]) -> str:
    """Comma unless the first lines clearly use ``;`` or tab instead.

    A delimiter "fits" when it occurs the same, non-zero number of times on each of
    the first few lines; among those that fit, the one giving the most fields wins and
    ties go to the comma.  When nothing fits (a ragged file) the first delimiter that
    occurs at all on the first line is used, so the ragged-row error names the right
    row.  A file with no delimiter at all is a single column.
    """
    sample = lines[:_SNIFF_LINES]
    best, best_count = None, 0
    for delimiter in _DELIMITERS:
        counts = {line.count(delimiter) for line in sample}
        if len(counts) == 1:
            count = counts.pop()
            if count > best_count:
                best, best_count = delimiter, count
    if best is not None:
        return best
    for delimiter in _DELIMITERS:
        if delimiter in sample[0]:
            return delimiter
    return ","


def _number(cell: str) -> float | None:
    """``float(cell)``, or None when the cell is not a number.

    NaN and infinity count as numbers here (so that header detection is not fooled);
    they are rejected later with their own message.  Underscores, which ``float``
    accepts as digit separators, are not a CSV convention and are refused.
    """
    if not cell or "_" in cell:
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def _strip_trailing_empty(rows: list[list[str]]) -> None:
    """Drop the empty last field left by a comma at the end of every line, in place.

    Some public copies of the Pima data end each line with a comma.  The data rows
    decide: only when *every* line after the first ends with an empty field is it
    dropped.  The first line loses its empty last field too, or is left alone when it
    is a header written without the trailing comma (one field shorter than the data).
    """
    first, rest = rows[0], rows[1:]
    if not rest:
        if len(first) > 1 and first[-1] == "":
            first.pop()
        return
    if not all(len(row) > 1 and row[-1] == "" for row in rest):
        return
    if len(first) > 1 and first[-1] == "":
        first.pop()
    elif len(first) != len(rest[0]) - 1:
        return  # not a trailing comma pattern; let the ragged-row check report it
    for row in rest:
        row.pop()


def _is_header(rows: list[list[str]]) -> bool:
    """Whether the first row names the columns.

    It does when one of its cells is not a number while the second row is all
    numbers.  When the second row is not all numbers either, the first row still
    counts as a header if *none* of its cells is a number: then the problem is
    in the data, and the error should point at the bad data cell with its column
    name rather than call the header a bad row.
    """
    first_numbers = [_number(cell) is not None for cell in rows[0]]
    if all(first_numbers):
        return False
    if not any(first_numbers):
        return True
    return len(rows) > 1 and all(_number(cell) is not None for cell in rows[1])


def _header_names(path: Path, number: int, cells: list[str]) -> list[str]:
    """Header cells as column names: an empty name becomes ``colJ``; duplicates are refused.

    Duplicates are an error because a target chosen by name would be ambiguous.
    """
    names = [cell or f"col{j}" for j, cell in enumerate(cells, start=1)]
    seen: dict[str, int] = {}
    for j, name in enumerate(names, start=1):
        if name in seen:
            raise DataError(f"{path}: row {number}: column name {name!r} appears twice (columns {seen[name]} and {j})")
        seen[name] = j
    return names


# ---------------------------------------------------------------------------
# public API


def _head_lines(handle: BinaryIO) -> list[tuple[int, str, int]]:
    """The first ``_SNIFF_LINES`` non-blank lines: (line number, text, byte offset of its start).

    Lines end as in ``_split_lines``; only whole lines are returned (a line cut by the
    end of the bytes read is read again with more).  Text that is not UTF-8 raises.
    """
    size = _FAST_HEAD
    while True:
        handle.seek(0)
        prefix = handle.read(size)
        at_eof = len(prefix) < size
        limit = len(prefix) if at_eof else prefix.rfind(b"\n") + 1
        pos = len(_BOM) if prefix.startswith(_BOM) else 0
        lines: list[tuple[int, str, int]] = []
        ends: Iterable[tuple[int, int]] = ((match.start(), match.end()) for match in _LINE_END.finditer(prefix, pos, limit))
        if at_eof:
            ends = itertools.chain(ends, [(limit, limit)])  # the last line, blank if the text ends with a line end
        for number, (start, end) in enumerate(ends, start=1):
            text = prefix[pos:start].decode("utf-8")
            if text.strip():
                lines.append((number, text, pos))
                if len(lines) == _SNIFF_LINES:
                    return lines
            pos = end
        if at_eof:
            return lines
        size *= 4


def _scan_numeric(handle: BinaryIO, offset: int, allowed: bytes) -> int | None:
    """Line breaks from ``offset`` to the file's last non-blank byte, or None.

    None when a byte outside ``allowed`` occurs (anything but plain numbers and the
    delimiter) or when nothing but blanks follows ``offset``.  Read in chunks, so that
    the check costs no more memory than a chunk.
    """

    def count(chunk: bytes, start: int, end: int) -> int:
        found = chunk.count(b"\n", start, end)
        if chunk.find(b"\r", start, end) >= 0:
            found += chunk.count(b"\r", start, end) - chunk.count(b"\r\n", start, end)
        return found

    handle.seek(offset)
    breaks = 0
    breaks_to_last = None
    while chunk := handle.read(_FAST_CHUNK):
        while chunk.endswith(b"\r") and (more := handle.read(1)):
            chunk += more  # keep a CRLF in one chunk
        if chunk.translate(None, allowed):
            return None
        kept = len(chunk.rstrip(b" \t\r\n"))  # up to the chunk's last non-blank byte
        before = count(chunk, 0, kept)
        if kept:
            breaks_to_last = breaks + before
        breaks += before + count(chunk, kept, len(chunk))
    return breaks_to_last


def _read_fast(path: Path) -> Table | None:
    """The table as ``_read_careful`` would return it, or None where the careful reader must look.

    Header, names and delimiter are found by the careful reader's own helpers on the
    first lines.  The rest must hold only plain numbers, the delimiter and blanks, one
    data row on every line (no blank line between rows, so that the line numbers are
    the rows' numbers; after the last row only empty lines) and no trailing empty
    field; ``numpy.loadtxt`` then reads it.  Its rows must be exactly one per line,
    ``width`` wide and finite.  Anything else, an exception included, gives None: the
    careful reader then reports the problem, or reads what this one does not take
    (trailing commas, quoted numbers, blank lines between rows).
    """
    try:
        if path.suffix.lower() in (".gz", ".bz2", ".xz", ".lzma", ".zip") or not path.is_file():
            return None  # loadtxt would decompress these; the careful reader says why not
        with path.open("rb") as handle:
            head = _head_lines(handle)
            if len(head) < 2:
                return None
            delimiter = _choose_delimiter([text for _, text, _ in head])
            rows = [[cell.strip() for cell in next(csv.reader([text], delimiter=delimiter, skipinitialspace=True))] for _, text, _ in head]
            if any(row[-1] == "" for row in rows[1:]):
                return None  # a trailing comma, or an empty cell: the careful reader decides
            has_header = _is_header(rows)
            width = len(rows[0])
            if has_header:
                if any(len(text.splitlines()) != 1 for _, text, _ in head[:1]):
                    return None  # a character in the header that a reader might take for a line end
                columns = _header_names(path, head[0][0], rows[0])
                first, _, offset = head[1]
            else:
                columns = [f"col{j}" for j in range(1, width + 1)]
                first, _, offset = head[0]
            breaks = _scan_numeric(handle, offset, _FAST_BYTES + delimiter.encode("ascii"))
        if breaks is None:
            return None
        data = np.loadtxt(
            path,
            dtype=np.float64,
            delimiter=delimiter,
            comments=None,
            skiprows=first - 1,
            encoding="utf-8-sig",
            ndmin=2,
        )
        if data.shape != (breaks + 1, width):
            return None
        for start in range(0, len(data), 1 << 16):
            if not np.isfinite(data[start : start + (1 << 16)]).all():
                return None
    except Exception:  # the careful reader reports whatever this was
        return None
    lines = list(range(first, first + len(data)))
    return Table(path=str(path), columns=columns, data=data, has_header=has_header, lines=lines)


def read_csv(path: str | Path) -> Table:
    """Read a numeric CSV file into a float64 matrix, checking every cell.

    The delimiter is a comma, or ``;`` / tab when the file clearly uses one of those.
    The first row is taken as a header when it holds a cell that is not a number and
    the second row is all numbers.  Whitespace around cells and blank lines are
    ignored; an empty last field on every line (a trailing comma) is dropped.

    Raises ``DataError`` with one line naming the file and the exact place for: a
    missing file, a directory, text that is not UTF-8, an empty file, a header with no
    rows under it, a row with the wrong number of fields, a cell that is not a number,
    and NaN or infinity.

    A plain numeric file is read by the vectorised ``_read_fast``; any other, and any
    file it fails on, by ``_read_careful``, which gives the same table or the message.
    """
    path = Path(path)
    table = _read_fast(path)
    return table if table is not None else _read_careful(path)


def _read_careful(path: Path) -> Table:
    """``read_csv`` cell by cell in Python: slow, but every problem gets its message."""
    numbered = _split_lines(_read_text(path))
    if not numbered:
        raise DataError(f"{path}: file is empty")
    numbers = [number for number, _ in numbered]
    delimiter = _choose_delimiter([line for _, line in numbered])
    rows: list[list[str]] = []
    for number, line in numbered:
        try:
            fields = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))
        except csv.Error as exc:
            raise DataError(f"{path}: row {number}: cannot split into fields ({exc})") from None
        rows.append([cell.strip() for cell in fields])
    _strip_trailing_empty(rows)

    has_header = _is_header(rows)
    width = len(rows[0])
    if has_header:
        columns = _header_names(path, numbers[0], rows[0])
        rows, numbers = rows[1:], numbers[1:]
        if not rows:
            raise DataError(f"{path}: has a header row but no data rows")
    else:
        columns = [f"col{j}" for j in range(1, width + 1)]

    data = np.empty((len(rows), width), dtype=np.float64)
    for i, (number, row) in enumerate(zip(numbers, rows, strict=True)):
        if len(row) != width:
            raise DataError(f"{path}: row {number} has {len(row)} fields, expected {width}")
        for j, cell in enumerate(row):
            value = _number(cell)
            if value is None:
                problem = "is empty" if cell == "" else f"{cell!r} is not a number"
                raise DataError(f"{path}: row {number}, column {columns[j]!r}: {problem}")
            if not math.isfinite(value):
                raise DataError(f"{path}: row {number}, column {columns[j]!r}: {cell!r} is not finite")
            data[i, j] = value
    return Table(path=str(path), columns=columns, data=data, has_header=has_header, lines=numbers)


def split_target(table: Table, target: str | int | None) -> tuple[np.ndarray, np.ndarray, list[str], str]:
    """Separate the target column from the features.

    ``target`` is a column name, a 0-based index (negative counts from the end, so
    ``-1`` is the last column), or None for the last column, the usual place for a
    label.  Returns ``(x, y, feature_names, target_name)`` with ``x`` float64
    ``(rows, columns - 1)`` and ``y`` float64 ``(rows,)``; turning ``y`` into class
    indices is left to the caller, who knows the task.
    """
    n_columns = len(table.columns)
    if target is None:
        index = n_columns - 1
    elif isinstance(target, str):
        if target not in table.columns:
            raise DataError(f"{table.path}: no column named {target!r}; columns: {', '.join(table.columns)}")
        index = table.columns.index(target)
    elif isinstance(target, Integral) and not isinstance(target, (bool, np.bool_)):
        if not -n_columns <= int(target) < n_columns:
            raise DataError(
                f"{table.path}: target column index {int(target)} is out of range for {n_columns} columns "
                f"(use 0..{n_columns - 1} or -{n_columns}..-1)"
            )
        index = int(target) % n_columns
    else:
        raise DataError(f"{table.path}: target must be a column name or index, got {target!r}")
    if n_columns < 2:
        raise DataError(f"{table.path}: needs at least one feature column besides the target {table.columns[index]!r}")
    keep = [j for j in range(n_columns) if j != index]
    x = np.ascontiguousarray(table.data[:, keep])
    y = np.ascontiguousarray(table.data[:, index])
    return x, y, [table.columns[j] for j in keep], table.columns[index]

"""Tests for tuinn.data.tabular: formats a CSV may come in, and one-line errors that point at the cell."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from tuinn.data import tabular
from tuinn.data.tabular import Table, read_csv, split_target
from tuinn.errors import DataError


def write(tmp_path: Path, text: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def error_for(path: Path) -> str:
    with pytest.raises(DataError) as info:
        read_csv(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


# --- formats that are accepted ----------------------------------------------------------


def test_no_header_gets_col_names_and_float_matrix(tmp_path: Path) -> None:
    table = read_csv(write(tmp_path, "1,2,3\n4,5,6\n"))
    assert isinstance(table, Table)
    assert not table.has_header
    assert table.columns == ["col1", "col2", "col3"]
    assert table.data.dtype == np.float64
    np.testing.assert_array_equal(table.data, [[1, 2, 3], [4, 5, 6]])
    assert table.lines == [1, 2]
    assert table.path == str(tmp_path / "data.csv")


def test_header_detected_and_names_kept(tmp_path: Path) -> None:
    table = read_csv(write(tmp_path, "a,b,label\n1,2,0\n3,4,1\n"))
    assert table.has_header
    assert table.columns == ["a", "b", "label"]
    np.testing.assert_array_equal(table.data, [[1, 2, 0], [3, 4, 1]])
    assert table.lines == [2, 3]


def test_quoted_header_and_bom(tmp_path: Path) -> None:
    table = read_csv(write(tmp_path, '\ufeff"x one","y"\n1,2\n'))
    assert table.columns == ["x one", "y"]


def test_trailing_commas_on_every_row_are_dropped(tmp_path: Path) -> None:
    table = read_csv(write(tmp_path, "1,2,3,\n4,5,6,\n"))
    assert table.columns == ["col1", "col2", "col3"]
    np.testing.assert_array_equal(table.data, [[1, 2, 3], [4, 5, 6]])


def test_trailing_commas_with_header_with_or_without_its_own(tmp_path: Path) -> None:
    for header in ("a,b,c,", "a,b,c"):
        table = read_csv(write(tmp_path, f"{header}\n1,2,3,\n4,5,6,\n"))
        assert table.columns == ["a", "b", "c"]
        assert table.data.shape == (2, 3)


def test_semicolon_delimiter(tmp_path: Path) -> None:
    table = read_csv(write(tmp_path, "a;b\n1.5;2\n3;4e1\n"))
    assert table.columns == ["a", "b"]
    np.testing.assert_array_equal(table.data, [[1.5, 2], [3, 40]])


def test_tab_delimiter(tmp_path: Path) -> None:
    table = read_csv(write(tmp_path, "1\t2\n3\t4\n"))
    np.testing.assert_array_equal(table.data, [[1, 2], [3, 4]])


def test_whitespace_blank_lines_crlf_and_zero_formats(tmp_path: Path) -> None:
    text = "  a , b \r\n\r\n 0 , 0.0 \r\n   \r\n-1.25,  +3\r\n\r\n"
    table = read_csv(write(tmp_path, text))
    assert table.columns == ["a", "b"]
    np.testing.assert_array_equal(table.data, [[0, 0], [-1.25, 3]])
    assert table.lines == [3, 5]


def test_single_column(tmp_path: Path) -> None:
    table = read_csv(write(tmp_path, "v\n1\n2\n"))
    assert table.columns == ["v"]
    assert table.data.shape == (2, 1)


# --- errors: one line, file name and place ---------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in error_for(tmp_path / "absent.csv")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert "directory" in error_for(folder)


def test_not_utf8(tmp_path: Path) -> None:
    message = error_for(write(tmp_path, b"a,b\n1,2\n\xff\xfe,3\n"))
    assert "not UTF-8" in message and "line 3" in message


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    assert "empty" in error_for(write(tmp_path, text))


def test_header_only(tmp_path: Path) -> None:
    assert "no data rows" in error_for(write(tmp_path, "a,b,c\n\n"))


def test_ragged_row(tmp_path: Path) -> None:
    rows = ["1,2,3,4,5,6,7,8,9"] * 6 + ["1,2,3,4,5,6,7,8"]
    message = error_for(write(tmp_path, "\n".join(rows) + "\n"))
    assert "row 7 has 8 fields, expected 9" in message


def test_ragged_row_counts_file_lines_including_blank_and_header(tmp_path: Path) -> None:
    message = error_for(write(tmp_path, "a,b\n1,2\n\n3,4,5\n"))
    assert "row 4 has 3 fields, expected 2" in message


def test_non_numeric_cell_named_by_row_and_column(tmp_path: Path) -> None:
    lines = ["pregnancies,glucose,outcome"] + ["1,2,0"] * 10 + ["1,abc,0"]
    message = error_for(write(tmp_path, "\n".join(lines) + "\n"))
    assert "row 12, column 'glucose': 'abc' is not a number" in message


def test_non_numeric_cell_without_header(tmp_path: Path) -> None:
    message = error_for(write(tmp_path, "1,2\n3,x\n"))
    assert "row 2, column 'col2': 'x' is not a number" in message


def test_bad_first_data_row_under_header_is_blamed_not_the_header(tmp_path: Path) -> None:
    message = error_for(write(tmp_path, "a,b\n1,oops\n2,3\n"))
    assert "row 2, column 'b': 'oops' is not a number" in message


def test_empty_cell(tmp_path: Path) -> None:
    message = error_for(write(tmp_path, "a,b\n1,2\n3,\n4,5\n"))
    assert "row 3, column 'b'" in message and "empty" in message


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-Infinity"])
def test_not_finite(tmp_path: Path, cell: str) -> None:
    message = error_for(write(tmp_path, f"a,b\n1,2\n3,{cell}\n"))
    assert f"row 3, column 'b': '{cell}' is not finite" in message


def test_duplicate_header_names(tmp_path: Path) -> None:
    message = error_for(write(tmp_path, "a,b,a\n1,2,3\n"))
    assert "row 1" in message and "'a'" in message


# --- split_target -------------------------------------------------------------------------


@pytest.fixture
def table(tmp_path: Path) -> Table:
    return read_csv(write(tmp_path, "a,b,c\n1,2,3\n4,5,6\n"))


def test_target_default_is_last_column(table: Table) -> None:
    x, y, names, target = split_target(table, None)
    np.testing.assert_array_equal(x, [[1, 2], [4, 5]])
    np.testing.assert_array_equal(y, [3, 6])
    assert names == ["a", "b"] and target == "c"
    assert x.dtype == np.float64 and y.shape == (2,)


def test_target_by_name(table: Table) -> None:
    x, y, names, target = split_target(table, "a")
    np.testing.assert_array_equal(x, [[2, 3], [5, 6]])
    np.testing.assert_array_equal(y, [1, 4])
    assert names == ["b", "c"] and target == "a"


def test_target_by_index_and_negative_index(table: Table) -> None:
    _, y, names, target = split_target(table, 1)
    np.testing.assert_array_equal(y, [2, 5])
    assert names == ["a", "c"] and target == "b"
    assert split_target(table, -1)[3] == "c"
    assert split_target(table, -3)[3] == "a"
    assert split_target(table, np.int64(0))[3] == "a"


def test_unknown_target_name_lists_columns(table: Table) -> None:
    with pytest.raises(DataError) as info:
        split_target(table, "label")
    message = str(info.value)
    assert "'label'" in message and "a, b, c" in message and table.path in message


@pytest.mark.parametrize("index", [3, -4, 99])
def test_target_index_out_of_range(table: Table, index: int) -> None:
    with pytest.raises(DataError, match=rf"index {index} is out of range for 3 columns") as info:
        split_target(table, index)
    assert table.path in str(info.value)


@pytest.mark.parametrize("target", [True, 1.0])
def test_target_wrong_type(table: Table, target: object) -> None:
    with pytest.raises(DataError):
        split_target(table, target)  # type: ignore[arg-type]


def test_target_needs_a_feature(tmp_path: Path) -> None:
    one = read_csv(write(tmp_path, "v\n1\n"))
    with pytest.raises(DataError, match="feature"):
        split_target(one, None)


# --- the fast reader: same table as the careful one, or the careful one decides ----------------

#: Cells that stress float parsing: subnormals, signed zeros, exponents, a leading '+',
#: integers, more digits than a double holds, the extremes.
AWKWARD_CELLS = """
1e-310 -1e-310 4.9406564584124654e-324 2.2250738585072014e-308 1.7976931348623157e308 -0.0 -0 0.0 0
+0 1.5E+3 1.5e-3 -2E5 +7 +.5 -.25 5. 0005
007.50 123456789012345678901234567890 9007199254740993 -42 0.1 0.30000000000000004 1e22 1e23
""".split()


def generated_csv(seed: int, delimiter: str, header: bool, eol: str, rows: int = 150, columns: int = 5) -> bytes:
    """A numeric CSV in one of the shapes the careful reader accepts, with awkward numbers."""
    rng = np.random.default_rng(seed)
    formats = ["{!r}", "{:.17g}", "{:.6f}", "{:.3e}", "{:.0f}", "{:+g}", "{:E}"]
    lines = [delimiter.join(f" name {j}" for j in range(columns))] if header else []
    for _ in range(rows):
        cells = []
        for _ in range(columns):
            if rng.random() < 0.3:
                cell = AWKWARD_CELLS[rng.integers(len(AWKWARD_CELLS))]
            else:
                value = float(rng.normal() * 10.0 ** rng.integers(-12, 12))
                cell = formats[rng.integers(len(formats))].format(value)
            if rng.random() < 0.1:
                cell = f" {cell} " if delimiter == "\t" else f" {cell}\t"
            cells.append(cell)
        lines.append(delimiter.join(cells))
    return (eol.join(lines) + eol + eol).encode()


def both_readers(path: Path) -> tuple[Table | None, Table]:
    return tabular._read_fast(path), tabular._read_careful(path)


def assert_same_table(fast: Table | None, careful: Table) -> None:
    assert fast is not None, "the fast reader did not take this file"
    assert fast.data.dtype == careful.data.dtype == np.float64
    assert fast.data.shape == careful.data.shape
    assert fast.data.tobytes() == careful.data.tobytes()  # bit for bit: -0.0, subnormals
    assert (fast.columns, fast.has_header, fast.lines, fast.path) == (careful.columns, careful.has_header, careful.lines, careful.path)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_fast_reader_is_bit_identical_to_the_careful_one(tmp_path: Path, delimiter: str, header: bool, eol: str) -> None:
    seed = [",", ";", "\t"].index(delimiter) * 10 + header * 3 + ["\n", "\r\n", "\r"].index(eol)
    path = write(tmp_path, generated_csv(seed, delimiter, header, eol))
    fast, careful = both_readers(path)
    assert_same_table(fast, careful)
    assert careful.has_header == header and careful.data.shape == (150, 5)
    cells = [line.split(delimiter) for line in path.read_bytes().decode().split(eol) if line.strip()][int(header) :]
    expected = np.array([[float(cell) for cell in row] for row in cells])
    assert fast.data.tobytes() == expected.tobytes()
    assert np.signbit(fast.data[fast.data == 0]).any()  # some -0.0 came through as -0.0


@pytest.mark.parametrize(
    "text",
    [
        "1,2\n3,4\n",
        "1,2\n3,4",
        "\ufeffa,b\n1,2\n3,4\n",
        '"x one","y"\n1,2\n',
        "\n\n  \r\nh\u00e9llo,w\u00f6rld\n\n1,2\n3,4\n\n\n",
        "  a , b \r\n 0 , 0.0 \r\n-1.25,  +3\r\n\r\n",
        "v\n1\n2\n",
        "v\n-0.0\n",
        "1\n2\n3\n",
        "x\ty\n1\t2\n",
        "a;b\n1.5;2\n3;4e1\n",
    ],
)
def test_fast_reader_takes_plain_files(tmp_path: Path, text: str) -> None:
    assert_same_table(*both_readers(write(tmp_path, text)))


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_fast_reader_chunk_edges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """CRLF split between two chunks, the head read again with more, trailing line ends spread over chunks."""
    monkeypatch.setattr(tabular, "_FAST_CHUNK", chunk)
    monkeypatch.setattr(tabular, "_FAST_HEAD", 4)
    for eol in ("\r\n", "\r", "\n"):
        path = write(tmp_path, generated_csv(chunk, ",", True, eol, rows=20, columns=3) + b"\r\r\n\r\n")
        assert_same_table(*both_readers(path))


def test_read_csv_takes_the_fast_path_for_a_plain_numeric_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def careful(path: Path) -> Table:
        raise AssertionError(f"the careful reader was asked to read {path}")

    path = write(tmp_path, generated_csv(1, ",", True, "\r\n", rows=2000, columns=8))
    expected = tabular._read_careful(path)
    monkeypatch.setattr(tabular, "_read_careful", careful)
    table = read_csv(path)
    assert_same_table(table, expected)
    assert read_csv(str(path)).columns == [f"name {j}" for j in range(8)]


def test_fast_reader_memory_is_under_three_times_the_file(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    rng = np.random.default_rng(0)
    with path.open("w") as handle:
        handle.write("a,b,c,d,e,label\n")
        np.savetxt(handle, rng.normal(size=(40_000, 6)) * [1, 1e3, 1e-3, 1, 10, 1], fmt="%.17g", delimiter=",")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        table = read_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert table.data.shape == (40_000, 6)
    assert peak < 3 * size, f"peak {peak / size:.1f}x the file's {size} bytes"


# Each bad cell is written deep in a big-ish file (row 15001 of 20001 lines); the fast
# reader must refuse the file so that the careful reader's message comes out.
BAD_CELLS = {
    "abc": "'abc' is not a number",
    "nan": "'nan' is not finite",
    "NaN": "'NaN' is not finite",
    "inf": "'inf' is not finite",
    "-Infinity": "'-Infinity' is not finite",
    "1e400": "'1e400' is not finite",
    "-1e999": "'-1e999' is not finite",
    "": "is empty",
    "   ": "is empty",
    "1e": "'1e' is not a number",
    "--1": "'--1' is not a number",
    "+": "'+' is not a number",
    ".": "'.' is not a number",
    "1.2.3": "'1.2.3' is not a number",
    "1 2": "'1 2' is not a number",
    "1_000": "'1_000' is not a number",
    "0x10": "'0x10' is not a number",
    "1;2": "'1;2' is not a number",
}


def big_file_with(tmp_path: Path, cell: str, rows: int = 20_000) -> Path:
    lines = ["x1,x2,x3,y"] + [f"{i % 97 * 0.5},-{i % 13},{i}e-3,{i % 2}" for i in range(rows)]
    lines[15_000] = f"1.5,2,{cell},0"
    return write(tmp_path, "\n".join(lines) + "\n")


@pytest.mark.parametrize("cell", list(BAD_CELLS))
def test_bad_cell_deep_in_a_big_file_gets_the_careful_message(tmp_path: Path, cell: str) -> None:
    path = big_file_with(tmp_path, cell)
    assert tabular._read_fast(path) is None
    message = error_for(path)
    assert message == f"{path}: row 15001, column 'x3': {BAD_CELLS[cell]}"
    with pytest.raises(DataError) as info:
        tabular._read_careful(path)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1.5,2,3", "row 15001 has 3 fields, expected 4"),
        ("1.5,2,3,4,5", "row 15001 has 5 fields, expected 4"),
        ("1.5;2;3;4", "row 15001 has 1 fields, expected 4"),
    ],
)
def test_ragged_row_deep_in_a_big_file_gets_the_careful_message(tmp_path: Path, row: str, message: str) -> None:
    lines = ["x1,x2,x3,y"] + ["1,2,3,4"] * 20_000
    lines[15_000] = row
    path = write(tmp_path, "\n".join(lines) + "\n")
    assert tabular._read_fast(path) is None
    assert error_for(path) == f"{path}: {message}"


@pytest.mark.parametrize(
    "text",
    [
        "a,b,c,\n1,2,3,\n4,5,6,\n",  # trailing commas
        "a,b\n1,2\n\n3,4\n",  # a blank line between rows: the line numbers must stay the file's
        "a,b\n1,2\n  \t \n3,4\n",
        'a,b\n"1",2\n3,"4"\n',  # quoted numbers
        "a,b\n\u0661\u0662,2\n3,4\n",  # digits float() reads that are not ASCII
        "a,b\n1,2\n3,4\n  ",  # blanks after the last line
        "1,2,3\n",  # one line
        "a,,c\n1,2,3\n",  # an unnamed column
    ],
)
def test_files_the_fast_reader_leaves_to_the_careful_one(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    careful = tabular._read_careful(path)
    table = read_csv(path)
    assert table.data.tobytes() == careful.data.tobytes()
    assert (table.columns, table.lines, table.has_header) == (careful.columns, careful.lines, careful.has_header)

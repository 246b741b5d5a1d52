"""Tests for tuinn.data.tabular: formats a CSV may come in, and one-line errors that point at the cell."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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

"""Tests for tuinn.data.registry: cards, search order, validation, fetching (no network), describe.

Downloads are faked by monkeypatching ``urllib.request.urlopen``.  Tests that need the
real Pima file read it through ``TUINN_DATA_DIR`` and are skipped when that is unset
or the file is absent (locally: ``TUINN_DATA_DIR=../shared/datasets``).
"""

from __future__ import annotations

import io
import os
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from tuinn.data import registry
from tuinn.data.registry import Card, card, cards, describe, fetch, load, locate, search_paths, validate
from tuinn.data.tabular import read_csv
from tuinn.errors import DataError

PIMA_FILE = "pima-indians-diabetes.csv"
PIMA_URL = "https://raw.githubusercontent.com/jbrownlee/Datasets/master/pima-indians-diabetes.data.csv"
PIMA_COLUMNS = ["pregnancies", "glucose", "blood_pressure", "skin_thickness", "insulin", "bmi", "pedigree", "age", "outcome"]
PIMA_MEANS = [3.845, 120.895, 69.105, 20.536, 79.799, 31.993, 0.472, 33.241, 0.349]


def real_pima() -> Path:
    """The real file from ``$TUINN_DATA_DIR``, or skip the test."""
    folder = os.environ.get("TUINN_DATA_DIR")
    if not folder or not (Path(folder) / PIMA_FILE).is_file():
        pytest.skip("real Pima file not available (set TUINN_DATA_DIR to a folder holding it)")
    return Path(folder) / PIMA_FILE


def fake_pima(header: bool = False, trailing: str = "") -> bytes:
    """768 rows with Pima's shape, class counts and (to 1e-3) column means.

    Each feature is its card mean; the first 268 rows are class 1.  Enough for the
    content checks, and no network or real file needed.
    """
    lines = [",".join(PIMA_COLUMNS) + trailing] if header else []
    for i in range(768):
        lines.append(",".join([*(repr(m) for m in PIMA_MEANS[:8]), "1" if i < 268 else "0"]) + trailing)
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An empty data dir and cache: ``(TUINN_DATA_DIR, cache dir)``, with HOME isolated too."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("TUINN_DATA_DIR", str(data))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return data, tmp_path / "xdg" / "tuinn" / "datasets"


# --- cards -----------------------------------------------------------------------------


def test_pima_card_values() -> None:
    c = card("pima")
    assert isinstance(c, Card)
    assert c.name == "pima"
    assert c.title and c.description
    assert "UCI" in c.source
    assert "Smith" in c.citation and "1988" in c.citation and "ADAP" in c.citation and "261" in c.citation
    assert c.url == PIMA_URL
    assert c.filename == PIMA_FILE
    assert c.sha256 == "33e704cdafa8769a75728e4658dcce5bc1da1ce36174603687fe545f46e39394"
    assert c.task == "classification"
    assert c.header is False
    assert c.columns == PIMA_COLUMNS
    assert c.target == "outcome"
    assert c.rows == 768
    assert c.class_counts == {0: 500, 1: 268}
    assert c.column_means == PIMA_MEANS
    assert c.missing_zeros == ["glucose", "blood_pressure", "skin_thickness", "insulin", "bmi"]
    assert c.class_names == ["healthy", "diabetic"]


def test_cards_lists_pima_and_unknown_name_lists_known() -> None:
    assert "pima" in cards()
    with pytest.raises(DataError, match=r"unknown dataset 'nope'.*pima"):
        card("nope")


def test_cards_read_from_the_package_when_importable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (Path(registry.__file__).resolve().parents[2] / "datasets" / "pima.toml").read_text(encoding="utf-8")
    (tmp_path / "other.toml").write_text(text.replace('name = "pima"', 'name = "other"'), encoding="utf-8")
    (tmp_path / "README.md").write_text("not a card", encoding="utf-8")

    def files(package: str) -> Path:
        assert package == "tuinn.datasets"
        return tmp_path

    monkeypatch.setattr(registry.resources, "files", files)
    assert list(cards()) == ["other"]


def test_cards_fall_back_to_the_source_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    def files(package: str) -> Path:
        raise ModuleNotFoundError(package)

    monkeypatch.setattr(registry.resources, "files", files)
    assert "pima" in cards()


VALID = (Path(__file__).resolve().parents[2] / "datasets" / "pima.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("rows = 768", 'rows = "768"', "rows"),
        ("rows = 768", "rows = 700", "class_counts"),
        ('target = "outcome"', 'target = "label"', "target"),
        ('task = "classification"', 'task = "clustering"', "task"),
        ("header = false", "header = 0", "header"),
        ("header = false", "hedaer = false", "hedaer"),
        ('class_names = ["healthy", "diabetic"]', 'class_names = ["healthy"]', "class_names"),
        ('missing_zeros = ["glucose"', 'missing_zeros = ["sugar"', "missing_zeros"),
        ("column_means = [3.845, ", "column_means = [", "column_means"),
    ],
)
def test_bad_card_names_the_key(old: str, new: str, key: str) -> None:
    assert old in VALID
    with pytest.raises(DataError, match=rf"pima\.toml: {key}"):
        registry._parse_card(VALID.replace(old, new, 1), "datasets/pima.toml")


def test_a_misspelt_card_key_gets_the_hint_an_experiment_file_gets() -> None:
    with pytest.raises(DataError) as info:
        registry._parse_card(VALID.replace("header = false", "hedaer = false", 1), "datasets/pima.toml")
    assert str(info.value) == "dataset card datasets/pima.toml: hedaer: unknown key (did you mean 'header'?)"
    with pytest.raises(DataError, match=r"pima\.toml: zzz: unknown key \(known: citation, class_counts, "):
        registry._parse_card(VALID + "\nzzz = 1\n", "datasets/pima.toml")


# --- finding the file ------------------------------------------------------------------


def test_search_order_data_dir_then_xdg_cache(dirs: tuple[Path, Path]) -> None:
    data, cache = dirs
    assert search_paths() == [data, cache]


def test_search_without_data_dir_or_xdg_uses_home_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUINN_DATA_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert search_paths() == [tmp_path / ".cache" / "tuinn" / "datasets"]
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert search_paths() == [tmp_path / ".cache" / "tuinn" / "datasets"]


def test_locate_prefers_data_dir_then_cache(dirs: tuple[Path, Path]) -> None:
    data, cache = dirs
    cache.mkdir(parents=True)
    (cache / PIMA_FILE).write_bytes(fake_pima())
    assert locate("pima") == cache / PIMA_FILE
    (data / PIMA_FILE).write_bytes(fake_pima())
    assert locate("pima") == data / PIMA_FILE


def test_locate_error_says_how_to_get_the_file(dirs: tuple[Path, Path]) -> None:
    data, cache = dirs
    with pytest.raises(DataError) as info:
        locate("pima")
    message = str(info.value)
    assert "\n" not in message
    for part in ("`tuinn data fetch pima`", PIMA_FILE, str(cache), str(data), "TUINN_DATA_DIR", PIMA_URL):
        assert part in message


# --- validation and loading ------------------------------------------------------------


def test_fake_copy_validates_in_every_format(tmp_path: Path) -> None:
    """With or without a header, with or without a trailing comma: the same 768 × 9 numbers, accepted."""
    pima = card("pima")
    expected = np.array([[*PIMA_MEANS[:8], 1.0 if i < 268 else 0.0] for i in range(768)])
    formats = {"plain": fake_pima(), "header": fake_pima(header=True), "trailing comma": fake_pima(trailing=","),
               "header and trailing comma": fake_pima(header=True, trailing=",")}
    for i, (name, raw) in enumerate(formats.items()):
        path = tmp_path / f"copy{i}.csv"
        path.write_bytes(raw)
        table = read_csv(path)
        assert table.data.shape == (768, 9), name
        assert np.array_equal(table.data, expected), name
        assert table.has_header == name.startswith("header"), name
        assert table.columns == (PIMA_COLUMNS if table.has_header else [f"col{k}" for k in range(1, 10)]), name
        assert validate(pima, table) is None, name  # no DataError
    # the check is not vacuous: the same file with one label flipped is refused
    path.write_bytes(fake_pima(header=True, trailing=",").replace(b",1,\n", b",0,\n", 1))
    with pytest.raises(DataError, match="class counts"):
        validate(pima, read_csv(path))


def table_from(tmp_path: Path, raw: bytes):
    path = tmp_path / "bad.csv"
    path.write_bytes(raw)
    return read_csv(path)


def test_validate_wrong_row_count(tmp_path: Path) -> None:
    raw = b"".join(fake_pima().splitlines(keepends=True)[:-1])
    with pytest.raises(DataError, match=r"767 data rows, expected 768"):
        validate(card("pima"), table_from(tmp_path, raw))


def test_validate_wrong_column_count(tmp_path: Path) -> None:
    raw = b"".join(line.split(b",", 1)[1] for line in fake_pima().splitlines(keepends=True))
    with pytest.raises(DataError, match=r"8 columns, expected 9"):
        validate(card("pima"), table_from(tmp_path, raw))


def test_validate_wrong_class_counts(tmp_path: Path) -> None:
    lines = fake_pima().splitlines(keepends=True)
    lines[0] = lines[0].replace(b",1\n", b",0\n")
    with pytest.raises(DataError, match=r"class counts \{0: 501, 1: 267\}, expected \{0: 500, 1: 268\}"):
        validate(card("pima"), table_from(tmp_path, b"".join(lines)))


def test_validate_label_that_is_not_a_class_names_the_row(tmp_path: Path) -> None:
    lines = fake_pima().splitlines(keepends=True)
    lines[4] = lines[4].replace(b",1\n", b",2\n")
    with pytest.raises(DataError, match=r"row 5, column 'outcome': 2 is not one of the classes 0, 1"):
        validate(card("pima"), table_from(tmp_path, b"".join(lines)))


def test_validate_wrong_mean(tmp_path: Path) -> None:
    raw = fake_pima().replace(b"120.895,", b"121.5,")
    with pytest.raises(DataError, match=r"column 'glucose' has mean 121.5, expected 120.895"):
        validate(card("pima"), table_from(tmp_path, raw))


def test_load_from_data_dir(dirs: tuple[Path, Path]) -> None:
    data, _ = dirs
    (data / PIMA_FILE).write_bytes(fake_pima(header=True))
    x, y, names = load("pima")
    assert x.shape == (768, 8) and x.dtype == np.float64
    assert y.dtype == np.int64 and np.bincount(y).tolist() == [500, 268]
    assert names == PIMA_COLUMNS[:8]


# --- fetch (no network) ----------------------------------------------------------------


class FakeResponse(io.BytesIO):
    """Enough of ``http.client.HTTPResponse`` for ``fetch``."""

    def __init__(self, body: bytes, length: int | None) -> None:
        super().__init__(body)
        self.headers = {} if length is None else {"Content-Length": str(length)}


def serve(monkeypatch: pytest.MonkeyPatch, body: bytes, length: int | None = -1) -> list[tuple[str, float]]:
    """Make ``urllib.request.urlopen`` return ``body``; returns the list of calls made."""
    calls: list[tuple[str, float]] = []

    def urlopen(url: str, timeout: float = 0) -> FakeResponse:
        calls.append((url, timeout))
        return FakeResponse(body, len(body) if length == -1 else length)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return calls


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("length", [-1, None])
def test_fetch_writes_validated_file_and_reports_progress(dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, length: int | None) -> None:
    _, cache = dirs
    body = fake_pima(trailing=",")
    calls = serve(monkeypatch, body, length)
    seen: list[tuple[int, int | None]] = []
    path = fetch("pima", progress=lambda done, total: seen.append((done, total)), timeout=5)
    assert path == cache / PIMA_FILE
    assert path.read_bytes() == body
    assert files_in(cache) == [PIMA_FILE]  # no temporary file left over
    assert calls == [(PIMA_URL, 5)]
    expected_total = len(body) if length == -1 else None
    assert seen[0] == (0, expected_total) and seen[-1] == (len(body), expected_total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_fetched_file_is_found_and_loads(dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUINN_DATA_DIR")
    serve(monkeypatch, fake_pima())
    fetch("pima")
    x, y, _ = load("pima")
    assert x.shape == (768, 8) and np.bincount(y).tolist() == [500, 268]


def test_fetch_corrupt_content_raises_and_leaves_no_file(dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _, cache = dirs
    serve(monkeypatch, b"<html>rate limited</html>\n")
    with pytest.raises(DataError) as info:
        fetch("pima")
    message = str(info.value)
    assert "\n" not in message and "downloaded pima" in message and "content is wrong" in message
    assert files_in(cache) == []


def test_fetch_wrong_data_keeps_the_previous_good_file(dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _, cache = dirs
    cache.mkdir(parents=True)
    good = fake_pima()
    (cache / PIMA_FILE).write_bytes(good)
    serve(monkeypatch, fake_pima().replace(b",1\n", b",0\n", 1))
    with pytest.raises(DataError, match="class counts"):
        fetch("pima")
    assert files_in(cache) == [PIMA_FILE]
    assert (cache / PIMA_FILE).read_bytes() == good


def test_fetch_offline_gives_one_line_with_what_to_do(dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _, cache = dirs

    def offline(url: str, timeout: float = 0) -> None:
        raise urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DataError) as info:
        fetch("pima")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"could not download pima from {PIMA_URL}: ")
    assert "Temporary failure in name resolution" in message
    assert f"place {PIMA_FILE} in {cache} (or set TUINN_DATA_DIR)" in message
    assert files_in(cache) == []


def test_fetch_http_error(dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def not_found(url: str, timeout: float = 0) -> None:
        raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)  # type: ignore[arg-type]

    monkeypatch.setattr(urllib.request, "urlopen", not_found)
    with pytest.raises(DataError, match=r"could not download pima from .*: HTTP 404 Not Found; place"):
        fetch("pima")


def test_fetch_truncated_download_leaves_no_file(dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _, cache = dirs
    body = fake_pima()
    serve(monkeypatch, body[:1000], length=len(body))
    with pytest.raises(DataError, match=rf"got 1000 of {len(body)} bytes"):
        fetch("pima")
    assert files_in(cache) == []


def test_fetch_interrupted_leaves_no_file(dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _, cache = dirs
    serve(monkeypatch, fake_pima())

    def cancel(done: int, total: int | None) -> None:
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch("pima", progress=cancel)
    assert files_in(cache) == []


# --- describe --------------------------------------------------------------------------


def test_describe_table_without_card(tmp_path: Path) -> None:
    table = table_from(tmp_path, b"a,b,y\n0,2,1\n2,4,0\n0,6,1\n")
    info = describe(table)
    assert info["rows"] == 3 and info["columns"] == 3
    assert info["column_names"] == ["a", "b", "y"] and info["target"] == "y"
    assert info["class_counts"] == {0: 1, 1: 2}
    assert info["stats"]["b"] == {"mean": 4.0, "std": pytest.approx(np.std([2, 4, 6])), "min": 2.0, "max": 6.0}
    assert info["missing_zeros"] == {}
    assert describe(table, card=None)["class_counts"] is not None


def test_describe_fake_pima_by_name(dirs: tuple[Path, Path]) -> None:
    data, _ = dirs
    (data / PIMA_FILE).write_bytes(fake_pima())
    info = describe("pima")
    assert info["name"] == "pima" and info["rows"] == 768 and info["columns"] == 9
    assert info["class_counts"] == {0: 500, 1: 268}
    assert info["missing_zeros"] == dict.fromkeys(["glucose", "blood_pressure", "skin_thickness", "insulin", "bmi"], 0)


# --- the real file (skipped without TUINN_DATA_DIR) ------------------------------------


def test_real_pima_loads() -> None:
    real_pima()
    x, y, names = load("pima")
    assert x.shape == (768, 8) and x.dtype == np.float64
    assert y.dtype == np.int64 and y.shape == (768,)
    assert int((y == 0).sum()) == 500 and int((y == 1).sum()) == 268
    assert names == PIMA_COLUMNS[:8]


def test_real_pima_describe_reports_missing_zeros() -> None:
    real_pima()
    info = describe("pima")
    assert info["missing_zeros"] == {"glucose": 5, "blood_pressure": 35, "skin_thickness": 227, "insulin": 374, "bmi": 11}
    assert info["class_counts"] == {0: 500, 1: 268}
    for column, mean in zip(PIMA_COLUMNS, PIMA_MEANS, strict=True):
        assert info["stats"][column]["mean"] == pytest.approx(mean, rel=1e-3)


def test_real_pima_reformatted_copy_validates(tmp_path: Path) -> None:
    """Another copy's formatting (header line, 0.0, trailing commas, CRLF) is still the same content."""
    table = read_csv(real_pima())
    lines = [",".join(["Pregnancies", "Glucose", "BloodPressure", "SkinThickness", "Insulin", "BMI", "DPF", "Age", "Outcome"]) + ","]
    lines += [",".join(f"{v:.1f}" if v == int(v) else repr(float(v)) for v in row) + "," for row in table.data]
    copy = tmp_path / "copy.csv"
    copy.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    assert "0.0" in copy.read_text(encoding="utf-8")
    other = read_csv(copy)
    assert other.has_header
    validate(card("pima"), other)
    np.testing.assert_array_equal(other.data, table.data)

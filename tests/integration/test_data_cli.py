"""`tuinn data list | show | fetch` (no network: fetch is tested with urlopen replaced)."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tuinn.cli import main

DATA = os.environ.get("TUINN_DATA_DIR")
HAVE_PIMA = bool(DATA) and (Path(DATA) / "pima-indians-diabetes.csv").is_file()


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tuinn", *args], capture_output=True, text=True, env=env, timeout=60)


def test_list_names_every_source(tmp_path: Path) -> None:
    env = {**os.environ, "TUINN_DATA_DIR": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"), "COLUMNS": "200"}
    out = run("data", "list", env=env)
    assert out.returncode == 0, out.stderr
    for name in ("circle", "xor", "gauss", "spiral", "reg-plane", "reg-gauss", "moons", "checkerboard", "blobs", "spirals", "sine", "pima", "csv"):
        assert name in out.stdout
    assert "tuinn data fetch pima" in out.stdout  # not downloaded in this environment


def test_show_synthetic_gives_class_counts_and_statistics() -> None:
    out = run("data", "show", "circle", env={**os.environ, "COLUMNS": "200"})
    assert out.returncode == 0, out.stderr
    assert "class counts: 0: 250, 1: 250" in out.stdout
    assert "x1" in out.stdout and "mean" in out.stdout


@pytest.mark.skipif(not HAVE_PIMA, reason="Pima data not available (set TUINN_DATA_DIR)")
def test_show_pima_flags_missing_looking_zeros() -> None:
    out = run("data", "show", "pima", env={**os.environ, "COLUMNS": "200"})
    assert out.returncode == 0, out.stderr
    assert "768 rows × 9 columns" in out.stdout
    assert "0 (healthy): 500, 1 (diabetic): 268" in out.stdout
    rows = {line.split("│")[1].strip(): line for line in out.stdout.splitlines() if line.count("│") > 3}
    assert rows["insulin"].rstrip("│ ").endswith("374")
    assert rows["skin_thickness"].rstrip("│ ").endswith("227")


def test_show_unknown_is_one_line_exit_2() -> None:
    out = run("data", "show", "nosuchdata")
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "nosuchdata" in out.stderr and "pima" in out.stderr


def test_fetch_offline_says_how_to_place_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TUINN_DATA_DIR", raising=False)

    def offline(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    assert main(["data", "fetch", "pima"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tuinn: error:")
    assert "pima-indians-diabetes.csv" in err[0] and str(tmp_path / "cache") in err[0]
    assert not any((tmp_path / "cache").rglob("*.csv"))

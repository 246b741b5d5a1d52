"""A served session (`tuinn serve`, $TUINN_ROOT) loads and saves only inside its root.

The check is one pure function, :func:`tuinn.training.paths.confine`, called by the
session's save and load; these tests give it the paths a student could type: relative,
absolute, with ``..``, through a symlink that leaves the root, a sibling whose name
starts with the root's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tuinn.errors import TuinnError
from tuinn.training.paths import ROOT_ENV, confine, confine_to_served_root, served_root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    (r / "runs").mkdir(parents=True)
    return r


def test_inside_paths_are_resolved_relative_to_the_root(root: Path) -> None:
    assert confine("runs/a", root) == (root / "runs" / "a").resolve()
    assert confine(root / "x.toml", root) == (root / "x.toml").resolve()
    assert confine("runs/../b", root) == (root / "b").resolve()  # '..' that stays inside is fine
    assert confine(".", root) == root.resolve()
    assert confine("new/deeper/folder", root) == (root / "new" / "deeper" / "folder").resolve()  # need not exist


@pytest.mark.parametrize("path", ["..", "../x.toml", "runs/../../x", "/etc/passwd", "/"])
def test_outside_paths_are_refused(root: Path, path: str) -> None:
    with pytest.raises(TuinnError, match="outside the folder this server shares"):
        confine(path, root)


def test_a_sibling_whose_name_starts_like_the_root_is_outside(root: Path) -> None:
    sibling = root.parent / (root.name + "2")
    sibling.mkdir()
    with pytest.raises(TuinnError, match="outside"):
        confine(sibling / "x.toml", root)
    with pytest.raises(TuinnError, match="outside"):
        confine(f"../{root.name}2/x.toml", root)


def test_a_symlink_out_of_the_root_is_refused(root: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "model.safetensors").write_bytes(b"")
    (root / "link").symlink_to(secret, target_is_directory=True)
    with pytest.raises(TuinnError, match="outside"):
        confine("link/model.safetensors", root)
    with pytest.raises(TuinnError, match="outside"):
        confine("link", root)
    # a link that stays inside is followed and accepted
    (root / "inner").symlink_to(root / "runs", target_is_directory=True)
    assert confine("inner/a", root) == (root / "runs" / "a").resolve()


def test_a_root_given_through_a_symlink_still_contains_its_files(root: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(root, target_is_directory=True)
    assert confine(root / "runs" / "a", alias) == (root / "runs" / "a").resolve()


def test_served_root_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    monkeypatch.delenv(ROOT_ENV, raising=False)
    assert served_root() is None
    assert confine_to_served_root(Path("/etc/passwd")) == Path("/etc/passwd")  # not served: unchanged
    monkeypatch.setenv(ROOT_ENV, str(root))
    assert served_root() == root
    with pytest.raises(TuinnError, match="outside"):
        confine_to_served_root(Path("/etc/passwd"))


# ------------------------------------------------------------------ the session's save and load
@pytest.fixture(scope="module")
def playground():  # type: ignore[no-untyped-def]
    from tuinn.config.experiments import resolve
    from tuinn.config.spec import loads
    from tuinn.session.playground import Playground

    return Playground(loads(*resolve("playground")))


def test_save_and_load_outside_the_served_root_are_refused_and_write_nothing(
        playground, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from tuinn.session.files import load_session, save_session

    outside = tmp_path / "outside"
    save_session(playground, outside)  # not served: anywhere
    assert (outside / "config.toml").is_file()
    monkeypatch.setenv(ROOT_ENV, str(root))
    with pytest.raises(TuinnError, match="outside"):
        save_session(playground, tmp_path / "elsewhere")
    assert not (tmp_path / "elsewhere").exists()
    with pytest.raises(TuinnError, match="outside"):
        save_session(playground, Path("../elsewhere"))
    assert not (tmp_path / "elsewhere").exists()
    before = playground.experiment
    with pytest.raises(TuinnError, match="outside"):
        load_session(playground, outside)
    with pytest.raises(TuinnError, match="outside"):
        load_session(playground, outside / "config.toml")
    assert playground.experiment is before  # nothing loaded

    saved = save_session(playground, Path("runs/mine"))  # relative: inside the root
    assert saved == (root / "runs" / "mine").resolve() and (saved / "model.safetensors").is_file()
    load_session(playground, Path("runs/mine"))


def test_a_served_experiment_whose_csv_is_outside_the_root_is_refused(
        playground, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from tuinn.session.files import load_session

    csv = tmp_path / "private.csv"
    csv.write_text("a,b,y\n1,2,0\n3,4,1\n", encoding="utf-8")
    (root / "peek.toml").write_text(f'name = "peek"\n[data]\nsource = "csv"\npath = "{csv}"\ntarget = "y"\n', encoding="utf-8")
    monkeypatch.setenv(ROOT_ENV, str(root))
    with pytest.raises(TuinnError, match="private.csv: outside"):
        load_session(playground, Path("peek.toml"))

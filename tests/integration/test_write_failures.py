"""A full disk, a read-only folder, a folder that cannot be entered: one line, exit 2, nothing lost.

The contract (issue 12, part 3): when a write of ``tuinn train`` fails — the run folder
cannot be created, ``metrics.jsonl`` cannot be appended to, a checkpoint or
``results.json`` cannot be written, ``--resume`` is given a read-only run folder — the
command prints ONE line ``tuinn: error: …`` on stderr that names the path and the OS
error ("No space left on device", "Read-only file system", "Permission denied"), exits
with 2, shows no traceback, and the last complete checkpoint stays byte for byte what it
was. A command that cannot start changes nothing at all.

These tests must run in CI, which runs as root, and root keeps write access to a folder
whatever its mode: so instead of ``chmod`` the failures are made by :class:`Fault`,
which monkeypatches the file functions of ``os`` and ``io`` so that they fail under one
folder the way the kernel would (a read-only folder refuses to create, rename or remove;
on a full disk files can be opened, even truncated, but no byte can be written; a
folder without the search permission refuses even a ``stat`` of what is inside). The
commands run in-process through :func:`tuinn.cli.main`. Each test also checks that the
fault fired, so a change in how tuinn writes cannot make a test pass vacuously.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tuinn import cli
from tuinn.training import checkpoint

PREFIX = "tuinn: error: "
CHECKPOINT = "model.safetensors"

REAL_IO_OPEN = io.open
REAL = {name: getattr(os, name) for name in ("open", "write", "mkdir", "replace", "rename", "unlink", "remove", "rmdir",
                                             "chmod", "stat", "lstat", "listdir", "scandir", "access")}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class Fault:
    """File operations under ``folder`` fail with ``err``, as the kernel would make them fail.

    ``kind``:
      * ``"read-only"``: creating, opening for writing, renaming into, removing and chmod fail
        (a read-only mount: EROFS; a folder without write permission: EACCES);
      * ``"full"``: files can be created, opened and truncated, but writing a byte fails (ENOSPC),
        as does creating a folder;
      * ``"unsearchable"``: everything below the folder fails, even a ``stat`` (EACCES).

    ``only``: only files whose name contains it are affected. ``when``: the fault starts once
    this returns true (checked at each affected operation; then it stays). ``keep``: a file
    whose bytes are recorded when the first operation fails (the last complete checkpoint).
    """

    def __init__(self, folder: Path, err: int, kind: str, only: str | None = None,
                 when: Callable[[], bool] | None = None, keep: Path | None = None) -> None:
        assert kind in ("read-only", "full", "unsearchable")
        self.folder = os.path.abspath(folder)
        self.err, self.kind, self.only, self.when, self.keep = err, kind, only, when, keep
        self.armed = when is None
        self.failed: list[str] = []  # the path of every operation made to fail
        self.kept_bytes: bytes | None = None  # ``keep``'s bytes when the first failure happened
        self.full_fds: dict[int, str] = {}  # full disk: descriptors whose writes fail
        self.busy = False

    # ------------------------------------------------------------ which paths
    def below(self, path: Any, inclusive: bool = True) -> str | None:
        """``path`` as given (what the OS error names) when it lies under the folder, else None."""
        if isinstance(path, int) or self.busy:
            return None
        given = os.fsdecode(path)
        p = os.path.abspath(given)
        if p.startswith(self.folder + os.sep) or (inclusive and p == self.folder):
            return given
        return None

    def hits(self, path: str | None) -> bool:
        """True when an operation on ``path`` (already known to be under the folder) must fail."""
        if path is None or (self.only is not None and self.only not in os.path.basename(path)):
            return False
        if not self.armed and self.when is not None:
            self.busy = True
            try:
                self.armed = bool(self.when())
            finally:
                self.busy = False
        return self.armed

    def error(self, path: str, err: int | None = None) -> OSError:
        if not self.failed and self.keep is not None and os.path.exists(self.keep):
            self.busy = True
            try:
                with REAL_IO_OPEN(self.keep, "rb") as fh:
                    self.kept_bytes = fh.read()
            finally:
                self.busy = False
        self.failed.append(path)
        code = self.err if err is None else err
        return OSError(code, os.strerror(code), path)  # OSError picks the subclass (PermissionError …)

    # ------------------------------------------------------------ the fakes
    def io_open(self, file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, int) and file in self.full_fds:
            return FullFile(REAL_IO_OPEN(file, mode, *args, **kwargs), self, self.full_fds.pop(file))
        if self.kind == "unsearchable":
            path = self.below(file, inclusive=False)
            if self.hits(path):
                raise self.error(path)  # type: ignore[arg-type]
            return REAL_IO_OPEN(file, mode, *args, **kwargs)
        path = self.below(file)
        if any(c in mode for c in "wax+") and self.hits(path):
            if self.kind == "read-only":
                raise self.error(path)  # type: ignore[arg-type]
            return FullFile(REAL_IO_OPEN(file, mode, *args, **kwargs), self, path)  # type: ignore[arg-type]
        return REAL_IO_OPEN(file, mode, *args, **kwargs)

    def os_open(self, file: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        path = self.below(file, inclusive=self.kind != "unsearchable")
        if self.kind == "unsearchable" and self.hits(path):
            raise self.error(path)  # type: ignore[arg-type]
        if flags & WRITE_FLAGS and self.hits(path):
            if self.kind == "read-only":
                raise self.error(path)  # type: ignore[arg-type]
            fd = REAL["open"](file, flags, *args, **kwargs)
            self.full_fds[fd] = path  # type: ignore[assignment]
            return fd
        return REAL["open"](file, flags, *args, **kwargs)

    def os_write(self, fd: int, data: bytes) -> int:
        if fd in self.full_fds and len(data):
            raise self.error(self.full_fds[fd])
        return REAL["write"](fd, data)

    def changing(self, name: str) -> Callable[..., Any]:
        """mkdir, replace, rename, unlink, remove, rmdir, chmod."""
        real = REAL[name]

        def fake(*args: Any, **kwargs: Any) -> Any:
            paths = [self.below(a, inclusive=self.kind != "unsearchable") for a in args[:2] if isinstance(a, (str, bytes, os.PathLike))]
            if self.kind == "full":
                paths = paths[:1] if name == "mkdir" else []  # a full disk still renames and removes
            for path in paths:
                if self.hits(path):
                    raise self.error(path)  # type: ignore[arg-type]
            return real(*args, **kwargs)

        return fake

    def looking(self, name: str) -> Callable[..., Any]:
        """stat, lstat, listdir, scandir, access: only a folder without search permission refuses them."""
        real = REAL[name]

        def fake(path: Any = ".", *args: Any, **kwargs: Any) -> Any:
            if self.kind == "unsearchable":
                p = self.below(path, inclusive=name in ("listdir", "scandir"))
                if self.hits(p):
                    if name == "access":
                        return False
                    raise self.error(p)  # type: ignore[arg-type]
            elif name == "access" and len(args) >= 1 and args[0] & os.W_OK and self.kind == "read-only" and self.hits(self.below(path)):
                return False
            return real(path, *args, **kwargs)

        return fake

    @contextmanager
    def installed(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fault]:
        with monkeypatch.context() as m:
            m.setattr(io, "open", self.io_open)
            m.setattr("builtins.open", self.io_open)
            m.setattr(os, "open", self.os_open)
            m.setattr(os, "write", self.os_write)
            for name in ("mkdir", "replace", "rename", "unlink", "remove", "rmdir", "chmod"):
                m.setattr(os, name, self.changing(name))
            for name in ("stat", "lstat", "listdir", "scandir", "access"):
                m.setattr(os, name, self.looking(name))
            yield self


class FullFile:
    """A file on a full disk: it opened (and truncated), but no byte can be written."""

    def __init__(self, fh: Any, fault: Fault, path: str) -> None:
        self._fh, self._fault, self._path = fh, fault, path

    def write(self, data: Any) -> int:
        if len(data):
            raise self._fault.error(self._path)
        return 0

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)

    def __enter__(self) -> FullFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


# ----------------------------------------------------------------- helpers
def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for folders)."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


def tuinn(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fault: Fault | None, *args: str) -> tuple[int, str, str]:
    """``tuinn ARGS`` in-process, with ``fault`` installed while it runs."""
    capsys.readouterr()
    if fault is None:
        code = cli.main(list(args))
    else:
        with fault.installed(monkeypatch):
            code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(code: int, err: str, path: str, err_no: int, fault: Fault) -> str:
    """Exit 2 and one error line that names ``path`` and the OS error; and the fault did fire."""
    assert fault.failed, "the fault never fired: tuinn wrote in a way this test does not intercept"
    shown = f"exit {code}, stderr: {err!r}, failed: {fault.failed}"
    assert "Traceback" not in err, shown
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, shown
    assert len(lines) == 1 and lines[0].startswith(PREFIX), shown
    assert path in lines[0], f"{path!r} not named\n{shown}"
    assert os.strerror(err_no).lower() in lines[0].lower(), f"{os.strerror(err_no)!r} not said\n{shown}"
    return lines[0]


def metrics_lines(run: Path) -> int:
    path = run / "metrics.jsonl"
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def no_temporary_files(run: Path) -> None:
    left = [p.name for p in run.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".tuinn-write-test")]
    assert left == [], f"left behind: {left}"


@pytest.fixture(scope="module")
def template_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run folder (xor, 1 epoch), made once and copied where a test needs one."""
    run = tmp_path_factory.mktemp("template") / "RUN"
    assert cli.main(["train", "xor", "--epochs", "1", "--out", str(run), "--quiet"]) == 0
    assert {p.name for p in run.iterdir()} >= {"config.toml", "metrics.jsonl", CHECKPOINT, "results.json"}
    return run


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the working folder, with no dataset to be found anywhere."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TUINN_DATA_DIR", str(tmp_path / "no-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "no-cache"))
    return tmp_path


READ_ONLY = [pytest.param(errno.EROFS, id="read-only-mount"), pytest.param(errno.EACCES, id="no-write-permission")]


# --------------------------------------------------- before anything is written
@pytest.mark.parametrize("err_no", READ_ONLY)
def test_write_failure_out_in_a_read_only_folder(workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                                 err_no: int) -> None:
    """``--out locked/run`` where ``locked`` is read-only: one line, exit 2, nothing created (was: skipped as root)."""
    (workdir / "locked").mkdir()
    before = tree(workdir)
    fault = Fault(workdir / "locked", err_no, "read-only")
    code, out, err = tuinn(capsys, monkeypatch, fault, "train", "xor", "--epochs", "2", "--out", "locked/run", "--quiet")
    assert_one_line(code, err, "locked/run", err_no, fault)
    assert out == "" and tree(workdir) == before


def test_write_failure_out_in_an_unsearchable_folder(workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """``--out hidden/run`` where ``hidden`` has no search permission: one line, exit 2, nothing created (was: skipped as root)."""
    (workdir / "hidden").mkdir()
    before = tree(workdir)
    fault = Fault(workdir / "hidden", errno.EACCES, "unsearchable")
    code, out, err = tuinn(capsys, monkeypatch, fault, "train", "xor", "--epochs", "2", "--out", "hidden/run", "--quiet")
    assert_one_line(code, err, "hidden/run", errno.EACCES, fault)
    assert out == "" and tree(workdir) == before


@pytest.mark.parametrize("command", [["train", "--resume", "hidden/RUN", "--epochs", "3", "--quiet"], ["eval", "hidden/RUN"]],
                         ids=["resume", "eval"])
def test_write_failure_run_folder_in_an_unsearchable_folder(workdir: Path, template_run: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    """``--resume`` / ``eval`` of a run inside a folder without search permission: one line, exit 2 (was: skipped as root)."""
    shutil.copytree(template_run, workdir / "hidden" / "RUN")
    before = tree(workdir)
    fault = Fault(workdir / "hidden", errno.EACCES, "unsearchable")
    code, out, err = tuinn(capsys, monkeypatch, fault, *command)
    assert_one_line(code, err, "hidden/RUN", errno.EACCES, fault)
    assert out == "" and tree(workdir) == before


@pytest.mark.parametrize("err_no", READ_ONLY)
def test_write_failure_resume_in_a_read_only_run_folder_changes_nothing(workdir: Path, template_run: Path, capsys: pytest.CaptureFixture[str],
                                                                        monkeypatch: pytest.MonkeyPatch, err_no: int) -> None:
    run = workdir / "RUN"
    shutil.copytree(template_run, run)
    before = tree(workdir)
    fault = Fault(run, err_no, "read-only")
    code, out, err = tuinn(capsys, monkeypatch, fault, "train", "--resume", str(run), "--epochs", "3", "--quiet")
    assert_one_line(code, err, str(run), err_no, fault)
    assert out == "" and tree(workdir) == before


def test_write_failure_eval_needs_no_write_access(workdir: Path, template_run: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Positive control: ``tuinn eval`` of a run on a read-only medium works (it writes nothing)."""
    run = workdir / "RUN"
    shutil.copytree(template_run, run)
    before = tree(workdir)
    fault = Fault(run, errno.EROFS, "read-only")
    code, out, err = tuinn(capsys, monkeypatch, fault, "eval", str(run), "--json")
    assert code == 0, err
    assert fault.failed == [] and tree(workdir) == before
    assert '"test"' in out


# ------------------------------------------------------------ during training
def test_write_failure_full_disk_at_config_toml(workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk is full from the start: the first file of the run folder cannot be written."""
    run = workdir / "RUN"
    fault = Fault(workdir, errno.ENOSPC, "full", only="config.toml")
    code, _, err = tuinn(capsys, monkeypatch, fault, "train", "xor", "--epochs", "2", "--out", str(run), "--quiet")
    assert_one_line(code, err, str(run / "config.toml"), errno.ENOSPC, fault)
    if run.exists():
        no_temporary_files(run)
        assert not (run / CHECKPOINT).exists() and not (run / "metrics.jsonl").exists()


def test_write_failure_full_disk_at_a_metrics_line_keeps_the_checkpoint(workdir: Path, capsys: pytest.CaptureFixture[str],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """metrics.jsonl cannot take the lines after epoch 1: one line, exit 2, the checkpoint as it was; once there is
    space again, ``--resume`` goes on from it. (The lines are buffered and appended before each checkpoint and at
    the end: the fault arms once the first line is on disk, i.e. at the next append.)"""
    run = workdir / "RUN"
    fault = Fault(workdir, errno.ENOSPC, "full", only="metrics.jsonl", when=lambda: metrics_lines(run) >= 1, keep=run / CHECKPOINT)
    code, _, err = tuinn(capsys, monkeypatch, fault, "train", "xor", "--epochs", "5", "--out", str(run), "--quiet")
    assert_one_line(code, err, str(run / "metrics.jsonl"), errno.ENOSPC, fault)
    assert fault.kept_bytes is not None and (run / CHECKPOINT).read_bytes() == fault.kept_bytes
    saved = checkpoint.load(run / CHECKPOINT)
    assert 1 <= saved.state["epoch"] <= 2
    no_temporary_files(run)
    # the disk has space again: the run goes on from its checkpoint
    code, _, err = tuinn(capsys, monkeypatch, None, "train", "--resume", str(run), "--epochs", "5", "--quiet")
    assert code == 0, err
    assert checkpoint.load(run / CHECKPOINT).state["epoch"] == 5 and metrics_lines(run) == 5


def test_write_failure_full_disk_at_a_checkpoint_keeps_the_previous_one(workdir: Path, capsys: pytest.CaptureFixture[str],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The checkpoint after epoch 3 cannot be written: the one before stays, byte for byte, and no temporary file is left."""
    run = workdir / "RUN"
    fault = Fault(workdir, errno.ENOSPC, "full", only=CHECKPOINT, when=lambda: metrics_lines(run) >= 3, keep=run / CHECKPOINT)
    code, _, err = tuinn(capsys, monkeypatch, fault, "train", "xor", "--epochs", "3", "--out", str(run), "--quiet")
    assert_one_line(code, err, str(run / CHECKPOINT), errno.ENOSPC, fault)
    assert fault.kept_bytes is not None and (run / CHECKPOINT).read_bytes() == fault.kept_bytes
    assert 1 <= checkpoint.load(run / CHECKPOINT).state["epoch"] < 3
    no_temporary_files(run)


@pytest.mark.parametrize("err_no", READ_ONLY)
def test_write_failure_run_folder_turns_read_only_mid_run(workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                                          err_no: int) -> None:
    """After epoch 2 nothing in the run folder can be written any more (e.g. remounted read-only)."""
    run = workdir / "RUN"
    fault = Fault(run, err_no, "read-only", when=lambda: metrics_lines(run) >= 2, keep=run / CHECKPOINT)
    code, _, err = tuinn(capsys, monkeypatch, fault, "train", "xor", "--epochs", "5", "--out", str(run), "--quiet")
    assert_one_line(code, err, str(run), err_no, fault)
    assert fault.kept_bytes is not None and (run / CHECKPOINT).read_bytes() == fault.kept_bytes
    assert checkpoint.load(run / CHECKPOINT).state["epoch"] >= 1


def test_write_failure_full_disk_at_results_json(workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Training finished and was checkpointed; only results.json cannot be written."""
    run = workdir / "RUN"
    fault = Fault(workdir, errno.ENOSPC, "full", only="results.json", keep=run / CHECKPOINT)
    code, _, err = tuinn(capsys, monkeypatch, fault, "train", "xor", "--epochs", "2", "--out", str(run), "--quiet")
    assert_one_line(code, err, str(run / "results.json"), errno.ENOSPC, fault)
    assert fault.kept_bytes is not None and (run / CHECKPOINT).read_bytes() == fault.kept_bytes
    assert checkpoint.load(run / CHECKPOINT).state["epoch"] == 2
    assert not (run / "results.json").exists()
    no_temporary_files(run)


def test_write_failure_full_disk_in_the_kfold_phase(workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A fold's line cannot be appended to folds.jsonl: one line naming it, exit 2."""
    run = workdir / "RUN"
    fault = Fault(workdir, errno.ENOSPC, "full", only="folds.jsonl")
    code, _, err = tuinn(capsys, monkeypatch, fault, "train", "xor", "--epochs", "1", "--kfold", "3", "--out", str(run), "--quiet")
    assert_one_line(code, err, str(run / "folds.jsonl"), errno.ENOSPC, fault)
    no_temporary_files(run)


# ------------------------------------------------------------- the fault itself
def test_the_fault_fails_like_the_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the tests above rely on: each kind of fault fails the operations it should, and only those."""
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "old").write_bytes(b"old")
    with Fault(folder, errno.EROFS, "read-only").installed(monkeypatch) as fault:
        assert (folder / "old").read_bytes() == b"old"  # reading works
        for attempt in (lambda: (folder / "new").write_bytes(b"x"), lambda: (folder / "sub").mkdir(),
                        lambda: os.replace(folder / "old", folder / "moved"), lambda: (folder / "old").unlink(),
                        lambda: open(folder / "old", "a"), lambda: os.open(folder / "n", os.O_CREAT | os.O_WRONLY)):
            with pytest.raises(OSError) as info:
                attempt()
            assert info.value.errno == errno.EROFS and str(folder) in str(info.value.filename)
        (tmp_path / "outside").write_bytes(b"fine")  # outside the folder nothing changes
        assert len(fault.failed) == 6
    with Fault(folder, errno.ENOSPC, "full").installed(monkeypatch) as fault:
        with pytest.raises(OSError) as info:
            (folder / "old").write_bytes(b"new")
        assert info.value.errno == errno.ENOSPC
        assert (folder / "old").read_bytes() == b""  # opened and truncated: why checkpoints are written atomically
        with pytest.raises(OSError):
            checkpoint.atomic_write_bytes(folder / "ckpt", b"data")
        assert sorted(p.name for p in folder.iterdir()) == ["old"]  # the temporary file was removed
    with Fault(folder, errno.EACCES, "unsearchable").installed(monkeypatch):
        with pytest.raises(PermissionError):
            (folder / "old").exists()
        with pytest.raises(PermissionError):
            list(folder.iterdir())
        assert tmp_path.exists() and folder.exists()  # the folder itself can be seen

"""`tuinn serve`'s checks, in-process: every mistake is one line, exit 2, and nothing is served or written.

No server runs here (each case fails before listening, or only the pure checks are
called); tests/serve/test_serve_browser.py runs the real one.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from tuinn.cli import main
from tuinn.cli.serve import choose_token, served_words, token_free
from tuinn.errors import TuinnError


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["serve", *argv])
    captured = capsys.readouterr()
    return code, captured.err, captured.out


def one_line_error(code: int, err: str, out: str = "") -> str:
    assert code == 2 and out == "", out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tuinn: error: "), err
    return lines[0]


def test_a_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        line = one_line_error(*run(capsys, "--port", str(port), "--root", str(tmp_path / "root")))
    assert f"port {port} on 127.0.0.1 is in use" in line
    assert not (tmp_path / "root").exists()  # nothing written


@pytest.mark.parametrize(("argv", "says"), [
    (["--host", "no-such-host.invalid"], "not an address or a name this machine can resolve"),
    (["--host", ""], "give an address"),
    (["--host", "192.0.2.1"], "not an address of this machine"),  # TEST-NET-1: never a local address
    (["--port", "70000"], "must be between 0 (any free port) and 65535"),
    (["--max-sessions", "0"], "must be ≥ 1"),
    (["--host", "0.0.0.0", "--token", "short"], "--token: use 8 to 128"),
    (["--token", "has space in it"], "--token: use 8 to 128"),
    (["--command", "train circle"], "'tuinn train' does not open the app"),
    (["--command", "lesson list"], "give a lesson number"),
    (["--command", "lesson 99"], "no lesson 99"),
    (["--command", "lab nosuch"], "no lab named 'nosuch'"),
    (["--command", "play circle; rm -rf /"], "unrecognized arguments"),
    (["--command", "play 'circle"], "No closing quotation"),
    (["--command", ""], "empty"),
    (["--command", "lesson --help"], "not its --help"),
    (["circle", "--command", "lesson 3"], "EXPERIMENT or --command, not both"),
    (["no-such-experiment.toml"], "no such experiment file"),
])
def test_bad_arguments_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], says: str) -> None:
    line = one_line_error(*run(capsys, "--port", "0", "--root", str(tmp_path / "root"), *argv))
    assert says in line
    assert not (tmp_path / "root").exists()


def test_a_root_that_is_a_file_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x", encoding="utf-8")
    assert "not a folder" in one_line_error(*run(capsys, "--port", "0", "--root", str(tmp_path / "f")))


def test_textual_serve_missing_names_the_extra(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "tuinn.cli.serve_app", raising=False)
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # import textual_serve → ImportError
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    monkeypatch.setitem(sys.modules, "textual_serve.app_service", None)
    line = one_line_error(*run(capsys))
    assert "pip install 'tuinn[serve]'" in line


def test_the_served_command_is_tuinns_own_and_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert served_words(None, None) == ["play", "playground"]
    assert served_words("circle", None) == ["play", "circle"]
    assert served_words(None, "lesson 3") == ["lesson", "3"]
    assert served_words(None, "tuinn lab neuron") == ["lab", "neuron"]
    assert served_words(None, "spiral --play") == ["play", "spiral", "--play"]
    # A file is made absolute: sessions run in --root, where the relative name means nothing.
    (tmp_path / "mine.toml").write_text('name = "mine"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert served_words("mine.toml", None) == ["play", str((tmp_path / "mine.toml").resolve())]
    with pytest.raises(TuinnError, match="does not open the app"):
        served_words(None, "step backprop")


def test_a_token_is_needed_on_any_host_but_this_machine() -> None:
    assert token_free("127.0.0.1", 0) and token_free("localhost", 0)
    assert not token_free("127.0.0.2", 0) and not token_free("0.0.0.0", 0)
    assert choose_token("127.0.0.1", 0, None, require=False) is None
    generated = choose_token("0.0.0.0", 0, None, require=False)
    assert generated is not None and len(generated) >= 16
    assert generated != choose_token("0.0.0.0", 0, None, require=False)  # random, not a constant
    assert choose_token("127.0.0.1", 0, None, require=True) is not None
    assert choose_token("127.0.0.2", 0, "teacher-token-1", require=False) == "teacher-token-1"
    assert choose_token("127.0.0.1", 0, "teacher-token-1", require=False) == "teacher-token-1"  # given: always asked for

"""`tuinn serve` for real: the command in a subprocess, the page in headless Chromium.

Debian's ``chromium`` driven by Playwright for Python (``executable_path``: Playwright's
own browser download is not used); .ci/run installs both, so CI runs these. They skip
only where chromium or playwright is missing. Each server binds 127.0.0.2 — loopback,
but not 127.0.0.1, so the token is required — on a free port (``--port 0``; the server
prints its URL). Waits are on events (a websocket frame with a given text, a page state,
a line the server prints), never fixed sleeps. Screenshots go to the test's tmp_path.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
try:
    from playwright.sync_api import Page, WebSocket, sync_playwright
except ImportError:  # pragma: no cover - CI installs it (.ci/run)
    sync_playwright = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; .ci/run does)"),
    pytest.mark.skipif(sync_playwright is None, reason="playwright is not installed (the dev extra)"),
]
HOST = "127.0.0.2"
WAIT_MS = 30_000  # upper bounds only: every wait ends on its event


class Served:
    """A running `tuinn serve` and the lines it prints (read by a thread, waited on by tests)."""

    def __init__(self, root: Path, *argv: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        self.process = subprocess.Popen([sys.executable, "-m", "tuinn", "serve", "--host", HOST, "--port", "0", "--root", str(root), *argv],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: list[str] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        first = self.wait_for(r"tuinn serve: (http://\S+)")
        self.url = first.group(1)
        assert "?token=" in self.url, self.url
        self.base = self.url.split("?", 1)[0]

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.lines.append("<eof>")
            self.changed.notify_all()

    def wait_for(self, pattern: str, after: int = 0, timeout: float = 30) -> re.Match[str]:
        """The first printed line (from index ``after``) matching ``pattern``."""
        regex = re.compile(pattern)
        found: list[re.Match[str]] = []

        def seen() -> bool:
            found[:] = [m for line in self.lines[after:] if (m := regex.search(line))][:1]
            return bool(found) or "<eof>" in self.lines

        with self.changed:
            self.changed.wait_for(seen, timeout)
        assert found, f"the server never printed {pattern!r}; it printed:\n" + "\n".join(self.lines)
        return found[0]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=20)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = Served(tmp_path / "root", "--max-sessions", "1")
    try:
        yield server
    finally:
        server.stop()


class Screen:
    """What the page's websocket received (the terminal draws on a canvas), searched for texts.

    Everything received is kept: a text drawn before anyone waited for it is still found
    (a paused app draws once and then sends nothing). ``mark()`` before an action and
    ``wait_for(text, since=mark)`` look only at what came after the action.
    """

    def __init__(self, page: Page) -> None:
        self.text = ""
        self.socket: WebSocket | None = None
        page.on("websocket", self._opened)

    def _opened(self, ws: WebSocket) -> None:
        self.socket = ws
        ws.on("framereceived", self._frame)

    def _frame(self, payload: bytes | str) -> None:
        self.text += payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload

    def mark(self) -> int:
        return len(self.text)

    def wait_for(self, text: str, since: int = 0) -> None:
        """Return once ``text`` was drawn after position ``since`` of what was received."""
        if text in self.text[since:]:
            return
        assert self.socket is not None, "the page opened no websocket"

        def drawn(payload: bytes | str) -> bool:  # the listener above may run before or after this: check both ways
            fresh = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
            return text in self.text[since:] or text in self.text[since:][-200:] + fresh

        self.socket.wait_for_event("framereceived", predicate=drawn, timeout=WAIT_MS)


def group_alive(pid: int) -> bool:
    """Whether any process of the session ``pid`` leads (start_new_session: pgid = pid) still runs."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by an init that does not reap) is not running
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_non_loopback_bind_answers_only_with_the_token_and_stops_on_sigterm(served: Served) -> None:
    assert get(served.base) == 403
    assert get(served.base + "?token=wrong-token") == 403
    assert get(served.base + "ws") == 403
    assert get(served.url) == 200
    served.process.send_signal(signal.SIGTERM)  # as a service manager stops it (Ctrl-C: the test below)
    assert served.process.wait(timeout=20) == 0
    served.wait_for("tuinn serve: stopped")


def open_browser():  # type: ignore[no-untyped-def]
    pw = sync_playwright().start()  # type: ignore[misc]
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
    return pw, browser


def new_page(browser, url: str, outside: list[str]) -> tuple[Page, Screen]:  # type: ignore[no-untyped-def]
    """The page at ``url``, its terminal drawn; any request that leaves the server is refused and noted in ``outside``."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.route(re.compile(r"^(?!https?://127\.0\.0\.2[:/])"), lambda route: (outside.append(route.request.url), route.abort()))
    screen = Screen(page)
    page.goto(url)
    page.wait_for_selector("body.-first-byte", timeout=WAIT_MS)  # the app's first bytes reached the terminal
    screen.wait_for("paused")
    return page, screen


def test_a_served_playground_trains_keeps_to_its_root_quits_and_stops_with_ctrl_c(served: Served, tmp_path: Path) -> None:
    """One flow (each session costs seconds to start): train, refuse a load outside --root,
    save inside it, quit with q, then Ctrl-C the server while a second tab is open."""
    root = tmp_path / "root"
    outside = tmp_path / "outside.toml"  # a valid experiment: without the root rule it would load
    outside.write_text('name = "outside"\n', encoding="utf-8")
    outside_requests: list[str] = []
    pw, browser = open_browser()
    try:
        page, screen = new_page(browser, served.url, outside_requests)
        pid = int(served.wait_for(r"session (\d+) started").group(1))
        assert group_alive(pid)
        assert get(served.url) == 503  # --max-sessions 1: another tab gets the 'full' page
        page.screenshot(path=tmp_path / "paused.png")

        page.click("#terminal")
        mark = screen.mark()
        page.keyboard.press(" ")
        screen.wait_for("training", mark)
        mark = screen.mark()
        page.keyboard.press(" ")  # pause again: the picture below is a trained one, and it holds still
        screen.wait_for("paused", mark)
        page.screenshot(path=tmp_path / "trained.png")
        assert (tmp_path / "paused.png").read_bytes() != (tmp_path / "trained.png").read_bytes()

        mark = screen.mark()
        page.keyboard.press("Control+o")  # load from outside the root: refused, in the app
        screen.wait_for("load an experiment", mark)
        page.keyboard.type(str(outside))
        mark = screen.mark()
        page.keyboard.press("Enter")
        screen.wait_for("not loaded", mark)
        screen.wait_for("outside the folder", mark)
        page.screenshot(path=tmp_path / "refused.png")

        mark = screen.mark()
        page.keyboard.press("Control+s")  # the proposed folder is relative: it lands in the root
        screen.wait_for("save the experiment", mark)
        mark = screen.mark()
        page.keyboard.press("Enter")
        screen.wait_for("saved to", mark)
        assert list(root.glob("runs/*/config.toml")) and list(root.glob("runs/*/model.safetensors"))

        page.keyboard.press("q")
        page.wait_for_selector("body.-closed", timeout=WAIT_MS)  # the page says the session ended
        served.wait_for(rf"session {pid} ended")
        assert not group_alive(pid)

        # Ctrl-C with a tab open: the server ends its session, tells the tab, exits 0.
        seen = len(served.lines)
        page, _ = new_page(browser, served.url, outside_requests)
        second = int(served.wait_for(r"session (\d+) started", after=seen).group(1))
        assert second != pid and group_alive(second)
        served.process.send_signal(signal.SIGINT)
        assert served.process.wait(timeout=20) == 0
        served.wait_for("tuinn serve: stopped")
        assert not group_alive(second)
        page.wait_for_selector("body.-closed", timeout=WAIT_MS)
        assert outside_requests == []  # the page works offline: nothing but the server was asked for
    finally:
        browser.close()
        pw.stop()

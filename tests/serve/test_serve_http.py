"""The server's rules over HTTP, in-process (aiohttp's test server, no browser, no session started),
and the parts of textual-serve that tuinn/cli/serve_app.py relies on (pinned to 1.1.x).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("textual_serve", reason="textual-serve is not installed (the serve extra)")

from aiohttp.test_utils import TestClient, TestServer
from textual_serve.download_manager import DownloadManager

from tuinn.cli.serve import ServePlan
from tuinn.cli.serve_app import GOOGLE_FONTS, ChildSession, ClassroomServer

TOKEN = "classroom-token-123"


def plan(tmp_path: Path, token: str | None, max_sessions: int = 8) -> ServePlan:
    return ServePlan(argv=(sys.executable, "-m", "tuinn", "play", "playground"), words=("play", "playground"),
                     host="127.0.0.1", token=token, root=tmp_path, max_sessions=max_sessions)


def with_client(server: ClassroomServer, check: Callable[[TestClient], Awaitable[None]]) -> None:
    async def go() -> None:
        async with TestClient(TestServer(await server._make_app())) as client:
            await check(client)

    asyncio.run(go())


# ------------------------------------------------------------------ what textual-serve must still be
def test_textual_serve_is_the_version_and_shape_relied_on() -> None:
    import textual_serve
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    major, minor, *_ = (int(p) for p in version("textual-serve").split(".")[:3])
    assert (major, minor) == (1, 1), "serve_app.py subclasses textual-serve 1.1; check it before widening the pin"
    for name in ("_make_app", "handle_index", "handle_websocket", "_process_messages", "on_startup", "on_shutdown", "request_exit"):
        assert callable(getattr(Server, name)), name
    for name in ("_build_environment", "_open_app_process", "start", "stop", "send_meta"):
        assert callable(getattr(AppService, name)), name
    base = Path(textual_serve.__file__).parent
    page = (base / "templates" / "app_index.html").read_text(encoding="utf-8")
    assert 'data-session-websocket-url="{{ app_websocket_url }}"' in page and "{{ config.static.url }}" in page
    assert GOOGLE_FONTS.search(page), "the page's web-font link, replaced by the bundled font, has changed"
    assert {"RobotoMono-VariableFont_wght.ttf", "RobotoMono-Italic-VariableFont_wght.ttf"} <= {p.name for p in (base / "static" / "fonts").iterdir()}
    # The page's script appends the size as a query string: the token must be in the websocket's path.
    assert 'this.websocket_url+"?width="' in (base / "static" / "js" / "textual.js").read_text(encoding="utf-8")


def test_the_base_server_has_the_routes_the_guard_expects(tmp_path: Path) -> None:
    async def go() -> None:
        app = await ClassroomServer(plan(tmp_path, TOKEN), 0, say=lambda _: None)._make_app()
        names = {r.name for r in app.router.routes() if r.name}
        assert {"index", "websocket", "static", "download", "websocket-token"} <= names

    asyncio.run(go())


# ------------------------------------------------------------------ the token
def test_page_and_websocket_need_the_token_static_files_do_not(tmp_path: Path) -> None:
    async def check(client: TestClient) -> None:
        for path in ("/", "/?token=wrong", "/ws", "/ws/wrong", "/download/x"):
            response = await client.get(path)
            assert response.status == 403, path
            assert "token" in await response.text()
        page = await client.get(f"/?token={TOKEN}")
        assert page.status == 200
        text = await page.text()
        assert f'/ws/{TOKEN}"' in text  # the websocket carries the token in its path
        assert "googleapis" not in text and "/static/fonts/RobotoMono-VariableFont_wght.ttf" in text  # offline: the bundled font
        assert (await client.get("/static/fonts/RobotoMono-VariableFont_wght.ttf")).status == 200
        assert (await client.get("/static/js/textual.js")).status == 200

    with_client(ClassroomServer(plan(tmp_path, TOKEN), 0, say=lambda _: None), check)


def test_without_a_token_only_a_loopback_host_header_is_answered(tmp_path: Path) -> None:
    async def check(client: TestClient) -> None:
        assert (await client.get("/")).status == 200  # the test client's Host is 127.0.0.1:PORT
        assert (await client.get("/", headers={"Host": "localhost:8000"})).status == 200
        response = await client.get("/", headers={"Host": "evil.example:8000"})  # DNS rebinding
        assert response.status == 403
        ws = await client.get("/ws", headers={"Origin": "http://evil.example"})  # another site's page
        assert ws.status == 403 and "this server's page" in await ws.text()
        for host in ("[::1", "evil.example:x", ""):  # not a host at all: refused, not a server error
            assert (await client.get("/", headers={"Host": host})).status == 403, host
        assert (await client.get("/ws", headers={"Origin": "http://[::1"})).status == 403

    with_client(ClassroomServer(plan(tmp_path, None), 0, say=lambda _: None), check)


# ------------------------------------------------------------------ --max-sessions
def test_a_full_server_says_so_with_503(tmp_path: Path) -> None:
    server = ClassroomServer(plan(tmp_path, None, max_sessions=1), 0, say=lambda _: None)

    async def check(client: TestClient) -> None:
        assert (await client.get("/")).status == 200
        server.sessions.add(object())  # type: ignore[arg-type]  # one live session
        for path in ("/", "/ws"):
            response = await client.get(path)
            assert response.status == 503, path
            assert "every session is in use" in await response.text() and "at most 1 session" in await response.text()
        server.sessions.clear()
        assert (await client.get("/")).status == 200  # a tab closed: room again

    with_client(server, check)


# ------------------------------------------------------------------ the child process
def test_a_session_runs_an_argument_list_in_the_root_never_a_shell(tmp_path: Path) -> None:
    """What a shell would expand ($(…), ;) reaches the child as text; cwd and $TUINN_ROOT are the root."""
    script = "import os, sys; print(sys.argv[1]); print(os.getcwd()); print(os.environ['TUINN_ROOT'])"
    sneaky = f"$(touch {tmp_path}/pwned); echo hi"

    async def go() -> list[str]:
        async def nothing(*_: Any) -> None:
            return None

        session = ChildSession((sys.executable, "-c", script, sneaky), str(tmp_path), write_bytes=nothing, write_str=nothing,
                               close=nothing, download_manager=DownloadManager())
        process = await session._open_app_process()
        out, _ = await process.communicate()
        await session.end()
        return out.decode().splitlines()

    lines = asyncio.run(go())
    assert lines == [sneaky, str(tmp_path), str(tmp_path)]
    assert not (tmp_path / "pwned").exists()


def test_a_process_that_opens_a_second_app_keeps_its_tab(tmp_path: Path) -> None:
    """`tuinn lesson N` opens the next lesson's app in the same process (`>`): the first app's
    "exit" must not close the tab, the second app's start line must not be read as a packet,
    and the second app is told the tab's size; the tab closes when the process's output ends."""
    script = r'''
import json, os
def packet(kind, payload):
    os.write(1, kind + len(payload).to_bytes(4, "big") + payload)
os.write(1, b"__GANGLION__\n")
packet(b"D", b"first app")
packet(b"M", json.dumps({"type": "exit"}).encode())
os.write(1, b"__GANGLION__\n")
data = b""
while b"resize" not in data:
    chunk = os.read(0, 1024)
    if not chunk:
        break
    data += chunk
packet(b"D", b"second app " + data[5:])
'''
    events: list[Any] = []

    async def go() -> None:
        async def data(payload: bytes) -> None:
            events.append(payload)

        async def text(payload: str) -> None:
            events.append(payload)

        async def close() -> None:
            events.append("closed")

        session = ChildSession((sys.executable, "-c", script), str(tmp_path), write_bytes=data, write_str=text, close=close,
                               download_manager=DownloadManager())
        await session.start(100, 30)
        await asyncio.wait_for(session._task, 20)  # type: ignore[arg-type]
        await session.end()
        assert not session.alive()

    asyncio.run(go())
    assert events[0] == b"first app"
    assert events[1].startswith(b"second app ") and json.loads(events[1][len(b"second app "):]) == {"type": "resize", "width": 100, "height": 30}
    assert events[2:] == ["closed"]

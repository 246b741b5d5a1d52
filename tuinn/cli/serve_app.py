"""The web server of ``tuinn serve``: textual-serve's, with a token, a session limit and no shell.

textual-serve (pinned to 1.1.x in pyproject; tests/serve/test_serve_http.py checks the
parts relied on) is an aiohttp application: ``/`` renders a page with a terminal,
``/ws`` is a websocket, and each websocket starts one process and relays its screen.
What this module changes, and why:

* a middleware answers 403 to a page, websocket or download request without the token
  (static files — the terminal's JavaScript and fonts — are public); without a token it
  accepts only a loopback ``Host`` header, so a web page elsewhere cannot reach the
  server through DNS rebinding, and every websocket must come from the server's own page
  (``Origin``), so another site cannot open sessions in a student's browser;
* the page gives the websocket its URL from the request (the browser's own host) with the
  token in the path (the page's script appends ``?width=…&height=…`` itself), and takes
  its font, Roboto Mono, from the copy inside textual-serve instead of Google Fonts: a
  classroom without internet gets the same page, and no student's browser calls out;
* each session is :class:`ChildSession`: the tuinn command as an argument list
  (``create_subprocess_exec``, never a shell), in ``--root`` with ``$TUINN_ROOT`` set, in
  a session of its own so that stopping the server ends it and nothing else;
* at most ``max_sessions`` at once; one more gets a page saying so (503);
* SIGINT / SIGTERM end every session (quit, then terminate, then kill) before exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import json
import logging
import os
import re
import shlex
import signal
import socket
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from tuinn.cli.serve import ServePlan
from tuinn.training.paths import ROOT_ENV

log = logging.getLogger("tuinn.serve")
QUIT_GRACE_S = 3.0  # a session asked to quit has this long before it is terminated, then killed
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}
GOOGLE_FONTS = re.compile(r"<link\s[^>]*fonts\.googleapis\.com[^>]*>", re.S)
LOCAL_FONTS = "<style>" + "".join(
    f"@font-face{{font-family:'Roboto Mono';src:url('/static/fonts/{name}') format('truetype');font-weight:100 700;font-style:{style}}}"
    for name, style in (("RobotoMono-VariableFont_wght.ttf", "normal"), ("RobotoMono-Italic-VariableFont_wght.ttf", "italic"))
) + "</style>"


class ChildSession(AppService):
    """One browser tab's tuinn process: an argument list, run in the served folder."""

    def __init__(self, argv: tuple[str, ...], root: str, **kwargs: Any) -> None:
        super().__init__(shlex.join(argv), **kwargs)
        self.argv = argv
        self.root = root
        self.websocket: web.WebSocketResponse | None = None
        self.size = (80, 24)

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        environment[ROOT_ENV] = self.root
        return environment

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            cwd=self.root,
            start_new_session=True,  # Ctrl-C in the teacher's terminal reaches the server, which ends us in order
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def start(self, width: int, height: int) -> None:
        self.size = (width, height)
        await super().start(width, height)

    async def set_terminal_size(self, width: int, height: int) -> None:
        self.size = (width, height)  # told again to the next app of the same process
        await super().set_terminal_size(width, height)

    async def on_meta(self, data: bytes) -> None:
        """An app's "exit" does not end the tab: the process may open another app (see :meth:`run`)."""
        if json.loads(data).get("type") == "exit":
            return
        await super().on_meta(data)

    async def run(self) -> None:
        """textual-serve's relay loop, for a process that may run several apps one after another.

        Why not the base loop: ``tuinn lesson N`` opens the next lesson's app in the same
        process when the student presses ``>``. The base closes the tab at the first app's
        exit and reads the next app's ``__GANGLION__`` line as a packet header; here the
        line marks an app's start (the tab's size is sent to it again), and the tab is
        closed when the process's output ends.
        """
        assert self._process is not None and self._process.stdout is not None and self._process.stderr is not None
        stdout, stderr = self._process.stdout, self._process.stderr
        errors = asyncio.ensure_future(stderr.read())
        apps = 0
        try:
            while kind := await stdout.read(1):
                if kind not in b"DMP":  # a text line: an app's prelude, or something printed outside an app
                    line = kind + await stdout.readline()
                    if line.strip() == b"__GANGLION__":
                        apps += 1
                        if apps > 1:
                            await self.set_terminal_size(*self.size)
                    continue
                payload = await stdout.readexactly(int.from_bytes(await stdout.readexactly(4), "big"))
                handler = {b"D": self.on_data, b"M": self.on_meta, b"P": self.on_packed}[kind]
                await handler(payload)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the process or the tab went away: the same end as the base loop's
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.remote_close()
        try:
            text = (await asyncio.wait_for(errors, 1.0)).decode("utf-8", "replace")
        except (TimeoutError, ConnectionError, asyncio.CancelledError):
            text = ""
        if text.strip():  # a crash's traceback: the teacher's terminal shows it
            log.warning("session %s wrote on stderr:\n%s", self.pid, text.rstrip())

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def alive(self) -> bool:
        return self._process is not None and self._process.returncode is None

    async def end(self) -> None:
        """Ask the app to quit; terminate it if it has not within QUIT_GRACE_S, kill it if that fails too."""
        try:
            await asyncio.wait_for(self.stop(), QUIT_GRACE_S)
        except (TimeoutError, ConnectionError, RuntimeError):
            pass
        try:
            await self._gone()
        finally:
            if self._stdin is not None:
                self._stdin.close()  # the last open pipe: the process's transport can close now, not when collected

    async def _gone(self) -> None:
        """Wait for the process to exit; terminate it, then kill it, when it has not within QUIT_GRACE_S."""
        process = self._process
        if process is None:
            return
        # Its output has ended; wait for the exit itself before any signal: signalling a process that
        # has exited but not yet been reaped makes subprocess reap it behind asyncio's back.
        for stop in (None, process.terminate, process.kill):
            if stop is not None:
                try:
                    stop()
                except ProcessLookupError:
                    return
            try:
                await asyncio.wait_for(process.wait(), QUIT_GRACE_S)
                return
            except TimeoutError:
                continue


class ClassroomServer(Server):
    """textual-serve's server with tuinn's rules (module docstring)."""

    def __init__(self, served: ServePlan, port: int, say: Callable[[str], None] = print) -> None:
        super().__init__(shlex.join(served.argv), host=served.host, port=port, title="tuinn " + " ".join(served.words))
        self.served = served
        self.port = port
        self.say = say
        self.sessions: set[ChildSession] = set()
        self.stopping = False

    # -------------------------------------------------------------- the app
    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        app.router.add_get("/ws/{token}", self.handle_websocket, name="websocket-token")
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        """403 unless the request may reach a session (module docstring)."""
        if request.path.startswith("/static/"):
            return await handler(request)
        token = self.served.token
        if token is None:
            if _hostname(request.host) not in {*LOOPBACK_NAMES, self.served.host.lower()}:
                raise web.HTTPForbidden(text="tuinn serve: this server answers only to 127.0.0.1 / localhost\n")
        else:
            given = request.match_info.get("token") or request.query.get("token", "")
            if not hmac.compare_digest(given.encode(), token.encode()):
                raise web.HTTPForbidden(text="tuinn serve: open the address with the token the server printed (…/?token=…)\n")
        origin = request.headers.get("Origin")
        if request.path.startswith("/ws") and origin and _netloc(origin) != request.host:
            raise web.HTTPForbidden(text="tuinn serve: a session can be opened only from this server's page\n")
        return await handler(request)

    def full(self) -> bool:
        return len(self.sessions) >= self.served.max_sessions

    def full_page(self) -> web.Response:
        """503 and a page that says why: every place taken (``--max-sessions``), or the server stopping."""
        if self.stopping:
            title, why = "the server is stopping", "The teacher stopped this server."
        else:
            title = "every session is in use"
            why = (f"This server runs at most {self.served.max_sessions} session(s) at once (--max-sessions), "
                   "and all are open. Try again when someone closes their tab.")
        text = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>tuinn: {title}</title></head>"
                f"<body style='font-family:sans-serif;background:#0c181f;color:#eee;padding:2em'>"
                f"<h1>tuinn: {title}</h1><p>{html.escape(why)}</p></body></html>")
        return web.Response(status=503, text=text, content_type="text/html")

    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        """The terminal page, with the websocket's URL taken from the browser's own address."""
        if self.full() or self.stopping:
            return self.full_page()
        scheme = "wss" if request.secure else "ws"
        token = self.served.token
        path = "/ws" if token is None else f"/ws/{quote(token, safe='')}"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{scheme}://{request.host}{path}",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
        }
        page = GOOGLE_FONTS.sub(LOCAL_FONTS, aiohttp_jinja2.render_string("app_index.html", request, context))
        return web.Response(text=page, content_type="text/html")

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        """One tab: start its tuinn process and relay until either side ends."""
        if self.full() or self.stopping:
            return self.full_page()
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        # Counted before the first await: two tabs at once cannot both take the last place.
        session = ChildSession(self.served.argv, str(self.served.root), write_bytes=websocket.send_bytes,
                               write_str=websocket.send_str, close=websocket.close, download_manager=self.download_manager)
        session.websocket = websocket
        self.sessions.add(session)
        try:
            await websocket.prepare(request)
            await session.start(width, height)
            self.say(f"session {session.pid} started · {len(self.sessions)} of {self.served.max_sessions} in use")
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # a broken tab must not stop the server
            log.exception(error)
        finally:
            await session.end()
            self.sessions.discard(session)
            if session.pid is not None:
                self.say(f"session {session.pid} ended · {len(self.sessions)} of {self.served.max_sessions} in use")
        return websocket

    # -------------------------------------------------------------- start and stop
    async def on_startup(self, app: web.Application) -> None:
        served = self.served
        self.say(f"tuinn serve: {served.url(self.port)}")
        self.say(f"  each tab runs: tuinn {shlex.join(served.words)} · at most {served.max_sessions} at once")
        self.say(f"  sessions load and save only in {served.root}")
        if served.token:
            self.say("  the token is part of the address: share the whole line")
        self.say("  Ctrl-C stops the server and every session")

    async def on_shutdown(self, app: web.Application) -> None:
        """Every session ends (and its tab is told) before the server does."""
        self.stopping = True
        sessions = list(self.sessions)
        await asyncio.gather(*(s.end() for s in sessions), return_exceptions=True)
        for s in sessions:
            if s.websocket is not None:
                await s.websocket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopped")


def _hostname(host: str) -> str:
    """``127.0.0.1:8000`` → ``127.0.0.1``; ``[::1]:8000`` → ``::1``; "" for what is not a host."""
    try:
        return (urlsplit(f"//{host}").hostname or "").lower()
    except ValueError:
        return ""


def _netloc(url: str) -> str | None:
    """``http://host:8000`` → ``host:8000``; None for what is not a URL (never equal to a Host header)."""
    try:
        return urlsplit(url).netloc
    except ValueError:
        return None


def run(served: ServePlan, sock: socket.socket) -> int:
    """Serve on ``sock`` until SIGINT or SIGTERM; then no session process is left."""
    port = sock.getsockname()[1]
    server = ClassroomServer(served, port, say=lambda line: print(line, flush=True))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, server.request_exit)
    logging.basicConfig(level=logging.WARNING, format="tuinn serve: %(message)s")
    try:
        web.run_app(server._make_app(), sock=sock, handle_signals=False, loop=loop, print=None,
                    shutdown_timeout=QUIT_GRACE_S, access_log=None)
    finally:
        for session in server.sessions:  # should be none; never leave one behind
            if session.alive() and session.pid is not None:
                try:
                    os.killpg(session.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
    print("tuinn serve: stopped", flush=True)
    return 0


__all__ = ["ChildSession", "ClassroomServer", "run"]

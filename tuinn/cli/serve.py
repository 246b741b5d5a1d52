"""``tuinn serve``: the app in a browser, one tuinn process per tab, for a classroom.

textual-serve (the ``serve`` extra) runs a small web server whose page holds a terminal
(xterm.js, shipped inside the package, so it works offline); each tab that opens it gets
its own process running a tuinn command. This module decides *what* is served and checks
everything a teacher can get wrong before a socket is opened — the command, the host, the
token, the folder sessions may use — so each mistake is one line and exit status 2.
:mod:`tuinn.cli.serve_app` is the server itself (aiohttp, imported only when serving).

Safety, and why:

* It listens on 127.0.0.1 unless told otherwise. Any other address is reachable by other
  machines, so it needs a token (generated with :mod:`secrets` when not given, printed
  in the URL); the page and the websocket refuse a request without it (403).
* The served command is tuinn's own (``play``, ``lesson N``, ``lab NAME``), parsed here
  with tuinn's parser and run as an argument list, never through a shell.
* Sessions run in ``--root`` and may load and save only inside it (``$TUINN_ROOT``,
  checked by :func:`tuinn.training.paths.confine` where sessions read and write files).
* ``--max-sessions`` bounds the processes one server starts: each one trains on the
  server's CPU (see benchmarks/BENCHMARKS.md for what a 2-core machine holds).
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import re
import secrets
import shlex
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from tuinn.errors import TuinnError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_SESSIONS = 8
SERVABLE = ("play", "lesson", "lab")  # the commands that open the app (step is plain text on a pipe)
TOKEN_RE = re.compile(r"[A-Za-z0-9._~-]{8,128}")
INSTALL_HINT = "textual-serve is not installed: pip install 'tuinn[serve]'"


@dataclass(frozen=True)
class ServePlan:
    """Everything the server needs, checked: what to run, where to listen, who may connect."""

    argv: tuple[str, ...]  # the child process, e.g. (python, -m, tuinn, play, circle)
    words: tuple[str, ...]  # the tuinn command line it runs, for the start-up message
    host: str
    token: str | None
    root: Path
    max_sessions: int

    def url(self, port: int) -> str:
        """The address to open (with the token when one is needed)."""
        host = self.host
        if host in ("0.0.0.0", "::"):
            host = socket.gethostname()  # any address of this machine: its name is what others type
        if ":" in host:
            host = f"[{host}]"
        query = f"?token={self.token}" if self.token else ""
        return f"http://{host}:{port}/{query}"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``tuinn serve`` (called by :func:`tuinn.cli.build_parser`)."""
    from tuinn.cli import _positive

    serve = sub.add_parser(
        "serve",
        help="the app in a browser, one session per tab, for a classroom (needs tuinn[serve])",
        description=(
            "Serve the playground (or a lesson, or a lab) to web browsers: every tab gets its own tuinn session. "
            "Listens on 127.0.0.1 unless --host says otherwise; any other host needs a token (printed in the URL). "
            "Sessions load and save only inside --root."
        ),
    )
    serve.add_argument("experiment", nargs="?", metavar="EXPERIMENT",
                       help="experiment TOML file or built-in name for the playground (default: as for `tuinn`)")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}; 0.0.0.0: every network)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free port)")
    serve.add_argument("--root", metavar="DIR", help="the only folder sessions may load from and save to (default: "
                                                     "$XDG_DATA_HOME/tuinn/serve, i.e. ~/.local/share/tuinn/serve)")
    serve.add_argument("--token", metavar="T", help="the token browsers must give (default: a random one when the host is not 127.0.0.1)")
    serve.add_argument("--require-token", action="store_true", help="ask for a token on 127.0.0.1 too")
    serve.add_argument("--max-sessions", type=_positive, default=DEFAULT_MAX_SESSIONS, metavar="N",
                       help=f"at most N tabs at once; more get a 'server full' page (default {DEFAULT_MAX_SESSIONS})")
    serve.add_argument("--command", metavar="CMD",
                       help="the tuinn command each tab runs instead of the playground: 'lesson 3', 'lab neuron', 'play spiral --play'")
    serve.set_defaults(func=serve_command)


# ------------------------------------------------------------------ the command
def served_words(experiment: str | None, command: str | None) -> list[str]:
    """The tuinn command line each session runs, checked as tuinn itself would check it.

    ``command`` is split with :mod:`shlex` (quotes work, nothing is expanded: no shell
    ever sees it) and parsed by tuinn's own parser; only commands that open the app are
    served, and what they name (experiment, lesson, lab) must exist, so a typo fails here
    once rather than in every student's tab. An experiment file becomes an absolute path,
    since sessions run in ``--root``.
    """
    from tuinn.cli import COMMANDS, UsageError, build_parser

    if experiment is not None and command is not None:
        raise TuinnError("give EXPERIMENT or --command, not both")
    what = f"--command {command!r}" if command is not None else "tuinn serve"
    if command is not None:
        try:
            words = shlex.split(command)
        except ValueError as exc:
            raise TuinnError(f"{what}: {exc}") from None
        words = words[1:] if words[:1] == ["tuinn"] else words
        if not words:
            raise TuinnError(f"{what}: empty; give a tuinn command such as 'lesson 3'")
    else:
        words = ["play"] if experiment is None else ["play", experiment]
    if words[0] not in COMMANDS and not words[0].startswith("-"):
        words = ["play", *words]  # as `tuinn EXPERIMENT` opens the playground
    if words[0] not in SERVABLE:
        raise TuinnError(f"{what}: 'tuinn {words[0]}' does not open the app; serve play [EXPERIMENT], lesson N or lab NAME")
    if {"-h", "--help", "--version"} & set(words):  # argparse would print and exit
        raise TuinnError(f"{what}: serves a command that opens the app, not its --help")
    try:
        args = build_parser().parse_args(words)
    except UsageError as exc:
        raise TuinnError(f"{what}: {exc}") from None
    return _checked(args, what)


def _checked(args: argparse.Namespace, what: str) -> list[str]:
    """The parsed command with what it names checked to exist (an experiment path made absolute)."""
    if args.command == "play":
        return _checked_play(args)
    if args.command == "lesson":
        from tuinn.course.lessons import lesson

        try:
            number = int(args.which)
        except ValueError:
            raise TuinnError(f"{what}: give a lesson number (tuinn lesson list shows them)") from None
        lesson(number)  # an unknown number: TuinnError naming it
        return ["lesson", str(number)]
    from tuinn.course.labs import lab_names

    if args.name not in lab_names():
        raise TuinnError(f"{what}: no lab named {args.name!r}; labs: {', '.join(lab_names())}")
    return ["lab", args.name]


def _checked_play(args: argparse.Namespace) -> list[str]:
    """``play [CONFIG | --from-url URL] [--play]``, built once here as `tuinn play` would build it."""
    from tuinn.config.experiments import resolve
    from tuinn.config.spec import loads
    from tuinn.errors import ConfigError, attach_source
    from tuinn.session.playground import Playground

    url = getattr(args, "from_url", None)
    autoplay = ["--play"] if args.play else []
    if url is not None:
        from tuinn.config.tf_playground import parse_url

        if args.config is not None:
            raise TuinnError(f"give an experiment ({args.config!r}) or --from-url, not both")
        exp = parse_url(url).experiment
        words = ["play", "--from-url", url, *autoplay]
    else:
        config = args.config or "playground"
        text, source = resolve(config)
        exp = loads(text, source)
        if source and Path(config).is_file():
            config = str(Path(config).resolve())  # sessions run in --root: a relative path would name another file
        words = ["play", config, *autoplay]
    try:
        Playground(exp)  # a file that does not build fails here, once, not in every tab
    except ConfigError as exc:
        raise attach_source(exc, exp.source) from None
    return words


# ------------------------------------------------------------------ who may connect
def addresses(host: str, port: int) -> list[tuple]:
    """getaddrinfo for a listening socket; a bad host is one line."""
    if not host or host != host.strip():
        raise TuinnError(f"--host {host!r}: give an address such as 127.0.0.1 or 0.0.0.0, or a host name")
    try:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError, ValueError):
        raise TuinnError(f"--host {host!r}: not an address or a name this machine can resolve") from None


def token_free(host: str, port: int) -> bool:
    """True when ``host`` is this machine only (127.0.0.1 or ::1; 'localhost'): no token needed.

    Why not every loopback address: the rule is "any other host needs a token", and a
    rule with no exceptions is one a teacher can remember.
    """
    ips = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in addresses(host, port)}
    return ips <= {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}


def choose_token(host: str, port: int, token: str | None, require: bool) -> str | None:
    """The token browsers must give, or None on 127.0.0.1 without --token / --require-token."""
    if token is not None:
        if not TOKEN_RE.fullmatch(token):
            raise TuinnError("--token: use 8 to 128 letters, digits or - _ . ~ (it goes into a URL)")
        return token
    if require or not token_free(host, port):
        return secrets.token_urlsafe(16)
    return None


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (the first address it resolves to); errors in one line.

    Why bind here and not let aiohttp do it: a port in use is then a one-line error before
    anything starts, and ``--port 0`` gives a free port whose number we can print.
    """
    if not 0 <= port <= 65535:
        raise TuinnError(f"--port {port}: must be between 0 (any free port) and 65535")
    family, kind, proto, _, address = addresses(host, port)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after a stop (TIME_WAIT)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise TuinnError(f"port {port} on {host} is in use (another server?); choose another with --port") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise TuinnError(f"--host {host}: not an address of this machine") from None
        if exc.errno == errno.EACCES:
            raise TuinnError(f"--port {port}: permission denied (ports below 1024 need root); choose another with --port") from None
        raise TuinnError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


# ------------------------------------------------------------------ where sessions write
def default_root() -> Path:
    """``$XDG_DATA_HOME/tuinn/serve`` (``~/.local/share/tuinn/serve``): a folder made for the server.

    Why a data folder and not a temporary one: what students save outlives the server,
    so the teacher can look at it after class; and it is never the teacher's own files.
    """
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "tuinn" / "serve"


def root_folder(root: str | None) -> Path:
    """The served folder, absolute and resolved (sessions compare resolved paths with it); not made yet."""
    path = Path(root).expanduser() if root is not None else default_root()
    if path.exists() and not path.is_dir():
        raise TuinnError(f"--root {path}: not a folder")
    return path.resolve()


def make_root(path: Path) -> None:
    """Make the served folder (the last check: nothing is written when another one fails)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TuinnError(f"--root {path}: cannot make the folder ({exc.strerror})") from None


# ------------------------------------------------------------------ the command
def plan(args: argparse.Namespace) -> ServePlan:
    """Every check of ``tuinn serve``'s arguments, in the order a teacher would fix them."""
    words = served_words(args.experiment, args.command)
    token = choose_token(args.host, args.port, args.token, args.require_token)
    root = root_folder(args.root)
    argv = (sys.executable, "-m", "tuinn", *words)
    return ServePlan(argv=argv, words=tuple(words), host=args.host, token=token, root=root, max_sessions=args.max_sessions)


def serve_command(args: argparse.Namespace) -> int:
    """``tuinn serve``: check everything, listen, serve until Ctrl-C or SIGTERM."""
    try:
        from tuinn.cli.serve_app import run
    except ImportError:
        raise TuinnError(INSTALL_HINT) from None
    served = plan(args)
    sock = listen(args.host, args.port)
    try:
        make_root(served.root)
    except TuinnError:
        sock.close()
        raise
    return run(served, sock)


__all__ = ["DEFAULT_MAX_SESSIONS", "ServePlan", "add_parser", "choose_token", "default_root", "listen", "make_root", "plan",
           "root_folder", "serve_command", "served_words", "token_free"]

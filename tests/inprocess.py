"""Run ``tuinn ...`` inside the test process: the same ``main()`` the console script calls.

A fresh ``python -m tuinn`` costs 1–2 s of imports (numpy, torch) before it does anything;
in-process the CLI's parsing, errors and exit codes are the same. Tests that must see a
fresh interpreter (an exported module imported with nothing of tuinn loaded, a real
signal, a real terminal) still start one.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Result:
    """What ``subprocess.run(..., capture_output=True, text=True)`` would have given."""

    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def environment(env: dict[str, str] | None) -> Iterator[None]:
    """``os.environ`` with ``env`` laid over it, restored afterwards."""
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_tuinn(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
    """``tuinn ARGS`` with ``cwd`` as the working folder and ``env`` set; stdout and stderr captured."""
    from tuinn.cli import main

    out, err = io.StringIO(), io.StringIO()
    with (environment(env), contextlib.chdir(cwd or os.getcwd()), contextlib.redirect_stdout(out),
          contextlib.redirect_stderr(err)):
        code = main(list(args))
    return Result(code, out.getvalue(), err.getvalue())

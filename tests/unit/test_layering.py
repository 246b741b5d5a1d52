"""The headless core never imports textual or torch.

Every module under tuinn/ is found by walking the source tree, so a new module is checked
without anyone adding it to a list. Each headless module is imported in a fresh process
(a fork of one interpreter that holds only numpy) and ``sys.modules`` inspected, so an import buried anywhere in the chain is
caught, not only a top-level one.

What may import textual: the package tuinn/tui/ (render/ included) and nothing else.
Everything else, the command line included (it imports the apps inside the functions
that start them), is headless. tuinn/backends/torch.py is the one module that imports
torch, with tuinn/backends/distributed.py (DDP around it). tuinn/__main__.py is not imported (that would run the command line); it may
import nothing but :mod:`tuinn.cli`, which is checked.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "tuinn"
TUI_PACKAGE = "tuinn.tui"
TORCH_MODULE = "tuinn.backends.torch"
#: The torch modules: the backend, and its DistributedDataParallel wrapper (which imports the backend).
TORCH_MODULES = (TORCH_MODULE, "tuinn.backends.distributed")
ENTRY_POINT = "tuinn.__main__"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


ALL_MODULES = sorted(module_name(p) for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts)


def is_tui(module: str) -> bool:
    return module == TUI_PACKAGE or module.startswith(TUI_PACKAGE + ".")


HEADLESS = [m for m in ALL_MODULES if not is_tui(m) and m != ENTRY_POINT]


def test_the_walk_finds_every_module() -> None:
    """The list is the source tree: the known modules are in it, and the exceptions still exist."""
    assert len(HEADLESS) >= 50
    for module in ("tuinn", "tuinn.engine.network", "tuinn.data.tabular", "tuinn.training.run", "tuinn.cli", "tuinn.analysis.latent",
                   "tuinn.session.playground", "tuinn.training.trainer", "tuinn.course.labs", "tuinn.course.lessons", TORCH_MODULE):
        assert module in HEADLESS, module
    assert "tuinn.tui.app" in ALL_MODULES and not any(is_tui(m) for m in HEADLESS)
    assert ENTRY_POINT in ALL_MODULES


def test_only_the_torch_backend_imports_torch_at_module_level() -> None:
    """torch stays lazy: no module but tuinn/backends/torch.py imports it at the top (TUI modules included)."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        if module_name(path) in TORCH_MODULES:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] == "torch" for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_entry_point_imports_only_the_cli() -> None:
    tree = ast.parse((ROOT / "__main__.py").read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= {"__future__", "tuinn.cli"}, imported


#: Imports each module named in argv in a forked child of one interpreter (numpy, which
#: every layer may use, loaded once before the forks), and prints {module: [forbidden
#: modules it pulled in] or "error: …"} as JSON. One interpreter and ~100 forks instead
#: of ~100 interpreters: ~1.5 s of CPU instead of ~13 s.
FORK_CHECK = """
import json, os, sys, traceback
import numpy
result = {}
for name in json.loads(sys.argv[1]):
    forbidden = ("textual",) if name in json.loads(sys.argv[2]) else ("textual", "torch")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            __import__(name)
            out = sorted(m for m in sys.modules if m.split(".")[0] in forbidden)
        except BaseException as exc:
            out = "error: " + "".join(traceback.format_exception_only(exc)).strip()
        os.write(write, json.dumps(out).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    result[name] = json.loads(data) if data else "error: the child died"
print(json.dumps(result))
"""


def test_headless_modules_import_neither_textual_nor_torch() -> None:
    """Each headless module, imported alone in a fresh process, leaves textual and torch unloaded (torch: but the torch modules)."""
    have_torch = importlib.util.find_spec("torch") is not None
    modules = [m for m in HEADLESS if have_torch or m not in TORCH_MODULES]
    out = subprocess.run([sys.executable, "-c", FORK_CHECK, json.dumps(modules), json.dumps(TORCH_MODULES)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert sorted(result) == sorted(modules)
    bad = {m: r for m, r in result.items() if r}
    assert bad == {}, f"modules that fail to import or pull in textual/torch: {bad}"

"""The headless core never imports textual or torch (DESIGN.md §1).

Each module is imported in a fresh interpreter and ``sys.modules`` inspected, so an
import buried anywhere in the chain is caught, not only a top-level one.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "tuinn.engine",
    "tuinn.config",
    "tuinn.data",
    "tuinn.data.dataset",
    "tuinn.data.synthetic",
    "tuinn.model",
    "tuinn.training",
    "tuinn.walkthrough",
    "tuinn.experiments",
    "tuinn.cli",
    "tuinn.metrics",
    "tuinn.checkpoint",
    "tuinn.run",
    "tuinn.playground",
    "tuinn.backends",
    "tuinn.backends.numpy",
    "tuinn.compare",
    "tuinn.export",
]


def test_only_the_torch_backend_imports_torch_at_module_level() -> None:
    """torch stays lazy: no module but tuinn/backends/torch.py imports it at the top."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "tuinn"
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "torch.py":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] == "torch" for n in names):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_neither_textual_nor_torch(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'torch'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} pulls in {out.stdout.strip()}"

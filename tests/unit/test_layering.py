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
]


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_neither_textual_nor_torch(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'torch'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} pulls in {out.stdout.strip()}"

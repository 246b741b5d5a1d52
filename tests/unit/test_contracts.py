"""The layer contracts of pyproject.toml hold, and they cover the whole package.

``lint-imports`` (import-linter) reads ``[tool.importlinter]``: a ``layers`` contract from
cli/tui down to errors/metrics and two ``forbidden`` ones (textual only in tuinn.tui,
torch only in tuinn.backends). Running it here puts it in the test suite and so in CI.
The other tests guard what the contracts cannot say on their own: every package of
tuinn/ has a layer (a new one cannot sit outside the contract), inside tuinn.backends
only backends.torch imports torch, and the list of modules excused from the torch rule
does not grow.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "tuinn"
CONFIG = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
#: Modules that import torch directly and are not backends.torch; each belongs in backends (see pyproject.toml).
TORCH_EXCUSED: set[str] = set()  # export and doctor ask tuinn.backends.torch now


def contract(contract_id: str) -> dict:
    return next(c for c in CONFIG["contracts"] if c["id"] == contract_id)


def graph() -> grimp.ImportGraph:
    return grimp.build_graph("tuinn", include_external_packages=True, cache_dir=None)


def test_lint_imports_keeps_every_contract() -> None:
    script = Path(sys.executable).parent / "lint-imports"
    assert script.exists(), "lint-imports is missing: pip install -e '.[dev]' (import-linter is a dev dependency)"
    out = subprocess.run([str(script), "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert f"Contracts: {len(CONFIG['contracts'])} kept, 0 broken." in out.stdout


def test_every_package_of_tuinn_has_a_layer() -> None:
    """A package or top-level module missing from the layers list would escape the contract."""
    layered = {name.strip() for layer in contract("layers")["layers"] for name in layer.replace(":", "|").split("|")}
    children = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    children |= {p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")}
    assert layered == children


def test_the_forbidden_contracts_name_every_package_but_the_allowed_one() -> None:
    layered = {name.strip() for layer in contract("layers")["layers"] for name in layer.split("|")}
    textual_sources = {m.removeprefix("tuinn.") for m in contract("textual")["source_modules"]}
    torch_sources = {m.removeprefix("tuinn.") for m in contract("torch")["source_modules"]}
    assert textual_sources == layered - {"tui"}
    assert torch_sources == layered - {"backends"}
    assert {rule.split(" -> ")[0] for rule in contract("torch").get("ignore_imports", [])} == TORCH_EXCUSED
    assert "ignore_imports" not in contract("layers"), "the layers contract excuses nothing"


#: The backend modules that import torch: the model, and the DistributedDataParallel wrapper around it.
TORCH_MODULES = {"tuinn.backends.torch", "tuinn.backends.distributed"}


def test_inside_backends_only_the_torch_backend_imports_torch() -> None:
    importers = graph().find_modules_that_directly_import("torch")
    assert "tuinn.backends.torch" in importers
    assert {m for m in importers if m.startswith("tuinn.backends")} == TORCH_MODULES
    assert importers == TORCH_MODULES, "only tuinn.backends.torch (and .distributed) may import torch: put it there"


def test_config_and_data_do_not_import_each_other_both_ways() -> None:
    """config validates against data's sources (config → data); data never imports config (the cycle that was)."""
    g = graph()
    data_modules = {m for m in g.modules if m == "tuinn.data" or m.startswith("tuinn.data.")}
    for module in data_modules:
        assert not any(m.startswith("tuinn.config") for m in g.find_modules_directly_imported_by(module)), module
    assert "tuinn.data.spec" in g.find_modules_directly_imported_by("tuinn.config.spec")

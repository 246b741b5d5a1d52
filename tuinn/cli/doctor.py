"""``tuinn doctor``: what tuinn runs on here, in a few lines a bug report can paste."""

from __future__ import annotations

import platform
import sys
from importlib import metadata


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def doctor() -> int:
    from tuinn import __version__
    from tuinn.backends import choose_backend, torch_available
    from tuinn.config.experiments import resolve
    from tuinn.config.spec import loads
    from tuinn.data.registry import search_paths

    lines = [
        f"tuinn      {__version__}",
        f"Python     {platform.python_version()} ({sys.executable})",
        f"platform   {platform.platform()}",
        f"numpy      {_version('numpy')}",
        f"textual    {_version('textual')}",
        f"rich       {_version('rich')}",
        f"torch      {_version('torch')}",
    ]
    if torch_available():
        from tuinn.backends.distributed import availability
        from tuinn.backends.torch import device_report

        lines += device_report()
        lines += availability()
    else:
        lines.append("CUDA       unknown (torch not installed: pip install 'tuinn[torch]')")
        lines.append("DDP        not available (torch not installed): --nproc and torchrun need it")
    text, source = resolve("playground")
    exp = loads(text, source)
    n_train = round(exp.data.samples * (1 - exp.data.resolved_test_fraction - exp.data.validation_fraction))
    name, why = choose_backend(exp, len(exp.data.features or ["x1", "x2"]), n_train)
    lines.append(f"auto       {name} for the default experiment (playground): {why}")
    lines.append("data       registered files are looked for in: " + ", ".join(str(p) for p in search_paths()))
    print("\n".join(lines))
    return 0

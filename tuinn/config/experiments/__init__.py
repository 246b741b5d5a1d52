"""Built-in experiments, usable by name wherever a CONFIG file is expected."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def builtin_names() -> list[str]:
    """Names of the experiment files shipped with tuinn."""
    return sorted(p.name[:-5] for p in resources.files(__name__).iterdir() if p.name.endswith(".toml"))


def resolve(config: str) -> tuple[str, str]:
    """(TOML text, source label) for a path, or for a built-in name when no such file exists."""
    from tuinn.errors import ConfigError

    path = Path(config)
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError("", f"cannot read experiment file {path}: {exc}") from None
    if config in builtin_names():
        return resources.files(__name__).joinpath(f"{config}.toml").read_text(encoding="utf-8"), f"{config} (built-in)"
    if path.exists():
        raise ConfigError("", f"{path} is not a file")
    raise ConfigError("", f"no such experiment file: {config} (built-in experiments: {', '.join(builtin_names())})")

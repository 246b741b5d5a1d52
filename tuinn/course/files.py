"""Reading a lab or lesson file: checked like an experiment file, one line per mistake.

Labs and lessons ship as TOML beside their loaders, and a teacher who adds or edits one
should meet the same messages as someone writing an experiment file:
``<file>: <key>: <problem>`` (exit 2 from the command line), never a ``KeyError``
from deep inside a screen. So the same readers (:class:`tuinn.config.spec.Checker`)
check them: unknown keys (with a did-you-mean), missing keys, wrong types, and presets
that must validate as experiments, with their keys prefixed by where they sit in the
course file (``experiment.train.loss``, ``group[1].variant[2].set``).
"""

from __future__ import annotations

import tomllib
from typing import Any, Protocol

from tuinn.config.experiments import builtin_names, resolve
from tuinn.config.spec import Checker, Experiment, apply_overrides, from_dict, kind_of, loads, to_dict
from tuinn.errors import ConfigError


class Readable(Protocol):
    """A file in a package folder (``importlib.resources``) or a ``Path``."""

    name: str

    def read_text(self, encoding: str = ...) -> str: ...


def read_toml(file: Readable) -> tuple[dict[str, Any], Checker]:
    """The parsed file and a checker whose errors name it."""
    source = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("", f"cannot read the file: {exc}", source) from None
    try:
        return tomllib.loads(text), Checker(source)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"not valid TOML: {exc}", source) from None


def required(raw: dict[str, Any], key: str, c: Checker, where: str | None = None) -> Any:
    """``raw[key]``, or ``<file>: <where>: missing`` (``where``: the key's full path, default ``key``)."""
    if key not in raw:
        raise c.fail(where or key, "missing")
    return raw[key]


def text_field(raw: dict[str, Any], key: str, c: Checker) -> str:
    """A required string, stripped (the long texts are TOML multi-line strings)."""
    return c.string(required(raw, key, c), key).strip()


def string_list(value: Any, key: str, c: Checker) -> tuple[str, ...]:
    """A list of strings, each checked (``key[i]`` counted from 1)."""
    if not isinstance(value, list):
        raise c.fail(key, f"must be a list of strings, got {kind_of(value)}")
    return tuple(c.string(item, f"{key}[{i}]") for i, item in enumerate(value, 1))


def preset(value: Any, c: Checker, key: str = "experiment") -> Experiment | None:
    """The experiment a course file opens: a built-in name or an inline table, validated.

    An inline table's mistakes keep their experiment key under ``key``, so the message
    names the line of the course file: ``experiment.train.loss: unknown loss …``.
    """
    if value is None:
        return None
    if isinstance(value, str):
        name = c.choice(value, key, tuple(builtin_names()), "built-in experiment")
        return loads(*resolve(name))
    if not isinstance(value, dict):
        raise c.fail(key, f"must be a built-in experiment name or an [{key}] table, got {kind_of(value)}")
    try:
        return from_dict(value, c.source)
    except ConfigError as exc:
        raise c.fail(f"{key}.{exc.key}" if exc.key else key, exc.problem) from None


def variant(base: Experiment, overrides: tuple[str, ...], key: str, c: Checker) -> None:
    """Refuse overrides that do not give a valid experiment (as the lab would build it)."""
    try:
        from_dict(apply_overrides(to_dict(base), list(overrides)), c.source)
    except ConfigError as exc:
        where = "" if exc.key in ("", "--set") else f"{exc.key}: "
        raise c.fail(key, f"{where}{exc.problem}") from None

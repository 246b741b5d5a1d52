"""Which process of how many this is: torchrun's environment, read without importing torch.

``torchrun`` (and ``tuinn train --nproc``, which runs torch's launcher) starts one
process per rank and tells each one who it is through ``WORLD_SIZE``, ``RANK`` and
``LOCAL_RANK``. A :class:`World` is those three numbers; without them it is the one
process of a plain run (size 1, rank 0), so every caller can ask ``world.distributed``
instead of reading the environment itself. Kept apart from
:mod:`tuinn.backends.distributed` so that asking costs no torch import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from tuinn.errors import TuinnError


@dataclass(frozen=True)
class World:
    """The processes of one training run: ``size`` of them, this one ``rank`` (``local_rank`` on its machine)."""

    size: int = 1
    rank: int = 0
    local_rank: int = 0

    @property
    def distributed(self) -> bool:
        """More than one process takes part (a process group is needed)."""
        return self.size > 1

    @property
    def main(self) -> bool:
        """The process that prints and writes the run folder (rank 0)."""
        return self.rank == 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> World:
        """The world torchrun describes in ``environ`` (default ``os.environ``); one process when it says nothing."""
        env = os.environ if environ is None else environ
        if "WORLD_SIZE" not in env:
            return cls()
        numbers = {}
        for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
            text = env.get(name, "0")
            if not text.isdigit():
                raise TuinnError(f"{name}={text[:40]!r} in the environment is not a whole number (set by torchrun; is this a torchrun worker?)")
            numbers[name] = int(text)
        world = cls(numbers["WORLD_SIZE"], numbers["RANK"], numbers["LOCAL_RANK"])
        if world.size < 1 or world.rank >= world.size:
            raise TuinnError(f"RANK={world.rank} with WORLD_SIZE={world.size} in the environment: the rank must be below the size")
        return world

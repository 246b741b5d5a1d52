"""The playground's save and load (ctrl+s / ctrl+o): the same files `tuinn train` writes.

Why here and not in the TUI: saving and loading change the session's state (a loaded file
replaces the experiment, the weights, the epoch and the history), so they are session
operations that every view, and a headless test, can call.

Under ``tuinn serve`` (``$TUINN_ROOT`` set) both refuse a path outside the served folder
before touching any file: the check is here, where every caller passes, not in one screen.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING

from tuinn.errors import TuinnError

if TYPE_CHECKING:
    from tuinn.config.spec import Experiment
    from tuinn.session.playground import Playground


def save_session(pg: Playground, folder: Path) -> Path:
    """config.toml + model.safetensors, as `tuinn train` writes them (atomic writes)."""
    import tomli_w

    from tuinn.config.spec import to_dict
    from tuinn.training import checkpoint
    from tuinn.training.paths import confine_to_served_root

    folder = confine_to_served_root(folder)
    with pg.lock:
        spec = to_dict(pg.experiment)
        state = pg.trainer.state()
        inputs = pg.trainer.input_info()
    folder.mkdir(parents=True, exist_ok=True)
    checkpoint.atomic_write_text(folder / "config.toml", tomli_w.dumps(spec))
    checkpoint.save(folder / "model.safetensors", spec, state, None, inputs)
    return folder


def load_session(pg: Playground, target: Path | Experiment) -> None:
    """Open an experiment file, or a run folder / checkpoint with its weights, or an experiment
    already read (a TF Playground link); on an error (raised as :class:`TuinnError`) the session
    keeps what it had."""
    from tuinn.config.spec import Experiment, from_dict, load
    from tuinn.training import checkpoint
    from tuinn.training.paths import confine_to_served_root

    if not isinstance(target, Experiment):
        target = confine_to_served_root(target)
    if isinstance(target, Experiment):
        exp, state = target, None
    elif target.suffix == ".toml":
        exp, state = load(target), None
    else:
        ckpt = target / "model.safetensors" if target.is_dir() else target
        saved = checkpoint.load(ckpt)
        exp, state = from_dict(saved.spec, None), saved.state
    if exp.data.path is not None:
        confine_to_served_root(Path(exp.data.path))  # served: the CSV a file points at must be inside too

    def edit() -> None:
        old = pg.experiment
        pg.experiment = copy.deepcopy(exp)
        try:
            pg.restart()
            if state is not None:
                pg.trainer.restore(state)
                pg.train_loss, pg.test_loss, pg.validation_loss = [], [], []
                pg._record_losses()
        except TuinnError:
            pg.experiment = old
            pg.restart()
            raise

    pg.apply(edit)
    if pg.message:
        raise TuinnError(pg.message)


__all__ = ["load_session", "save_session"]

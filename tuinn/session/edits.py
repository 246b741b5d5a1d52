"""Every change a user can make to the playground, as a typed method with its rule.

Why a module of its own: the rules (a regression source makes the problem a regression, a
1-D source has the one input x1, a new validation split moves the early-stopping monitor,
the output layer's size belongs to the data) used to live in the TUI's event handler, where
only a Pilot test could reach them. Here they are plain methods of the session, driven and
tested headless; every view (keys, mouse, palette, lessons, labs) calls the same ones.

Each method returns what it does to the run, :data:`Applies`:

- ``"live"``: the run goes on from the epoch it is at (learning rate and its schedule, L1/L2, batch size,
  early stopping, a weight typed in, the backend);
- ``"restart"``: the experiment is rebuilt at epoch 0 from its seed (data, features,
  architecture, optimizer), as TensorFlow Playground does;
- ``"refused"``: nothing changed; :attr:`message` says why.

While training, a change is queued and applied between two epochs (:meth:`Playground.apply`).
Every applied change bumps :attr:`spec_version`, which the views compare to know when to
redraw their controls from :attr:`experiment`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tuinn.config.spec import SCHEDULES, Checker, EarlyStopping, Experiment, LayerSpec, parse_schedule
from tuinn.data.synthetic import SOURCES
from tuinn.errors import TuinnError
from tuinn.session.custom_points import CustomPointEdits

if TYPE_CHECKING:
    from tuinn.training.trainer import Trainer

Applies = Literal["live", "restart", "refused"]
REGULARIZATIONS = ("none", "l1", "l2")
OUTPUT_LAYER_FIXED = "the output layer's size is set by the data (classes or targets)"


def task_of(exp: Experiment) -> str:
    """The problem an experiment poses: a linear output scored by MSE/MAE is a regression."""
    return "regression" if exp.train.loss in ("mse", "mae") and exp.model.layers[-1].activation == "linear" else "classification"


def problem_defaults(exp: Experiment, task: str) -> None:
    """Switch between classification and regression: a source and an output layer that fit."""
    from dataclasses import replace

    out = exp.model.layers[-1]
    if task == task_of(exp) and exp.data.source not in SOURCES:
        return  # already that kind of problem: keep the data (a CSV or Pima is not replaced by a Playground set)
    if task == "regression":
        if SOURCES.get(exp.data.source) is None or SOURCES[exp.data.source].task != "regression":
            exp.data.source = "reg-plane"
        exp.model.layers[-1] = replace(out, units=1, activation="linear", weights=None, bias=None)
        exp.train.loss = "mse"
        exp.data.balance = "none"  # no classes to balance
    else:
        if SOURCES.get(exp.data.source) is None or SOURCES[exp.data.source].task != "classification":
            exp.data.source = "circle"
        multi = SOURCES[exp.data.source].multiclass
        exp.model.layers[-1] = replace(out, units=exp.data.classes if multi else 1, activation="softmax" if multi else "sigmoid",
                                       weights=None, bias=None)
        exp.train.loss = "cce" if multi else "bce"


def _follow_split(exp: Experiment) -> None:
    """An early-stopping monitor on held-out data watches the validation split when there is one, else the test split."""
    es = exp.train.early_stopping
    if es is not None and es.monitor.split("_")[0] in ("validation", "test"):
        split = "validation" if exp.data.validation_fraction > 0 else "test"
        es.monitor = f"{split}_{es.monitor.split('_', 1)[1]}"


class PlaygroundEdits(CustomPointEdits):
    """The typed changes of :class:`~tuinn.session.playground.Playground` (a mixin: it uses
    ``experiment``, ``trainer``, ``apply``, ``edit_spec``, ``message`` and ``_build``)."""

    experiment: Experiment
    trainer: Trainer
    message: str
    #: Bumped by every applied change (and refusal): views redraw their controls when it moves.
    spec_version: int = 0
    #: Why the last change was refused or failed ("" when it was made); :attr:`message` says it too,
    #: until training replaces it with a warning of its own.
    edit_error: str = ""
    #: The regularisation kind last chosen, kept while its rate is 0 (the spec holds only l1 and l2).
    _reg_choice: str = "none"
    #: The layer the per-layer controls (activation, norm, dropout, neurons) act on, from 1.
    _layer_choice: int = 1

    if TYPE_CHECKING:
        def apply(self, edit: Callable[[], None]) -> None: ...
        def edit_spec(self, change: Callable[[Experiment], None], restart: bool = True) -> None: ...
        def _build(self, keep: dict | None = None) -> None: ...  # type: ignore[type-arg]
        def _touch(self) -> None: ...
        def _record_losses(self, losses: dict[str, float] | None = None) -> None: ...

    # ----------------------------------------------------------- selection
    @property
    def selected_layer(self) -> int:
        """The layer the per-layer controls show and change (1 … number of layers)."""
        return max(1, min(self._layer_choice, len(self.experiment.model.layers)))

    def select_layer(self, layer: int) -> None:
        """Show and edit ``layer`` in the per-layer controls (changes nothing in the run)."""
        self._layer_choice = int(layer)
        self.edit_error = ""
        self.spec_version += 1

    @property
    def regularization_kind(self) -> str:
        """"l1", "l2" or "none": from the spec's rates, else the kind chosen last (a rate of 0 keeps it)."""
        t = self.experiment.train
        return "l1" if t.l1 else "l2" if t.l2 else self._reg_choice

    @property
    def regularization_rate(self) -> float:
        return float(self.experiment.train.l1 or self.experiment.train.l2)

    # ---------------------------------------------------------------- live
    def set_learning_rate(self, value: float) -> Applies:
        """Live: the optimiser takes the new rate at its next step."""
        self.edit_spec(lambda e: setattr(e.train, "learning_rate", float(value)), restart=False)
        return "live"

    def set_batch_size(self, value: int | str) -> Applies:
        """Live: the next epoch is cut into batches of the new size ("full": one batch)."""
        self.edit_spec(lambda e: setattr(e.train, "batch_size", value), restart=False)
        return "live"

    def set_regularization(self, kind: str, rate: float | None = None) -> Applies:
        """Live: "none", "l1" or "l2" at ``rate`` (None: the current rate, so changing the kind keeps the rate)."""
        if kind not in REGULARIZATIONS:
            return self.refuse(f"regularization must be one of {', '.join(REGULARIZATIONS)}, not {kind!r}")
        rate = self.regularization_rate if rate is None else float(rate)
        self._reg_choice = kind

        def change(e: Experiment) -> None:
            e.train.l1, e.train.l2 = (rate if kind == "l1" else 0.0), (rate if kind == "l2" else 0.0)

        self.edit_spec(change, restart=False)
        return "live"

    def set_reg_rate(self, rate: float) -> Applies:
        """Live: a new rate for the regularisation kind in force (a loaded L2 stays L2)."""
        return self.set_regularization(self.regularization_kind, rate)

    def set_early_stopping(self, patience: int | None) -> Applies:
        """Live: pause after ``patience`` epochs without improvement of the held-out loss (0 or None: off)."""

        def change(e: Experiment) -> None:
            e.train.early_stopping = None if not patience else EarlyStopping(
                monitor="validation_loss" if e.data.validation_fraction > 0 else "test_loss", patience=int(patience))

        self.edit_spec(change, restart=False)
        return "live"

    def set_schedule(self, name: str, **params: object) -> Applies:
        """Live: a learning-rate schedule by name, with PyTorch's parameter names (the spec's defaults for the
        rest; cosine's T_max: train.epochs). It counts from epoch 0, so at epoch 150 a step schedule is
        already where it would be after 150 epochs; plateau starts watching afresh."""
        if name not in SCHEDULES:
            return self.refuse(f"schedule must be one of {', '.join(SCHEDULES)}, not {name!r}")

        def change(e: Experiment) -> None:
            e.train.schedule = parse_schedule({"name": name, **params}, Checker(e.source), e.train.epochs)

        self.edit_spec(change, restart=False)
        return "live"

    def edit_weight(self, layer: int, row: int, col: int, value: float) -> Applies:
        """Live: type a new value into W^layer[row, col] (0-based row/col); the losses of the
        current epoch are evaluated again, so that loss and accuracy shown are both those of the new weights.
        A NaN or infinite value is refused: it would make every loss non-finite at once."""
        if not math.isfinite(value):
            return self.refuse(f"w{layer}[{row + 1},{col + 1}] = {value}: a weight must be a finite number")

        def edit() -> None:
            params = self.trainer.model.get_parameters()
            W = params[f"{layer}.W"]
            W[row, col] = value
            self.trainer.model.set_parameters({f"{layer}.W": W})
            self._replace_last_losses()

        self.apply(edit)
        return "live"

    def _replace_last_losses(self) -> None:
        """The current epoch's entry of each history, evaluated again for the weights as they are now."""
        histories = [self.train_loss, self.test_loss, self.validation_loss, *self.accuracy_history.values()]  # type: ignore[attr-defined]
        for history in histories:
            if history:
                history.pop()
        self._record_losses()

    def set_backend(self, backend: str) -> Applies:
        """Live: switch engines keeping the weights, the epoch and the history (fresh optimizer state)."""

        def edit() -> None:
            params = self.trainer.model.get_parameters()
            epoch = self.trainer.epoch
            history = (self.train_loss, self.test_loss, self.validation_loss, self.accuracy_history)  # type: ignore[attr-defined]
            self.experiment.train.backend = backend
            self.experiment.train.device = "auto" if backend == "torch" else "cpu"
            try:
                self._build(keep=params)
            except TuinnError:
                self.experiment.train.backend, self.experiment.train.device = "numpy", "cpu"
                self._build(keep=params)
                raise
            self.trainer.epoch = epoch
            self.train_loss, self.test_loss, self.validation_loss, self.accuracy_history = history  # type: ignore[attr-defined]

        self.apply(edit)
        return "live"

    # -------------------------------------------------------------- data
    def set_source(self, name: str) -> Applies:
        """Restart: new data. A Playground source brings its problem (a regression source sets the
        loss and output for regression) and its inputs (a 1-D source has only x1)."""

        def change(e: Experiment) -> None:
            e.data.source = name
            src = SOURCES.get(name)
            if src is not None:
                if src.dims == 1:
                    e.data.features = ["x1"]
                elif e.data.features == ["x1"] or e.data.features is None:
                    e.data.features = ["x1", "x2"]
                problem_defaults(e, src.task)

        self.edit_spec(change)
        return "restart"

    def set_noise(self, noise: float) -> Applies:
        """Restart: the data drawn again with this noise."""
        self.edit_spec(lambda e: setattr(e.data, "noise", float(noise)))
        return "restart"

    def set_test_fraction(self, fraction: float) -> Applies:
        """Restart: a new train/test split (custom data's split row by row gives way to the fractions)."""

        def change(e: Experiment) -> None:
            e.data.test_fraction = float(fraction)
            e.data.test_rows = e.data.validation_rows = None

        self.edit_spec(change)
        return "restart"

    def set_classes(self, classes: int) -> Applies:
        """Restart: a multiclass source with this many classes (and an output layer to match)."""

        def change(e: Experiment) -> None:
            e.data.classes = int(classes)
            src = SOURCES.get(e.data.source)
            if src is not None and src.multiclass:
                problem_defaults(e, "classification")

        self.edit_spec(change)
        return "restart"

    def set_validation_fraction(self, fraction: float) -> Applies:
        """Restart: a new validation split; an early-stopping monitor on held-out data follows it."""

        def change(e: Experiment) -> None:
            e.data.validation_fraction = float(fraction)
            e.data.test_fraction = e.data.resolved_test_fraction  # custom data: the split by rows gives way to fractions
            e.data.test_rows = e.data.validation_rows = None
            _follow_split(e)

        self.edit_spec(change)
        return "restart"

    def set_balance(self, method: str) -> Applies:
        """Restart: the training split balanced another way."""

        def change(e: Experiment) -> None:
            e.data.balance = method
            _follow_split(e)

        self.edit_spec(change)
        return "restart"

    def set_features(self, features: list[str]) -> Applies:
        """Restart: other inputs, another first layer."""
        self.edit_spec(lambda e: setattr(e.data, "features", list(features)))
        return "restart"

    def regenerate(self) -> Applies:
        """Restart: a new sample of the data (the next seed) and new initial weights."""

        def edit() -> None:
            self.experiment.seed += 1
            self._build()

        self.apply(edit)
        return "restart"

    def reset(self) -> Applies:
        """Restart: the weights initialised again from the seed, on the same data."""
        self.apply(self._build)
        return "restart"

    # ------------------------------------------------------------- model
    def set_optimizer(self, name: str) -> Applies:
        """Restart: another optimiser (its state starts empty)."""
        self.edit_spec(lambda e: setattr(e.train, "optimizer", name))
        return "restart"

    def set_problem(self, task: str) -> Applies:
        """Restart: "classification" or "regression", with a source, loss and output layer that fit."""
        self.edit_spec(lambda e: problem_defaults(e, task))
        return "restart"

    def set_activation(self, layer: int, name: str) -> Applies:
        """Restart: another activation for ``layer`` (from 1); its given weights, if any, are dropped."""

        def change(e: Experiment) -> None:
            spec = e.model.layers[layer - 1]
            spec.activation, spec.weights, spec.bias = name, None, None

        self.edit_spec(change)
        return "restart"

    def set_dropout(self, layer: int, rate: float) -> Applies:
        """Restart: dropout ``rate`` after ``layer``."""
        self.edit_spec(lambda e: setattr(e.model.layers[layer - 1], "dropout", float(rate)))
        return "restart"

    def set_norm(self, layer: int, norm: str) -> Applies:
        """Restart: "none", "batch" or "layer" normalisation in ``layer``."""
        self.edit_spec(lambda e: setattr(e.model.layers[layer - 1], "norm", norm))
        return "restart"

    def add_layer(self) -> Applies:
        """Restart: one more hidden layer, a copy of the last one's size and activation (4 tanh if none)."""
        self.edit_spec(lambda e: _change_depth(e, +1))
        return "restart"

    def remove_layer(self) -> Applies:
        """Restart: the last hidden layer removed (the output layer stays)."""
        self.edit_spec(lambda e: _change_depth(e, -1))
        return "restart"

    def add_neuron(self, layer: int) -> Applies:
        """Restart: one more neuron in hidden ``layer``; the output layer is refused (its size is the data's)."""
        return self._change_units(layer, +1)

    def remove_neuron(self, layer: int) -> Applies:
        """Restart: one neuron fewer in hidden ``layer`` (at least one stays); the output layer is refused."""
        return self._change_units(layer, -1)

    def _change_units(self, layer: int, delta: int) -> Applies:
        if layer == len(self.experiment.model.layers):
            return self.refuse(OUTPUT_LAYER_FIXED)

        def change(e: Experiment) -> None:
            spec = e.model.layers[layer - 1]
            spec.units = max(1, spec.units + delta)
            for s in e.model.layers:
                s.weights = s.bias = None

        self.edit_spec(change)
        return "restart"

    def refuse(self, why: str) -> Applies:
        """Change nothing and say why (in :attr:`message`, as a failed edit does)."""
        self.message = self.edit_error = why
        self.spec_version += 1
        self._touch()
        return "refused"

    # -------------------------------------------------------------- files
    def save(self, folder: Path) -> Path:
        """config.toml + model.safetensors in ``folder``, as `tuinn train` writes them."""
        from tuinn.session.files import save_session

        return save_session(self, folder)  # type: ignore[arg-type]

    def load(self, target: Path | Experiment) -> Applies:
        """Restart from a file: an experiment (.toml) at epoch 0, or a run folder / checkpoint at its saved
        epoch with its weights; or from an experiment already read (a TF Playground link), at epoch 0.
        Raises :class:`~tuinn.errors.TuinnError` (nothing changed) if it cannot."""
        from tuinn.session.files import load_session

        try:
            load_session(self, target)  # type: ignore[arg-type]
        except TuinnError:
            self.edit_error = ""  # the caller is told by the exception
            raise
        self._reg_choice = "none"
        self._layer_choice = 1
        return "restart"


def _change_depth(e: Experiment, delta: int) -> None:
    """One hidden layer more (a copy of the last) or fewer; every layer's given weights dropped."""
    hidden = e.model.layers[:-1]
    if delta > 0:
        hidden.append(LayerSpec(units=hidden[-1].units if hidden else 4, activation=hidden[-1].activation if hidden else "tanh"))
    elif hidden:
        hidden.pop()
    out = e.model.layers[-1]
    e.model.layers = [LayerSpec(units=h.units, activation=h.activation, dropout=h.dropout, norm=h.norm) for h in hidden] + \
        [LayerSpec(units=out.units, activation=out.activation)]


__all__ = ["OUTPUT_LAYER_FIXED", "Applies", "PlaygroundEdits", "problem_defaults", "task_of"]

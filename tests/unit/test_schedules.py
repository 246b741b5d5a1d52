"""Learning-rate schedules (#18 §1): the α of each epoch against torch's lr_scheduler, the spec's checks,
both backends training with them, resume, and ``learning_rate`` in metrics.jsonl.

Budget: about 2 s on 2 cores (tiny nets, a handful of epochs; the torch comparisons use one
scalar parameter and no training).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from tests.inprocess import run_tuinn
from tuinn.config.spec import Schedule, loads, to_dict
from tuinn.errors import ConfigError
from tuinn.training import checkpoint
from tuinn.training.schedules import LearningRateSchedule, monitored_loss, state_problem
from tuinn.training.trainer import Trainer

BASE = 0.3
EPOCHS = 40
#: A loss that falls, stalls, wobbles within the threshold and falls again: plateau's rule meets every branch.
LOSSES = [1.0, 0.8, 0.8, 0.80001, 0.79, 0.79, 0.79, 0.79, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4,
          0.4, 0.4, 0.4, 0.4, 0.4, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]
#: A loss that never improves after the first epoch: α falls every patience + cooldown + 1 epochs, down to min_lr.
FLAT = [1.0] * 30

#: tuinn's name → (the same parameters, under the same names, and torch's class).
SPECS = {
    "step": ({"step_size": 7, "gamma": 0.5}, "StepLR"),
    "exponential": ({"gamma": 0.9}, "ExponentialLR"),
    "cosine": ({"T_max": 15, "eta_min": 0.01}, "CosineAnnealingLR"),
}


def schedule(name: str, **params: object) -> Schedule:
    """A validated schedule, read as a file would give it."""
    table = ", ".join(f"{k} = {json.dumps(v)}" for k, v in {"name": name, **params}.items())
    return loads(f"[train]\nschedule = {{{table}}}\n").train.schedule


@pytest.mark.parametrize("name", ["step", "exponential", "cosine"])
def test_each_epoch_schedule_gives_torch_lr_schedulers_rate(name: str) -> None:
    torch = pytest.importorskip("torch")
    params, cls = SPECS[name]
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=BASE)
    sched = getattr(torch.optim.lr_scheduler, cls)(opt, **params)
    ours = LearningRateSchedule(schedule(name, **params))
    ours_rates, torch_rates = [], []
    for epoch in range(EPOCHS):  # past T_max: torch's cosine rises again, and so does ours
        ours_rates.append(ours.rate(BASE, epoch))
        torch_rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    # torch's step() multiplies recursively, ours is its closed form: equal to rounding.
    assert ours_rates == pytest.approx(torch_rates, rel=1e-12, abs=1e-15)
    assert len(set(ours_rates)) > 3  # the rate does move


@pytest.mark.parametrize("losses", [LOSSES, FLAT], ids=["stalling", "flat"])
@pytest.mark.parametrize("params", [
    {"patience": 2, "factor": 0.5},
    {"patience": 1, "factor": 0.3, "cooldown": 2, "min_lr": 0.001},
    {"patience": 0, "factor": 0.5, "threshold": 0.05, "threshold_mode": "abs"},
])
def test_plateau_gives_reduce_lr_on_plateaus_rate_bit_for_bit(params: dict[str, object], losses: list[float]) -> None:
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=BASE)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", **params)
    ours = LearningRateSchedule(schedule("plateau", **params))
    ours_rates, torch_rates = [], []
    for loss in losses:
        ours_rates.append(ours.rate(BASE, 0))
        torch_rates.append(opt.param_groups[0]["lr"])
        ours.observe(loss, BASE)
        sched.step(loss)
    assert ours_rates == torch_rates
    assert len(set(ours_rates)) > 1


def test_plateau_starts_again_from_a_base_rate_the_user_changes() -> None:
    s = LearningRateSchedule(schedule("plateau", patience=0, factor=0.5))
    s.rate(BASE, 0)
    s.observe(1.0, BASE)
    s.observe(1.0, BASE)
    assert s.rate(BASE, 2) == BASE * 0.5
    assert s.rate(0.1, 2) == 0.1  # a new α typed in the playground is taken as it is


def test_monitored_loss_is_validation_else_train_never_test() -> None:
    assert monitored_loss({"train": 1.0, "test": 0.5, "validation": 2.0}) == 2.0
    assert monitored_loss({"train": 1.0, "test": 0.5}) == 1.0
    assert monitored_loss({"test": 0.5}) is None


@pytest.mark.parametrize(("text", "message"), [
    ('schedule = "cos"', "train.schedule.name: unknown schedule 'cos'"),
    ('schedule = {gamma = 0.5}', "train.schedule.name: is required"),
    ('schedule = {name = "step", T_max = 3}', "train.schedule.T_max: is not read by the step schedule (it reads step_size, gamma)"),
    ('schedule = {name = "step", step_size = 0}', "train.schedule.step_size: must be ≥ 1, got 0"),
    ('schedule = {name = "exponential", gamma = 1.5}', "train.schedule.gamma: must be ≤ 1, got 1.5"),
    ('schedule = {name = "plateau", factor = 1.0}', "train.schedule.factor: must be < 1"),
    ('schedule = {name = "plateau", threshold_mode = "relative"}', "train.schedule.threshold_mode: unknown threshold mode"),
    ('schedule = {name = "cosine", eta_min = -1}', "train.schedule.eta_min: must be ≥ 0"),
    ("schedule = 3", "train.schedule: must be a table, got an integer (3)"),
])
def test_a_bad_schedule_is_one_line_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        loads(f"[train]\n{text}\n")
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_defaults_and_the_resolved_spec_round_trip() -> None:
    e = loads('[train]\nepochs = 50\nschedule = "cosine"\n')
    assert (e.train.schedule.T_max, e.train.schedule.eta_min) == (50, 0.0)  # T_max left out: train.epochs
    assert to_dict(e)["train"]["schedule"] == {"name": "cosine", "T_max": 50, "eta_min": 0.0}
    assert loads('[train]\nschedule = "exponential"\n').train.schedule.gamma == 0.95
    assert loads('[train]\nschedule = "step"\n').train.schedule.gamma == 0.1  # StepLR's default
    assert "schedule" not in to_dict(loads(""))["train"]  # constant: config.toml reads as before


def test_the_cli_refuses_a_bad_schedule_with_exit_2(tmp_path: Path) -> None:
    r = run_tuinn("train", "xor", "--set", "train.schedule.name=warmup", "--out", str(tmp_path / "r"), "--quiet")
    assert r.returncode == 2
    assert "train.schedule.name: unknown schedule 'warmup'" in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())


def test_state_problem_names_a_corrupt_plateau_state() -> None:
    assert state_problem(None) is None
    assert state_problem({"best": 1.0, "bad_epochs": 2, "cooldown": 0, "reduced": None, "base": 0.3}) is None
    assert "bad_epochs" in (state_problem({"bad_epochs": -1}) or "")
    assert "best" in (state_problem({"best": "x"}) or "")


# ------------------------------------------------------------- in training
SPEC = """
seed = 3
[data]
source = "xor"
samples = 60
validation_fraction = 0.2
[[model.layers]]
units = 4
[[model.layers]]
units = 1
activation = "sigmoid"
[train]
loss = "bce"
optimizer = "momentum"
learning_rate = 0.5
batch_size = 8
epochs = 8
schedule = {SCHEDULE}
"""
PLATEAU = '{name = "plateau", patience = 0, factor = 0.5, threshold = 0.05}'


def spec(schedule_toml: str, backend: str = "numpy") -> str:
    return SPEC.replace("{SCHEDULE}", schedule_toml) + f'backend = "{backend}"\n'


@pytest.mark.parametrize("sched", ['{name = "cosine", T_max = 6}', PLATEAU])
def test_numpy_and_torch_train_with_the_same_rates_and_agree_on_the_weights(sched: str) -> None:
    pytest.importorskip("torch")
    trainers = [Trainer(loads(spec(sched, backend))) for backend in ("numpy", "torch")]
    for t in trainers:
        t.fit(8)
    a, b = trainers
    assert a.rates == b.rates and len(set(a.rates)) > 2
    assert b.model.optimizer.param_groups[0]["lr"] == a.rates[-1]  # torch's param_groups carry the scheduled α
    pa, pb = a.model.get_parameters(), b.model.get_parameters()
    for key in pa:
        np.testing.assert_allclose(pa[key], pb[key], atol=1e-9, rtol=0)


def test_a_checkpointed_plateau_run_resumes_bit_identical(tmp_path: Path) -> None:
    straight = Trainer(loads(spec(PLATEAU)))
    straight.fit(8)
    assert len(set(straight.rates)) > 2  # the plateau rule did reduce α (twice or more) in these 8 epochs
    first = Trainer(loads(spec(PLATEAU)))
    first.fit(4)
    path = tmp_path / "model.safetensors"
    checkpoint.save(path, to_dict(first.experiment), first.state())
    again = Trainer(loads(spec(PLATEAU)))
    again.restore(checkpoint.load(path).state)
    again.fit(8)
    assert again.rates[4:] == straight.rates[4:] and all(map(math.isnan, again.rates[:4]))
    for key, value in straight.model.get_parameters().items():
        assert np.array_equal(value, again.model.get_parameters()[key]), key


def test_metrics_jsonl_records_each_epochs_learning_rate_and_resume_continues_it(tmp_path: Path) -> None:
    config = tmp_path / "e.toml"
    config.write_text(spec('{name = "step", step_size = 2, gamma = 0.5}'))
    assert run_tuinn("train", str(config), "--epochs", "3", "--out", str(tmp_path / "a"), "--quiet").returncode == 0
    assert run_tuinn("train", "--resume", str(tmp_path / "a"), "--epochs", "6", "--quiet").returncode == 0
    lines = [json.loads(line) for line in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    assert [(r["epoch"], r["learning_rate"]) for r in lines] == [(1, 0.5), (2, 0.5), (3, 0.25), (4, 0.25), (5, 0.125), (6, 0.125)]


def test_trainers_trained_together_follow_each_ones_schedule_and_plateau_is_refused() -> None:
    from tuinn.errors import TuinnError
    from tuinn.training.together import fit_together, refuse_unstackable

    schedules = ['{name = "step", step_size = 2, gamma = 0.5}', '{name = "cosine", T_max = 4}']
    together = [Trainer(loads(spec(s))) for s in schedules]
    fit_together(together, 4)
    for trainer, s in zip(together, schedules, strict=True):
        alone = Trainer(loads(spec(s)))
        alone.fit(4)
        for key, value in alone.model.get_parameters().items():
            np.testing.assert_allclose(trainer.model.get_parameters()[key], value, rtol=1e-12, atol=1e-15)
    with pytest.raises(TuinnError, match='train.schedule = "plateau": the batched engine'):
        refuse_unstackable(loads(spec(PLATEAU)))


def test_the_step_through_steps_with_each_epochs_scheduled_alpha() -> None:
    from tuinn.session.stepping import StepSession

    steps = StepSession(Trainer(loads(spec('{name = "step", step_size = 1, gamma = 0.5}'))))
    seen = []
    while steps.trainer.epoch < 3:
        seen.append(steps.trace.learning_rate)
        steps.apply()
    assert sorted(set(seen), reverse=True) == [0.5, 0.25, 0.125]  # epochs 1, 2, 3 of the schedule

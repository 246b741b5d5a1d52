"""What ``tuinn train`` stopped paying for per epoch (issue #17 part 1) still gives the same results.

- Evaluation gathers a small split once and keeps it (``Trainer.split_arrays``); a split
  above ``EVAL_GATHER_BYTES`` is gathered per call. Both give the numbers of a fresh gather.
- A ``metrics.jsonl`` line is encoded strictly, with ``json_safe`` only as the fallback: the
  bytes are those of ``json.dumps(json_safe(record))`` for every kind of value.
- Off a terminal the printer starts no progress bar (and so no redraw thread: it competed
  with training for the GIL and drew nothing on a pipe); on a terminal the bar redraws
  itself once a second.
"""

from __future__ import annotations

import io
import json
import math
import threading

import numpy as np
import pytest

from tuinn.cli import train as train_cli
from tuinn.cli.train import Printer
from tuinn.config.spec import from_dict
from tuinn.training import trainer as tr
from tuinn.training.run import read_spec
from tuinn.training.run_folder import json_safe, metrics_line
from tuinn.training.trainer import EpochResult, Trainer


def _trainer(name: str = "playground", *sets: str) -> Trainer:
    raw, source = read_spec(name, ["data.samples=80", *sets])
    return Trainer(from_dict(raw, source))


@pytest.mark.parametrize(("name", "sets"), [("playground", ()), ("reg-gauss", ()), ("spiral", ("data.validation_fraction=0.2",))])
def test_evaluation_from_kept_splits_equals_a_fresh_gather(name: str, sets: tuple[str, ...],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    kept = _trainer(name, *sets)
    kept.fit(2)
    first = kept.evaluate_all(full=True)
    assert kept._gathered  # small splits are kept ...
    assert kept.evaluate_all(full=True) == first  # ... and reading them again changes nothing
    monkeypatch.setattr(tr, "EVAL_GATHER_BYTES", -1)  # nothing is small enough, not even an empty split: gathered per call
    fresh = _trainer(name, *sets)
    fresh.fit(2)
    assert fresh.evaluate_all(full=True) == first
    assert not fresh._gathered
    for split in first:
        x, y = fresh.split(split)
        loss, _ = fresh.loss_and_outputs(x, y)
        assert first[split]["loss"] == loss


@pytest.mark.parametrize("value", [0.25, 1e-300, math.nan, math.inf, -math.inf, np.float64(0.5), np.float32(0.1),
                                   np.int64(3), True, None, "text", [1.0, math.nan], {"a": np.float64(2.0)}])
def test_a_metrics_line_is_json_safe_whatever_the_values(value: object) -> None:
    ep = EpochResult(3, 0.5, 0.00123456789, {"train": {"loss": value, "accuracy": 0.5}, "test": {"loss": 0.3}}, 0.03)
    for fold in (None, 2):
        record = ep.to_json() if fold is None else {"fold": fold, **ep.to_json()}
        line = metrics_line(ep, fold)
        assert line == json.dumps(json_safe(record)) + "\n"
        json.loads(line, parse_constant=lambda c: pytest.fail(f"{c} in a metrics line"))  # strict JSON: no NaN, no Infinity


def _ep(n: int) -> EpochResult:
    return EpochResult(n, 0.5, 0.001, {"train": {"loss": 0.5, "accuracy": 0.75}})


def test_off_a_terminal_no_bar_and_no_thread_but_the_same_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(train_cli, "SHOW_EVERY_S", 0.0)
    printer = Printer(json_mode=False, quiet=False)
    out = io.StringIO()
    printer.console.file = out  # not a terminal
    threads = threading.active_count()
    printer.fit_started(2, 0)
    assert printer.progress is None and threading.active_count() == threads
    printer.epoch_finished(_ep(1), 2)
    printer.warning("careful")
    printer.epoch_finished(_ep(2), 2)
    printer.fit_stopped()
    lines = out.getvalue().split("\n")
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/2", "tuinn: warning: careful", "Epoch 2/2", "", ""]


def test_on_a_terminal_the_bar_redraws_itself_once_a_second() -> None:
    printer = Printer(json_mode=False, quiet=False)
    printer.console = type(printer.console)(file=io.StringIO(), force_terminal=True, force_interactive=True, width=100)
    printer.fit_started(3, 0)
    try:
        assert printer.progress is not None
        assert printer.progress.live.refresh_per_second == train_cli.BAR_REFRESH_PER_S == 1.0
        for n in (1, 2, 3):
            printer.epoch_finished(_ep(n), 3)
    finally:
        printer.fit_stopped()
    assert "Epoch 3/3" in printer.console.file.getvalue()  # type: ignore[attr-defined]

"""Fixed weights for the snapshot pictures of trained networks.

A picture of a state that many epochs of training reached depends on how the CPU's BLAS
kernels round: the same seed trained 100 epochs on the 3-class spiral ends with
different weights under ``OPENBLAS_CORETYPE=Haswell`` and ``SkylakeX`` (training is
chaotic there; the losses differ in the first digit). So a snapshot test never trains
more than one epoch before its picture. Where the picture is *about* a trained network
(the classes apart in the latent space), it loads weights that were trained once and
frozen here, rounded to 4 decimals: what is drawn is then one forward pass of fixed
numbers, the same on every machine. The trained state itself is checked numerically,
with tolerances, by the Pilot tests (e.g. ``test_latent.py``).

Regenerate a file after a change it no longer fits (layers, features, the data), then
look at the pictures again::

    python -m tests.tui.fixed_state
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from tuinn.config.spec import loads
from tuinn.session.playground import Playground

HERE = Path(__file__).parent / "fixed_weights"
DECIMALS = 4
#: What the collapse lab's pictures show as the linear net's rounding error (see :func:`pin_rounding_error`).
ROUNDING_ERROR = 4.4e-16


def path(name: str) -> Path:
    return HERE / f"{name}.json"


def load(name: str) -> dict[str, np.ndarray]:
    """The frozen parameters called ``name`` (``get_parameters`` keys → arrays)."""
    raw = json.loads(path(name).read_text(encoding="utf-8"))
    return {key: np.asarray(value, dtype=np.float64) for key, value in raw["parameters"].items()}


def set_weights(pg: Playground, params: dict[str, np.ndarray]) -> None:
    """Give the playground's network these parameters (an edit, as typing a weight in is)."""
    pg.apply(lambda: pg.trainer.model.set_parameters(params))
    got = pg.trainer.model.get_parameters()
    assert set(got) == set(params), "the frozen weights do not fit this network: regenerate them"
    assert all(np.array_equal(got[k], params[k]) for k in params)


def pin_rounding_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Show the collapse lab's "max |z_net − z_single|" of a linear net as :data:`ROUNDING_ERROR`.

    For a linear stack that number is the rounding error of two ways to compute the same
    z: 4.4e-16 with one BLAS kernel, 8.9e-16 with another, on the same data. A picture
    cannot pin it, so the pictures show a fixed value once the real one is checked to be
    rounding (the numbers themselves: test_lab_collapse.py). A fitted layer (tanh net) is
    left alone: its gap is far above rounding.
    """
    from tuinn.tui.screens.labs import collapse_lab

    real = collapse_lab.compare

    def compare(network, x):  # type: ignore[no-untyped-def]
        report = real(network, x)
        if not report.exact:
            return report
        assert report.max_difference <= 1e-12 * max(1.0, report.target_range)
        return dataclasses.replace(report, max_difference=ROUNDING_ERROR)

    monkeypatch.setattr(collapse_lab, "compare", compare)


def freeze(name: str, spec: str, source: str, epochs: int) -> Path:
    """Train ``spec`` ``epochs`` epochs from its seed and write its rounded parameters to ``name``.json."""
    pg = Playground(loads(spec, source))
    pg.run_epochs(epochs)
    params = pg.trainer.model.get_parameters()
    about = f"{source}: {epochs} epochs from seed {pg.experiment.seed}, rounded to {DECIMALS} decimals (tests/tui/fixed_state.py)"
    lines = ['{', f' "about": {json.dumps(about)},', ' "parameters": {']
    for k, (key, value) in enumerate(params.items()):
        rows = np.round(value, DECIMALS).reshape(value.shape[0], -1).tolist() if value.ndim > 1 else [np.round(value, DECIMALS).tolist()]
        body = ",\n   ".join(json.dumps(row) for row in rows)
        opened, closed = ("[\n   ", "\n  ]") if value.ndim > 1 else ("", "")
        lines.append(f'  "{key}": {opened}{body}{closed}' + ("," if k < len(params) - 1 else ""))
    lines += [" }", "}", ""]
    HERE.mkdir(exist_ok=True)
    target = path(name)
    target.write_text("\n".join(lines), encoding="utf-8")
    assert {key: v.tolist() for key, v in load(name).items()} == {key: np.round(v, DECIMALS).tolist() for key, v in params.items()}
    return target


if __name__ == "__main__":
    from tests.specs import SPIRALS_3

    print(freeze("spirals-3", SPIRALS_3, "spirals (test)", 100))

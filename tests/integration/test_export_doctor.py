"""`tuinn export --torch`, `tuinn doctor`, and CUDA asked for where there is none."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.inprocess import Result, run_tuinn

torch = pytest.importorskip("torch")


def tuinn(*args: str, cwd: Path | None = None) -> Result:
    return run_tuinn(*args, cwd=cwd)


SPEC = """
name = "exp"
seed = 1
[data]
source = "moons"
samples = 200
noise = 0.1
standardize = true
[[model.layers]]
units = 6
activation = "{act}"
norm = "{norm}"
dropout = 0.1
[[model.layers]]
units = 2
activation = "softmax"
[train]
loss = "cce"
optimizer = "adam"
learning_rate = 0.02
epochs = 5
"""


@pytest.mark.parametrize(("act", "norm"), [("relu", "batch"), ("maxout", "layer"), ("elu", "none")])
def test_exported_module_reproduces_the_outputs_in_a_fresh_python(tmp_path: Path, act: str, norm: str) -> None:
    (tmp_path / "exp.toml").write_text(SPEC.format(act=act, norm=norm))
    assert tuinn("train", "exp.toml", "--out", "run", "--quiet", cwd=tmp_path).returncode == 0
    out = tuinn("export", "run", "--torch", "exported", "--dtype", "float32", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    source = (tmp_path / "exported" / "model.py").read_text()
    assert "class SimpleNN(nn.Module)" in source and "self.fc1 = nn.Linear(2," in source
    # tuinn's own outputs on the raw test inputs.
    from tuinn.config.spec import load
    from tuinn.training import checkpoint
    from tuinn.training.run_folder import CHECKPOINT
    from tuinn.training.trainer import Trainer

    exp = load(tmp_path / "exp.toml")
    trainer = Trainer(exp)
    trainer.restore(checkpoint.load(tmp_path / "run" / CHECKPOINT).state)
    raw = trainer.dataset.x[trainer.test_idx]
    expected = trainer.outputs(trainer.x[trainer.test_idx])
    np.save(tmp_path / "raw.npy", raw.astype(np.float32))
    code = (
        "import sys, json, numpy, torch\n"
        "from model import SimpleNN\n"
        "m = SimpleNN(); m.load_state_dict(torch.load('state_dict.pt', weights_only=True)); m.eval()\n"
        "x = torch.from_numpy(numpy.load(sys.argv[1]))\n"
        "print(json.dumps({'y': m(x).detach().numpy().tolist(), 'tuinn': any(k.startswith('tuinn') for k in sys.modules)}))\n"
    )
    run = subprocess.run([sys.executable, "-E", "-s", "-c", code, str(tmp_path / "raw.npy")], capture_output=True, text=True, cwd=tmp_path / "exported")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["tuinn"] is False
    assert np.max(np.abs(np.array(result["y"]) - expected)) <= 1e-6


def test_export_refuses_to_overwrite(tmp_path: Path) -> None:
    assert tuinn("train", "xor", "--epochs", "1", "--out", "run", "--quiet", cwd=tmp_path).returncode == 0
    assert tuinn("export", "run", "--torch", "ex", cwd=tmp_path).returncode == 0
    before = (tmp_path / "ex" / "state_dict.pt").read_bytes()
    again = tuinn("export", "run", "--torch", "ex", cwd=tmp_path)
    assert again.returncode == 2 and "already holds" in again.stderr and again.stderr.count("\n") == 1
    assert (tmp_path / "ex" / "state_dict.pt").read_bytes() == before


def test_doctor_reports_versions_cuda_and_auto() -> None:
    out = tuinn("doctor")
    assert out.returncode == 0, out.stderr
    for word in ("Python", "numpy", "textual", "torch", "CUDA", "auto"):
        assert word in out.stdout
    assert "numpy for the default experiment" in out.stdout


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_cuda_where_there_is_none_is_one_line_exit_2(tmp_path: Path) -> None:
    out = tuinn("train", "xor", "--set", 'train.backend="torch"', "--set", 'train.device="cuda"', "--out", "run", cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "CUDA is not available" in out.stderr and "cpu" in out.stderr
    assert not (tmp_path / "run").exists()
    auto = tuinn("train", "xor", "--set", 'train.backend="torch"', "--set", 'train.device="auto"', "--epochs", "1", "--out", "r2", cwd=tmp_path)
    assert auto.returncode == 0 and "device auto → cpu" in auto.stdout


def test_step_compare_reports_tiny_differences() -> None:
    out = tuinn("step", "--compare", "--json", "backprop")
    rows = json.loads(out.stdout)["differences"]
    assert {r["term"] for r in rows} >= {"z", "a", "loss", "delta", "dL_dW", "dL_db", "W_new"}
    assert max(r["abs"] for r in rows) <= 1e-12
    torch_json = json.loads(tuinn("step", "--backend", "torch", "--json", "backprop").stdout)
    numpy_json = json.loads(tuinn("step", "--json", "backprop").stdout)
    assert torch_json.keys() == numpy_json.keys()
    assert np.allclose(torch_json["backward"][1]["dL_dW"], numpy_json["backward"][1]["dL_dW"], rtol=1e-12, atol=0)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_step_device_cuda_where_there_is_none_advises_its_own_flag() -> None:
    """tuinn step has --device, not --set: the advice names the flag the user typed."""
    out = tuinn("step", "xor", "--backend", "torch", "--device", "cuda", "--plain")
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "use --device cpu (or auto)" in out.stderr and "--set" not in out.stderr

"""`tuinn export --torch` with hostile strings: importing model.py runs nothing but definitions.

The spec's name, a CSV header's feature names, class names and the run folder's path all
reach the generated module. Each hostile string below tries to close the docstring (or a
comment, or a string literal) and call ``pathlib.Path(...).write_text`` on import; the
marker file must never appear, and the module must still load its weights and give the
outputs tuinn gives.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.inprocess import Result, run_tuinn

torch = pytest.importorskip("torch")

MARKER = "pwned.txt"
#: A call that leaves a trace; every payload below wraps it in a different way out.
CALL = f'__import__("pathlib").Path("{MARKER}").write_text("pwned")'
PAYLOADS = [
    f'x"""\nimport pathlib; pathlib.Path("{MARKER}").write_text("pwned")\n"""',
    f'a"""+{CALL}+"""',
    f"q'''\n{CALL}\n'''",
    f"c\r{CALL}\r#",
    f"u\u2028{CALL}\u2029#",
    f'b\\"""+{CALL}#\\',
    f"n\x00\x0c\x0b{CALL}",
    f"h # {CALL}\n{CALL}",
    f'{{{CALL}}}"',
]

SPEC = """
name = {name}
seed = 3
[data]
source = "csv"
path = "data.csv"
target = "y"
task = "classification"
[[model.layers]]
units = 4
activation = "tanh"
[[model.layers]]
units = 1
activation = "sigmoid"
[train]
loss = "bce"
optimizer = "adam"
learning_rate = 0.05
epochs = 2
"""


def tuinn(*args: str, cwd: Path | None = None) -> Result:
    return run_tuinn(*args, cwd=cwd)


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's, ``\\u`` included)."""
    return json.dumps(text)


def csv_cell(text: str) -> str:
    """``text`` as one quoted CSV cell (a CSV line cannot hold ``\\n`` or ``\\r``)."""
    return '"' + text.replace("\n", " ").replace("\r", " ").replace('"', '""') + '"'


def write_csv(path: Path, features: list[str]) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    lines = [",".join([*map(csv_cell, features), "y"])]
    lines += [f"{a:.6f},{b:.6f},{int(c)}" for (a, b), c in zip(x, y, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_and_run_all(jobs: list[tuple[Path, Path]]) -> list[dict[str, object]]:
    """Import each ``model.py`` in ONE fresh Python (cwd = its export folder) and run it on its inputs.

    One interpreter for all of them: importing torch costs ~1.5 s, paid once instead of per
    payload. Each module is imported under its own name with its folder as the working
    directory, so that a payload that runs leaves its marker where the test looks for it.
    """
    code = (
        "import sys, os, json, numpy, torch, importlib.util\n"
        "results = []\n"
        "for folder, raw in json.loads(sys.argv[1]):\n"
        "    os.chdir(folder)\n"
        "    try:\n"
        "        spec = importlib.util.spec_from_file_location(f'model{len(results)}', os.path.join(folder, 'model.py'))\n"
        "        model = importlib.util.module_from_spec(spec); spec.loader.exec_module(model)\n"
        "        m = model.SimpleNN(); m.load_state_dict(torch.load('state_dict.pt', weights_only=True)); m.eval()\n"
        "        y = m(torch.from_numpy(numpy.load(raw))).detach().numpy().tolist()\n"
        "        results.append({'y': y, 'name': model.NAME, 'features': model.FEATURES, 'classes': model.CLASSES})\n"
        "    except Exception as exc:  # one broken module fails its own test, not the others\n"
        "        results.append({'error': repr(exc)})\n"
        "print(json.dumps(results))\n"
    )
    argv = json.dumps([[str(folder), str(raw)] for folder, raw in jobs])
    run = subprocess.run([sys.executable, "-E", "-s", "-c", code, argv], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def assert_only_definitions(source: str) -> None:
    """model.py's top level: one docstring, imports, constant assignments and the class."""
    tree = ast.parse(source)
    assert isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant)
    for node in tree.body[1:]:
        assert isinstance(node, ast.Import | ast.ImportFrom | ast.Assign | ast.ClassDef), ast.dump(node)
        if isinstance(node, ast.Assign):
            assert isinstance(ast.literal_eval(node.value), str | tuple)


def tuinn_outputs(folder: Path, run: str = "run") -> tuple[np.ndarray, np.ndarray]:
    """Raw test inputs and tuinn's own outputs for them, from the trained checkpoint."""
    from tuinn.config.spec import load
    from tuinn.training import checkpoint
    from tuinn.training.run_folder import CHECKPOINT
    from tuinn.training.trainer import Trainer

    trainer = Trainer(load(folder / "exp.toml"))
    trainer.restore(checkpoint.load(folder / run / CHECKPOINT).state)
    return trainer.dataset.x[trainer.test_idx], trainer.outputs(trainer.x[trainer.test_idx])


@dataclass(frozen=True)
class Export:
    """One payload's export: its folder, tuinn's own outputs, and what the fresh Python saw."""

    root: Path
    expected: np.ndarray
    result: dict[str, object]


def export_payload(root: Path, payload: str) -> tuple[Path, np.ndarray]:
    """Train and export a model whose name and first CSV header are ``payload``."""
    root.mkdir()
    write_csv(root / "data.csv", [payload, "f2"])
    (root / "exp.toml").write_text(SPEC.format(name=toml_string(payload)), encoding="utf-8")
    trained = tuinn("train", "exp.toml", "--out", "run", "--quiet", cwd=root)
    assert trained.returncode == 0, trained.stderr
    out = tuinn("export", "run", "--torch", "exported", "--dtype", "float32", cwd=root)
    assert out.returncode == 0, out.stderr
    raw, expected = tuinn_outputs(root)
    np.save(root / "raw.npy", raw.astype(np.float32))
    return root / "raw.npy", expected


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[Export]:
    base = tmp_path_factory.mktemp("payloads")
    built = [export_payload(base / f"p{i}", payload) for i, payload in enumerate(PAYLOADS)]
    results = load_and_run_all([(raw.parent / "exported", raw) for raw, _ in built])
    return [Export(raw.parent, expected, result) for (raw, expected), result in zip(built, results, strict=True)]


@pytest.mark.parametrize("index", range(len(PAYLOADS)), ids=[f"payload{i}" for i in range(len(PAYLOADS))])
def test_hostile_name_and_csv_header_run_nothing_on_import(exports: list[Export], index: int) -> None:
    payload, done = PAYLOADS[index], exports[index]
    exported = done.root / "exported"
    assert not (exported / MARKER).exists(), "importing model.py ran a payload"
    assert "error" not in done.result, done.result
    assert_only_definitions((exported / "model.py").read_text(encoding="utf-8"))
    assert not (exported / MARKER).exists() and not (done.root / MARKER).exists()
    assert done.result["name"] == payload
    assert done.result["features"] == [f.replace("\n", " ").replace("\r", " ").strip() for f in (payload, "f2")]
    assert np.max(np.abs(np.array(done.result["y"]) - done.expected)) <= 1e-6


def test_hostile_strings_in_a_crafted_checkpoint_and_run_path_run_nothing(tmp_path: Path) -> None:
    """Names only a crafted checkpoint can hold (NUL, newlines, class names) and a hostile folder name."""
    from tuinn.training import checkpoint
    from tuinn.training.run_folder import CHECKPOINT

    write_csv(tmp_path / "data.csv", ["f1", "f2"])
    (tmp_path / "exp.toml").write_text(SPEC.format(name='"plain"'), encoding="utf-8")
    assert tuinn("train", "exp.toml", "--out", "run", "--quiet", cwd=tmp_path).returncode == 0
    ckpt = tmp_path / "run" / CHECKPOINT
    saved = checkpoint.load(ckpt)
    spec = dict(saved.spec, name=PAYLOADS[0] + "\x00")
    inputs = dict(saved.inputs, feature_names=PAYLOADS[1:3], class_names=PAYLOADS[3:5])
    checkpoint.save(ckpt, spec, saved.state, saved.early, inputs)
    hostile_run = tmp_path / 'r"""+__import__("pathlib").Path("pwned.txt").write_text("p")+"""'
    (tmp_path / "run").rename(hostile_run)
    out = tuinn("export", hostile_run.name, "--torch", "exported", "--dtype", "float32", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    exported = tmp_path / "exported"
    raw, expected = tuinn_outputs(tmp_path, hostile_run.name)
    np.save(tmp_path / "raw.npy", raw.astype(np.float32))
    (result,) = load_and_run_all([(exported, tmp_path / "raw.npy")])
    assert not (exported / MARKER).exists() and "error" not in result, result
    assert_only_definitions((exported / "model.py").read_text(encoding="utf-8"))
    assert not (exported / MARKER).exists() and not (tmp_path / MARKER).exists()
    assert result["name"] == spec["name"] and result["features"] == PAYLOADS[1:3] and result["classes"] == PAYLOADS[3:5]
    assert np.max(np.abs(np.array(result["y"]) - expected)) <= 1e-6

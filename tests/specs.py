"""Experiment specs that more than one test module trains, written once.

A spec used by one module only stays in that module, next to the assertions that depend
on its numbers. The ones here are shared: a change to one changes every test (and every
snapshot) that uses it, which is why each is named for what it is and not for a test.
"""

from __future__ import annotations

from tuinn.config.spec import Experiment, loads

#: Three blobs, 2-8-3 tanh/softmax, cce, Adam: the multi-class playground of the snapshot and Evaluate tests.
BLOBS_3 = """
name = "blobs-3"
description = "three blobs, 2-8-3 tanh/softmax, cce, adam"
seed = 0

[data]
source = "blobs"
classes = 3
samples = 300

[[model.layers]]
units = 8
activation = "tanh"

[[model.layers]]
units = 3
activation = "softmax"

[train]
loss = "cce"
optimizer = "adam"
learning_rate = 0.03
batch_size = 10
"""

#: Three spiral arms. The last hidden layer is a 3-unit linear "embedding" in front of the
#: softmax: with a wide tanh layer there, the classes are linearly separable (100 % train
#: accuracy) but each class spreads over several saturated corners, so the nearest class
#: centre in a 2-D PCA picture stays near 0.4-0.6; the linear embedding puts each class in
#: one blob (separation ≈ 0.9 after 100 epochs, for several seeds).
#: Used by tests/tui/test_latent.py, test_insight_snapshots.py and the frozen weights of tests/tui/fixed_state.py.
SPIRALS_3 = """
name = "spirals-3"
description = "three spiral arms: 4-16-16-3-3, tanh, a linear 3-unit embedding, softmax"
seed = 0

[data]
source = "spirals"
classes = 3
samples = 300
features = ["x1", "x2", "sin(x1)", "sin(x2)"]

[[model.layers]]
units = 16
activation = "tanh"

[[model.layers]]
units = 16
activation = "tanh"

[[model.layers]]
units = 3
activation = "linear"

[[model.layers]]
units = 3
activation = "softmax"

[train]
loss = "cce"
optimizer = "adam"
learning_rate = 0.03
batch_size = 10
"""


def blobs_3() -> Experiment:
    """:data:`BLOBS_3`, parsed afresh (a test may change it)."""
    return loads(BLOBS_3, "blobs-3 (test)")


def spirals_3() -> Experiment:
    """:data:`SPIRALS_3`, parsed afresh."""
    return loads(SPIRALS_3, "spirals (test)")


#: The [data] table of :func:`csv_classifier`: data.csv beside the experiment file.
CSV_DATA = 'source = "csv"\npath = "data.csv"\n'
SIGMOID_OUTPUT = 'units = 1\nactivation = "sigmoid"\n'
LINEAR_OUTPUT = 'units = 1\nactivation = "linear"\n'


def csv_classifier(data: str = CSV_DATA, output: str = SIGMOID_OUTPUT, loss: str = "bce", epochs: int = 3) -> str:
    """TOML of "csvexp": the CSV-error tests' experiment over data.csv, a 4-unit tanh layer and ``output``.

    ``data`` is the body of the [data] table, ``output`` that of the last layer (a few
    lines of ``key = value``); Adam at 0.01, batches of 4, seed 0.
    """
    return (f'name = "csvexp"\nseed = 0\n\n[data]\n{data}\n'
            f'[[model.layers]]\nunits = 4\nactivation = "tanh"\n\n[[model.layers]]\n{output}\n'
            f'[train]\nloss = "{loss}"\noptimizer = "adam"\nlearning_rate = 0.01\nbatch_size = 4\nepochs = {epochs}\n')

"""A TensorFlow Playground link read as a tuinn experiment (``tuinn play --from-url``).

Why: people meet neural networks in TensorFlow Playground and share its links; its whole
state is in the link's fragment (``#activation=tanh&batchSize=10&dataset=circle&…``, as its
``src/state.ts`` writes it). Reading that fragment lets someone carry an experiment over
and keep going with the lecture's math on screen. This module only parses: a link in, an
:class:`~tuinn.config.spec.Experiment` and the two view settings out, every value checked.

What each parameter becomes (the Playground's defaults, from ``state.ts``, fill in
missing ones):

=====================  ====================================================================
Playground             tuinn
=====================  ====================================================================
problem                classification: sigmoid output, ``bce``; regression: linear output,
                       ``mse`` (the Playground uses a tanh output and squared error on
                       labels ±1; tuinn's classes are 0/1, as in its ``playground`` preset)
dataset / regDataset   ``data.source`` (the one the problem uses; both are checked)
noise (0…50, %)        ``data.noise`` = noise / 100 (tuinn's 0…0.5)
percTrainData (10…90)  ``data.test_fraction`` = 1 − percTrainData / 100
batchSize              ``train.batch_size``
learningRate           ``train.learning_rate`` (plain SGD, as the Playground)
activation             the activation of every hidden layer (relu, tanh, sigmoid, linear)
regularization + rate  ``train.l1`` or ``train.l2`` = regularizationRate (none: both 0);
                       tuinn's L2 is ½·λ·‖W‖², gradient λ·W, the Playground's too
networkShape           hidden layers ("" = none: inputs straight to the output)
x, y, xSquared, …      ``data.features`` x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2)
cosX, cosY             accepted when false; true is refused: the Playground's page keeps the
                       flags but has no cos input to draw, and tuinn has none either
seed                   ``seed``: "0.59356" (the Playground's own form, ``Math.random()``
                       to 5 places) → 59356, the digits after "0."; any other string →
                       the first 4 bytes of its SHA-256 (missing: 0). The same seed does not
                       give the Playground's points: its random generator is another one
initZero               ``model.init`` = "zeros", else "uniform" (U(±0.5), the Playground's);
                       ``model.bias_init`` = 0.1, the Playground's starting bias
showTestData,          the playground's ``t`` and ``d`` view toggles (not part of the spec)
discretize
collectStats,          accepted and ignored: they only change the Playground's page
hideText, tutorial,
NAME_hide
=====================  ====================================================================

Also as the Playground: 500 samples for classification and 1200 for regression, and no
reshuffle between epochs (``train.shuffle = false``; the data are shuffled once when drawn).

Every problem with a link is one :class:`~tuinn.errors.ConfigError` naming the
parameters at fault (all of them, in one line), so ``tuinn play --from-url`` exits 2 and
the playground's load dialog shows one notification.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from tuinn.config.spec import MAX_SEED, Experiment, from_dict
from tuinn.errors import ConfigError

HOST = "playground.tensorflow.org"
#: What errors name as their source.
SOURCE = "TF Playground link"

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
REGULARIZATIONS = ("none", "L1", "L2")
DATASETS = ("circle", "xor", "gauss", "spiral")
REG_DATASETS = ("reg-plane", "reg-gauss")
PROBLEMS = ("classification", "regression")
#: The Playground's input flags, in its order, and tuinn's feature for each.
FEATURE_FLAGS = {"x": "x1", "y": "x2", "xSquared": "x1^2", "ySquared": "x2^2", "xTimesY": "x1*x2",
                 "sinX": "sin(x1)", "sinY": "sin(x2)"}
#: Flags the Playground keeps in its state but draws no input for (see the module docstring).
NO_EQUIVALENT = ("cosX", "cosY")
#: Settings of the Playground's page only (the ``NAME_hide`` flags too).
PAGE_ONLY = ("collectStats", "hideText", "tutorial")
#: The Playground's sample counts (NUM_SAMPLES_CLASSIFY, NUM_SAMPLES_REGRESS in playground.ts).
SAMPLES = {"classification": 500, "regression": 1200}
#: The Playground's starting bias (``Node.bias = 0.1`` in nn.ts).
BIAS_INIT = 0.1


@dataclass(frozen=True)
class PlaygroundLink:
    """A parsed link: the experiment, and the two view toggles the link also sets."""

    experiment: Experiment
    show_test: bool
    discretize: bool


def looks_like_link(text: str) -> bool:
    """True when ``text`` is meant as a Playground link (the load dialog's test: a link, not a path)."""
    t = text.strip()
    return urlsplit(t if "://" in t else f"https://{t}").netloc.lower() == HOST


def seed_from(text: str) -> int:
    """An integer seed for the Playground's string seed, the same on every machine.

    The Playground writes ``Math.random().toFixed(5)``: "0.59356" becomes 59356, a number
    one can recognise; any other string (seedrandom takes any) is hashed with SHA-256.
    """
    m = re.fullmatch(r"0\.(\d{1,9})", text)
    if m:
        return int(m.group(1))
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big") % (MAX_SEED + 1)


def parse_url(url: str) -> PlaygroundLink:
    """The experiment of a TensorFlow Playground link; a :class:`ConfigError` naming every bad parameter."""
    text = url.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != HOST:
        shown = text if len(text) <= 60 else text[:57] + "…"
        raise ConfigError("", f"{shown!r} is not a TensorFlow Playground link (https://{HOST}/#activation=tanh&…)", SOURCE)
    return parse_fragment(parts.fragment)


def parse_fragment(fragment: str) -> PlaygroundLink:
    """The part after ``#``: ``name=value`` pairs joined by ``&`` (values may be %-escaped)."""
    params: dict[str, str] = {}
    problems: list[str] = []
    for item in fragment.split("&"):
        if not item:
            continue
        name, sep, value = item.partition("=")
        name = unquote(name)
        if not sep:
            problems.append(f"{name}: has no value (expected {name}=…)")
        elif name in params:
            problems.append(f"{name}: given twice")
        else:
            params[name] = unquote(value)
    return _Reader(params, problems).link()


class _Reader:
    """Reads each parameter once, collecting every problem, then builds the experiment."""

    def __init__(self, params: dict[str, str], problems: list[str]) -> None:
        self.params = params
        self.problems = problems

    # ----------------------------------------------------------------- readers
    def _get(self, name: str, default: Any, convert: Callable[[str], Any]) -> Any:
        if name not in self.params:
            return default
        try:
            return convert(self.params[name])
        except ValueError as exc:
            self.problems.append(f"{name}: {exc}")
            return default

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        def convert(v: str) -> str:
            if v not in choices:
                hint = difflib.get_close_matches(v, choices, n=1)
                did = f"; did you mean {hint[0]!r}?" if hint else ""
                raise ValueError(f"{v!r} is not one of {', '.join(choices)}{did}")
            return v

        return self._get(name, default, convert)

    def number(self, name: str, default: float, lo: float, hi: float = math.inf, lo_open: bool = False, what: str = "") -> float:
        def convert(v: str) -> float:
            try:
                x = float(v)
            except ValueError:
                raise ValueError(f"{v!r} is not a number") from None
            if not math.isfinite(x) or x < lo or (lo_open and x == lo) or x > hi:
                low = f"> {lo:g}" if lo_open else f"≥ {lo:g}"
                raise ValueError(f"must be {low}{'' if hi == math.inf else f' and ≤ {hi:g}'}{what}, got {v}")
            return x

        return self._get(name, default, convert)

    def integer(self, name: str, default: int, lo: int) -> int:
        def convert(v: str) -> int:
            if not re.fullmatch(r"\d+", v) or int(v) < lo:
                raise ValueError(f"must be a whole number ≥ {lo}, got {v!r}")
            return int(v)

        return self._get(name, default, convert)

    def flag(self, name: str, default: bool) -> bool:
        def convert(v: str) -> bool:
            if v not in ("true", "false"):
                raise ValueError(f"must be true or false, got {v!r}")
            return v == "true"

        return self._get(name, default, convert)

    def shape(self, name: str, default: list[int]) -> list[int]:
        def convert(v: str) -> list[int]:
            items = [s.strip() for s in v.split(",")] if v.strip() else []
            if any(not re.fullmatch(r"\d+", s) or int(s) < 1 for s in items):
                raise ValueError(f"must be hidden-layer sizes ≥ 1 separated by commas (\"\" for none), got {v!r}")
            return [int(s) for s in items]

        return self._get(name, default, convert)

    # ------------------------------------------------------------------ build
    def link(self) -> PlaygroundLink:
        known = {"activation", "regularization", "batchSize", "dataset", "regDataset", "learningRate",
                 "regularizationRate", "noise", "networkShape", "seed", "showTestData", "discretize",
                 "percTrainData", "problem", "initZero", *FEATURE_FLAGS, *NO_EQUIVALENT, *PAGE_ONLY}
        unknown = [n for n in self.params if n not in known and not n.endswith("_hide")]
        for name in unknown:
            hint = difflib.get_close_matches(name, sorted(known), n=1)
            self.problems.append(f"{name}: unknown parameter" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
        for name in [n for n in self.params if n.endswith("_hide")] + ["collectStats", "hideText"]:
            self.flag(name, False)  # the page's own switches: checked, then left to the page
        raw, show_test, discretize = self._spec()
        if self.problems:
            raise ConfigError("", "; ".join(self.problems), SOURCE)
        try:
            exp = from_dict(raw, SOURCE)
        except ConfigError as exc:  # every value was checked above; this is the spec's last word
            raise ConfigError("", f"{exc.key}: {exc.problem}", SOURCE) from None
        return PlaygroundLink(exp, show_test, discretize)

    def _spec(self) -> tuple[dict[str, Any], bool, bool]:
        problem = self.choice("problem", "classification", PROBLEMS)
        dataset = self.choice("dataset", "circle", DATASETS)
        reg_dataset = self.choice("regDataset", "reg-plane", REG_DATASETS)
        source = dataset if problem == "classification" else reg_dataset
        activation = self.choice("activation", "tanh", ACTIVATIONS)
        regularization = self.choice("regularization", "none", REGULARIZATIONS)
        rate = self.number("regularizationRate", 0.0, 0.0)
        hidden = self.shape("networkShape", [4, 2])
        before = len(self.problems)
        features = [feature for flag, feature in FEATURE_FLAGS.items() if self.flag(flag, flag in ("x", "y"))]
        if not features and len(self.problems) == before:  # (a flag with a bad value is said already)
            self.problems.append(f"no input feature is on (turn on at least one of {', '.join(FEATURE_FLAGS)})")
        for flag in NO_EQUIVALENT:
            if self.flag(flag, False):
                self.problems.append(f"{flag}: no cos input in tuinn (nor on the Playground's page, which ignores it); set it false")
        seed = seed_from(self.params["seed"]) if "seed" in self.params else 0
        output = {"units": 1, "activation": "sigmoid" if problem == "classification" else "linear"}
        raw = {
            "seed": seed,
            "name": f"tf-playground-{source}",
            "description": f"from a TF Playground link: {source}, {'-'.join(map(str, [len(features), *hidden, 1]))} {activation}",
            "data": {
                "source": source,
                "samples": SAMPLES[problem],
                "noise": self.number("noise", 0.0, 0.0, 50.0, what=" (percent)") / 100.0,
                "test_fraction": round(1.0 - self.number("percTrainData", 50.0, 10.0, 90.0, what=" (percent)") / 100.0, 12),
                "features": features or ["x1"],
            },
            "model": {
                "init": "zeros" if self.flag("initZero", False) else "uniform",
                "bias_init": BIAS_INIT,
                "layers": [{"units": n, "activation": activation} for n in hidden] + [output],
            },
            "train": {
                "loss": "bce" if problem == "classification" else "mse",
                "optimizer": "sgd",
                "learning_rate": self.number("learningRate", 0.03, 0.0, lo_open=True),
                "batch_size": self.integer("batchSize", 10, 1),
                "l1": rate if regularization == "L1" else 0.0,
                "l2": rate if regularization == "L2" else 0.0,
                "shuffle": False,
            },
        }
        return raw, self.flag("showTestData", False), self.flag("discretize", False)


__all__ = ["HOST", "PlaygroundLink", "looks_like_link", "parse_fragment", "parse_url", "seed_from"]

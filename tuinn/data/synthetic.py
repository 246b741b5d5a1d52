"""Seeded synthetic datasets for teaching: the TensorFlow Playground six and a few more.

Why this module exists: a learner should be able to train a first network without
finding a file, and should see the *same* pictures as in TensorFlow Playground, so
the six playground datasets (``circle``, ``xor``, ``gauss``, ``spiral``,
``reg-plane``, ``reg-gauss``) keep the geometry, coordinate range (about [-6, 6])
and way of adding noise of the playground's ``src/dataset.ts``.  Its labels are
-1/+1; here -1 becomes class 0 and +1 becomes class 1.  The extra sources
(``moons``, ``checkerboard``, ``blobs``, ``spirals``, ``sine``) are drawn on the same
scale so that one set of plot limits and one learning rate suit them all.

Conventions shared by every source, chosen so that results are reproducible and
comparisons are fair:

* Everything random comes from the ``rng`` passed in, so the same generator state
  gives identical arrays.  Only NumPy is used (no torch, no textual) so the data
  layer can be imported and tested on its own.
* Each source draws the same random numbers whatever ``noise`` is and only scales
  the noise draws by it, so with one seed the noise slider changes only the noise,
  never the underlying points.
* Rows come back shuffled (one ``rng.permutation`` at the end).  The playground's
  generators emit class by class and the app shuffles afterwards; shuffling here
  means a caller that splits train/validation by slicing never gets one class only.
* Where a generator makes ``samples / C`` points per class and ``samples`` does not
  divide, the remainder goes to the last classes (highest indices), one each, so
  every class has ``samples // C`` or ``samples // C + 1`` points and a binary
  dataset with an odd count gives the extra point to class 1.
* Output is ``x``: float64 ``(samples, dims)``; ``y``: int64 class indices for
  classification, float64 ``(samples,)`` for regression.
* Everything is vectorised: 100 000 points take milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from tuinn.errors import DataError

__all__ = ["SOURCES", "SyntheticSource", "generate"]

#: Largest noise accepted; the playground's slider runs 0..50 and divides by 100.
MAX_NOISE = 0.5

_Arrays = tuple[np.ndarray, np.ndarray]
_Generator = Callable[[int, float, np.random.Generator, int], _Arrays]


@dataclass(frozen=True)
class SyntheticSource:
    """What the CLI and TUI need to know about a source before generating it.

    ``multiclass`` says whether the ``classes`` option means anything, so a front
    end can show or hide it instead of silently ignoring a value.
    """

    name: str
    task: str  # "classification" or "regression"
    dims: int  # 2 for the plane datasets, 1 for "sine"
    description: str  # one line for `tuinn data list`
    multiclass: bool  # True when the `classes` option applies


# ---------------------------------------------------------------------------
# helpers


def _balanced(samples: int, classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split ``samples`` rows into ``classes`` consecutive groups as evenly as possible.

    Returns, per row, its class, its index inside the class and the class size.  The
    first ``classes - r`` classes get ``samples // classes`` rows and the last ``r``
    (``r = samples % classes``) one more, which is the "extra point to the last class"
    rule.  Everything is O(samples), never O(classes), so a silly ``classes`` value
    cannot allocate a huge array.
    """
    base, extra = divmod(samples, classes)
    row = np.arange(samples, dtype=np.int64)
    small = classes - extra  # number of classes with `base` rows
    cut = small * base  # rows taken by those classes
    in_small = row < cut
    after = row - cut
    label = np.where(in_small, row // max(base, 1), small + after // (base + 1))
    start = np.where(in_small, label * base, cut + (label - small) * (base + 1))
    size = np.where(in_small, base, base + 1)
    return label.astype(np.int64), row - start, size


def _spiral_arms(
    label: np.ndarray,
    index: np.ndarray,
    size: np.ndarray,
    offset: np.ndarray,
    noise: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Points on the playground's spiral: radius 0..5 over 1.75 turns, then noise.

    As in ``dataset.ts``: ``r = i / n * 5``, ``t = 1.75 * i / n * 2pi + offset``,
    ``(r sin t, r cos t)`` plus ``uniform(-1, 1) * noise`` on each coordinate; ``n`` is
    the arm's own size so an arm with the extra point still ends at radius < 5.
    """
    frac = index / size
    r = frac * 5.0
    t = 1.75 * frac * 2.0 * math.pi + offset
    x = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    return x + rng.uniform(-1.0, 1.0, size=(label.size, 2)) * noise


def _gauss_std(noise: float) -> float:
    """Standard deviation of the playground's Gaussians for a noise level.

    ``dataset.ts`` maps noise 0..0.5 linearly to a *variance* of 0.5..4 and samples
    with ``sqrt(variance)``, so the blobs touch at high noise but never vanish at 0.
    """
    return math.sqrt(0.5 + (4.0 - 0.5) * noise / MAX_NOISE)


# ---------------------------------------------------------------------------
# the playground six


def _circle(
    samples: int, noise: float, rng: np.random.Generator, classes: int
) -> _Arrays:
    """Disc of radius 2.5 (class 1) inside a ring 3.5..5 (class 0).

    Noise does not move the stored point: the label is computed from the point plus
    ``uniform(-5, 5) * noise`` per coordinate, so noise shows as wrongly coloured
    points near the boundary, exactly as in the playground.
    """
    label, _, _ = _balanced(samples, 2)
    inside = label == 1
    u = rng.uniform(0.0, 1.0, size=samples)
    r = np.where(inside, 2.5 * u, 3.5 + 1.5 * u)
    angle = rng.uniform(0.0, 2.0 * math.pi, size=samples)
    x = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    shifted = x + rng.uniform(-5.0, 5.0, size=(samples, 2)) * noise
    y = (np.hypot(shifted[:, 0], shifted[:, 1]) < 2.5).astype(np.int64)
    return x, y


def _xor(samples: int, noise: float, rng: np.random.Generator, classes: int) -> _Arrays:
    """Quadrants: class 1 where x*y >= 0, class 0 elsewhere.

    Coordinates are ``uniform(-5, 5)`` pushed 0.3 away from each axis (the
    playground's padding, so no point sits on the boundary at noise 0); the label is
    computed from the point plus ``uniform(-5, 5) * noise`` and the point is stored
    without it.
    """
    x = rng.uniform(-5.0, 5.0, size=(samples, 2))
    x += np.where(x > 0, 0.3, -0.3)
    shifted = x + rng.uniform(-5.0, 5.0, size=(samples, 2)) * noise
    y = (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)
    return x, y


def _gauss(
    samples: int, noise: float, rng: np.random.Generator, classes: int
) -> _Arrays:
    """Two Gaussian clouds at (2, 2) (class 1) and (-2, -2) (class 0).

    Noise widens the clouds (variance 0.5 + 7 * noise) rather than flipping labels.
    """
    label, _, _ = _balanced(samples, 2)
    centre = np.where(label == 1, 2.0, -2.0)[:, None]
    x = centre + rng.standard_normal(size=(samples, 2)) * _gauss_std(noise)
    return x, label


def _spiral(
    samples: int, noise: float, rng: np.random.Generator, classes: int
) -> _Arrays:
    """Two interleaved spirals: class 1 starts at angle 0, class 0 at pi.

    Noise ``uniform(-1, 1) * noise`` is added to the stored point itself.
    """
    label, index, size = _balanced(samples, 2)
    offset = np.where(label == 1, 0.0, math.pi)
    return _spiral_arms(label, index, size, offset, noise, rng), label


def _reg_plane(
    samples: int, noise: float, rng: np.random.Generator, classes: int
) -> _Arrays:
    """Regression on a tilted plane: y = (x1 + x2) / 10.

    This is ``dataset.ts``'s linear scale from [-10, 10] to [-1, 1] applied to
    ``x1 + x2``.  Like the playground it is *not* clamped, so the corners of the
    [-6, 6] square reach +-1.2 (and a little more with noise).  Noise is
    ``uniform(-6, 6) * noise`` added to the point before the value is computed; the
    point is stored without it.
    """
    x = rng.uniform(-6.0, 6.0, size=(samples, 2))
    shifted = x + rng.uniform(-6.0, 6.0, size=(samples, 2)) * noise
    y = (shifted[:, 0] + shifted[:, 1]) / 10.0
    return x, y


_REG_GAUSS_CENTRES = np.array(
    [[-4.0, 2.5], [0.0, 2.5], [4.0, 2.5], [-4.0, -2.5], [0.0, -2.5], [4.0, -2.5]]
)
_REG_GAUSS_SIGNS = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])


def _reg_gauss(
    samples: int, noise: float, rng: np.random.Generator, classes: int
) -> _Arrays:
    """Regression on six signed bumps in a 3x2 grid, values in [-1, 1].

    Each bump is ``sign * clamp(1 - distance / 2, 0, 1)`` and a point takes the bump
    largest in absolute value (the first on ties, as the playground's strict ``>``
    does), 0 far from all of them.  Noise is applied as in ``reg-plane``.
    """
    x = rng.uniform(-6.0, 6.0, size=(samples, 2))
    shifted = x + rng.uniform(-6.0, 6.0, size=(samples, 2)) * noise
    diff = shifted[:, None, :] - _REG_GAUSS_CENTRES[None, :, :]
    height = np.clip(1.0 - np.hypot(diff[..., 0], diff[..., 1]) / 2.0, 0.0, 1.0)
    best = np.argmax(height, axis=1)
    rows = np.arange(samples)
    y = height[rows, best] * _REG_GAUSS_SIGNS[best] + 0.0  # + 0.0 turns -0.0 into 0.0
    return x, y


# ---------------------------------------------------------------------------
# extra sources


#: moons are made in scikit-learn's frame (x in [-1, 2], y in [-0.5, 1]) and mapped
#: with ``x' = 4 (x - 0.5)``, ``y' = 4 (y - 0.25)``: one scale for both axes keeps
#: the half circles round, and the result spans [-6, 6] x [-3, 3].
_MOONS_SCALE = 4.0
_MOONS_SHIFT = np.array([0.5, 0.25])


def _moons(
    samples: int, noise: float, rng: np.random.Generator, classes: int
) -> _Arrays:
    """Two interleaving half circles like scikit-learn's ``make_moons``, rescaled.

    Class 0 is the upper half circle (centre (0, 0), radius 1, angles 0..pi); class 1
    the lower one (centre (1, 0.5), radius 1, angles pi..2pi).  Angles are drawn
    uniformly (scikit-learn spaces them evenly) so that every source is a random
    sample.  Gaussian noise with std ``noise`` is added in the unit frame, then
    ``x' = 4 (x - 0.5)``, ``y' = 4 (y - 0.25)`` maps the data onto [-6, 6] x [-3, 3]
    (so the noise std there is ``4 * noise``).
    """
    label, _, _ = _balanced(samples, 2)
    inner = label == 1
    t = rng.uniform(0.0, math.pi, size=samples) + np.where(inner, math.pi, 0.0)
    centre = np.where(inner[:, None], np.array([1.0, 0.5]), np.array([0.0, 0.0]))
    x = centre + np.stack([np.cos(t), np.sin(t)], axis=1)
    x += rng.standard_normal(size=(samples, 2)) * noise
    return _MOONS_SCALE * (x - _MOONS_SHIFT), label


#: checkerboard cells are 3 wide: 4 x 4 cells tile [-6, 6]^2.
_CELL = 3.0


def _checkerboard(
    samples: int, noise: float, rng: np.random.Generator, classes: int
) -> _Arrays:
    """A 4 x 4 checkerboard on [-6, 6]^2; class = parity of (column + row).

    The cell with corner (-6, -6) is class 0.  As in ``xor``, noise does not move the
    stored point: the label is computed from the point plus
    ``uniform(-3, 3) * noise`` per coordinate.  The noise range is one cell width
    (rather than xor's data range) so that at noise 0.5 a label is pushed at most
    half a cell, the same proportion as xor's quadrants and circle's disc.
    """
    x = rng.uniform(-6.0, 6.0, size=(samples, 2))
    shifted = x + rng.uniform(-_CELL, _CELL, size=(samples, 2)) * noise
    cell = np.floor((shifted + 6.0) / _CELL).astype(np.int64)
    y = (cell[:, 0] + cell[:, 1]) % 2
    return x, y


def _blobs(
    samples: int, noise: float, rng: np.random.Generator, classes: int
) -> _Arrays:
    """``classes`` Gaussian blobs with centres evenly spaced on a circle of radius 4.

    The first centre is at angle pi/4 so that two classes look like ``gauss``
    (centres at about +-(2.83, 2.83)); the spread follows ``gauss`` (variance
    0.5 + 7 * noise).
    """
    label, _, _ = _balanced(samples, classes)
    angle = math.pi / 4.0 + 2.0 * math.pi * label / classes
    centre = 4.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x = centre + rng.standard_normal(size=(samples, 2)) * _gauss_std(noise)
    return x, label


def _spirals(
    samples: int, noise: float, rng: np.random.Generator, classes: int
) -> _Arrays:
    """``classes`` interleaved spiral arms: ``spiral`` with arm k starting at 2pi k / C.

    Radius, turns and noise follow ``spiral``.  Note that class numbers differ from
    ``spiral`` with two classes: here class 0 starts at angle 0.
    """
    label, index, size = _balanced(samples, classes)
    offset = 2.0 * math.pi * label / classes
    return _spiral_arms(label, index, size, offset, noise, rng), label


def _sine(
    samples: int, noise: float, rng: np.random.Generator, classes: int
) -> _Arrays:
    """1-D regression: x uniform in [-6, 6], y = sin(x) + Gaussian noise (std ``noise``).

    About two periods, so a network must bend twice; the smallest curve-fitting demo.
    """
    x = rng.uniform(-6.0, 6.0, size=(samples, 1))
    y = np.sin(x[:, 0]) + rng.standard_normal(size=samples) * noise
    return x, y


# ---------------------------------------------------------------------------
# registry and entry point


_C, _R = "classification", "regression"

#: Every source, in the order `tuinn data list` should show them.
SOURCES: dict[str, SyntheticSource] = {
    source.name: source
    for source in (
        SyntheticSource(
            name="circle",
            task=_C,
            dims=2,
            description="Disc inside a ring (TF Playground); noise flips labels near the edge",
            multiclass=False,
        ),
        SyntheticSource(
            name="xor",
            task=_C,
            dims=2,
            description="Opposite quadrants share a class (TF Playground); needs a hidden layer",
            multiclass=False,
        ),
        SyntheticSource(
            name="gauss",
            task=_C,
            dims=2,
            description="Two Gaussian clouds (TF Playground); linearly separable",
            multiclass=False,
        ),
        SyntheticSource(
            name="spiral",
            task=_C,
            dims=2,
            description="Two interleaved spirals (TF Playground); the hard one",
            multiclass=False,
        ),
        SyntheticSource(
            name="reg-plane",
            task=_R,
            dims=2,
            description="Regression on a tilted plane y=(x1+x2)/10 (TF Playground)",
            multiclass=False,
        ),
        SyntheticSource(
            name="reg-gauss",
            task=_R,
            dims=2,
            description="Regression on six signed bumps, values in [-1, 1] (TF Playground)",
            multiclass=False,
        ),
        SyntheticSource(
            name="moons",
            task=_C,
            dims=2,
            description="Two interleaving half circles (scikit-learn make_moons, rescaled)",
            multiclass=False,
        ),
        SyntheticSource(
            name="checkerboard",
            task=_C,
            dims=2,
            description="4x4 checkerboard on [-6, 6]^2; class is the cell's parity",
            multiclass=False,
        ),
        SyntheticSource(
            name="blobs",
            task=_C,
            dims=2,
            description="`classes` Gaussian blobs on a circle of radius 4",
            multiclass=True,
        ),
        SyntheticSource(
            name="spirals",
            task=_C,
            dims=2,
            description="`classes` interleaved spiral arms",
            multiclass=True,
        ),
        SyntheticSource(
            name="sine",
            task=_R,
            dims=1,
            description="1-D regression y=sin(x) on [-6, 6]",
            multiclass=False,
        ),
    )
}

_GENERATORS: dict[str, _Generator] = {
    "circle": _circle,
    "xor": _xor,
    "gauss": _gauss,
    "spiral": _spiral,
    "reg-plane": _reg_plane,
    "reg-gauss": _reg_gauss,
    "moons": _moons,
    "checkerboard": _checkerboard,
    "blobs": _blobs,
    "spirals": _spirals,
    "sine": _sine,
}


def _is_int(value: object) -> bool:
    """True for Python and NumPy integers, but not bools (``True`` is not a count)."""
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def generate(
    name: str, samples: int, noise: float, rng: np.random.Generator, classes: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(x, y)`` for the synthetic source ``name``.

    ``x`` is float64 ``(samples, dims)``.  ``y`` is int64 class indices ``0..C-1`` for
    classification or float64 ``(samples,)`` values for regression.  ``noise`` must
    lie in [0, 0.5] (the playground's slider range); ``classes`` (at least 2) is used
    only by sources whose ``multiclass`` is true and ignored by the others.  Every
    random number comes from ``rng``, so equal generator states give equal arrays.

    Raises ``DataError`` with a one-line message naming the dataset and the problem,
    because these values come straight from a user's config or command line.
    """
    source = SOURCES.get(name) if isinstance(name, str) else None
    if source is None:
        raise DataError(
            f"unknown synthetic dataset {name!r}; known: {', '.join(sorted(SOURCES))}"
        )
    if not _is_int(samples) or samples < 1:
        raise DataError(
            f"dataset {name!r}: samples must be a whole number >= 1, got {samples!r}"
        )
    if (
        isinstance(noise, (bool, np.bool_))
        or not isinstance(noise, Real)
        or not 0.0 <= noise <= MAX_NOISE
    ):
        raise DataError(
            f"dataset {name!r}: noise must be between 0 and {MAX_NOISE}, got {noise!r}"
        )
    if source.multiclass:
        if not _is_int(classes) or classes < 2:
            raise DataError(
                f"dataset {name!r}: classes must be a whole number >= 2, got {classes!r}"
            )
        classes = int(classes)
    else:
        classes = 2

    x, y = _GENERATORS[name](int(samples), float(noise), rng, classes)
    order = rng.permutation(int(samples))
    x = np.ascontiguousarray(x[order], dtype=np.float64)
    y = np.ascontiguousarray(
        y[order], dtype=np.int64 if source.task == _C else np.float64
    )
    return x, y

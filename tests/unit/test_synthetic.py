"""Tests for tuinn.data.synthetic: shapes, determinism, balance, geometry, errors, speed.

The geometry checks pin the TensorFlow Playground facts (radii, padding, centres,
label scale) because learners compare tuinn's pictures with the playground's.
"""

from __future__ import annotations

import ast
import math
import time
from pathlib import Path

import numpy as np
import pytest

from tuinn.data import synthetic
from tuinn.data.synthetic import SOURCES, SyntheticSource, generate
from tuinn.errors import DataError

ALL = sorted(SOURCES)
CLASSIFICATION = [n for n in ALL if SOURCES[n].task == "classification"]
REGRESSION = [n for n in ALL if SOURCES[n].task == "regression"]
BINARY_HALVES = ["circle", "gauss", "spiral", "moons"]


def make(
    name: str, samples: int = 400, noise: float = 0.0, seed: int = 0, classes: int = 3
):
    return generate(name, samples, noise, np.random.default_rng(seed), classes=classes)


# --- registry -------------------------------------------------------------------------


def test_registry_lists_every_source_with_consistent_metadata() -> None:
    assert set(SOURCES) == {
        "circle",
        "xor",
        "gauss",
        "spiral",
        "reg-plane",
        "reg-gauss",
        "moons",
        "checkerboard",
        "blobs",
        "spirals",
        "sine",
    }
    for key, src in SOURCES.items():
        assert isinstance(src, SyntheticSource)
        assert src.name == key
        assert src.task in ("classification", "regression")
        assert src.description and "\n" not in src.description
        assert src.dims == (1 if key == "sine" else 2)
        assert src.multiclass == (key in ("blobs", "spirals"))
    assert set(REGRESSION) == {"reg-plane", "reg-gauss", "sine"}


def test_source_is_frozen() -> None:
    with pytest.raises(AttributeError):
        SOURCES["circle"].dims = 3  # type: ignore[misc]


def test_module_imports_only_numpy_and_tuinn() -> None:
    tree = ast.parse(Path(synthetic.__file__).read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    assert "torch" not in roots and "textual" not in roots
    assert roots <= {
        "__future__",
        "math",
        "collections",
        "dataclasses",
        "numbers",
        "numpy",
        "tuinn",
    }


# --- shapes, dtypes, determinism ------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("samples", [1, 2, 101])
def test_shapes_and_dtypes(name: str, samples: int) -> None:
    x, y = make(name, samples=samples, noise=0.2, classes=4)
    src = SOURCES[name]
    assert x.shape == (samples, src.dims) and x.dtype == np.float64
    assert y.shape == (samples,)
    assert np.isfinite(x).all() and np.isfinite(y).all()
    if src.task == "classification":
        assert y.dtype == np.int64
        assert y.min() >= 0 and y.max() < (4 if src.multiclass else 2)
    else:
        assert y.dtype == np.float64


@pytest.mark.parametrize("name", ALL)
def test_same_seed_gives_identical_arrays(name: str) -> None:
    x1, y1 = make(name, noise=0.3)
    x2, y2 = make(name, noise=0.3)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize("name", ALL)
def test_different_seeds_differ(name: str) -> None:
    x1, _ = make(name, noise=0.3, seed=0)
    x2, _ = make(name, noise=0.3, seed=1)
    assert not np.array_equal(x1, x2)


@pytest.mark.parametrize(
    "name", ["circle", "xor", "checkerboard", "reg-plane", "reg-gauss"]
)
def test_noise_moves_labels_not_points(name: str) -> None:
    """Where the playground perturbs only the label, one seed gives the same points."""
    x0, _ = make(name, noise=0.0)
    x1, _ = make(name, noise=0.4)
    np.testing.assert_array_equal(x0, x1)


def test_rows_are_shuffled() -> None:
    _, y = make("gauss", samples=1000)
    assert len(set(y[:500].tolist())) == 2  # not "all class 0, then all class 1"


# --- class balance --------------------------------------------------------------------


@pytest.mark.parametrize("name", BINARY_HALVES)
@pytest.mark.parametrize("samples", [100, 101, 7])
def test_binary_sources_split_exactly_in_half(name: str, samples: int) -> None:
    _, y = make(name, samples=samples, noise=0.0)
    assert np.bincount(y, minlength=2).tolist() == [
        samples // 2,
        samples - samples // 2,
    ]


@pytest.mark.parametrize("name", ["gauss", "spiral", "moons"])
def test_balance_holds_with_noise_where_noise_moves_points(name: str) -> None:
    _, y = make(name, samples=301, noise=0.5)
    assert np.bincount(y).tolist() == [150, 151]


@pytest.mark.parametrize("name", ["blobs", "spirals"])
@pytest.mark.parametrize("classes", [2, 3, 5, 7])
@pytest.mark.parametrize("samples", [100, 101, 3])
def test_multiclass_balance(name: str, classes: int, samples: int) -> None:
    _, y = make(name, samples=samples, noise=0.1, classes=classes)
    counts = np.bincount(y, minlength=classes)
    assert counts.size == classes and counts.sum() == samples
    base, extra = divmod(samples, classes)
    # every class gets floor(samples / C); the remainder goes to the last classes
    assert counts.tolist() == [base] * (classes - extra) + [base + 1] * extra


# --- geometry of the playground six ---------------------------------------------------


def test_circle_geometry_without_noise() -> None:
    x, y = make("circle", samples=2000)
    r = np.hypot(x[:, 0], x[:, 1])
    assert (r[y == 1] < 2.5).all()
    assert ((r[y == 0] >= 3.5) & (r[y == 0] <= 5.0)).all()


def test_xor_geometry_without_noise() -> None:
    x, y = make("xor", samples=2000)
    np.testing.assert_array_equal(y, (np.sign(x[:, 0] * x[:, 1]) > 0).astype(np.int64))
    assert (np.abs(x) >= 0.3).all() and (np.abs(x) <= 5.3).all()


@pytest.mark.parametrize("name", ["circle", "xor", "checkerboard"])
def test_noise_flips_some_labels(name: str) -> None:
    _, y0 = make(name, samples=2000, noise=0.0)
    _, y1 = make(name, samples=2000, noise=0.3)
    flipped = (y0 != y1).mean()
    assert 0.01 < flipped < 0.5


def test_gauss_class_means_and_spread() -> None:
    x, y = make("gauss", samples=20000)
    np.testing.assert_allclose(x[y == 1].mean(axis=0), [2.0, 2.0], atol=0.05)
    np.testing.assert_allclose(x[y == 0].mean(axis=0), [-2.0, -2.0], atol=0.05)
    # playground: variance 0.5 at noise 0, 4 at noise 0.5
    assert x[y == 1].var(axis=0) == pytest.approx([0.5, 0.5], rel=0.05)
    x, y = make("gauss", samples=20000, noise=0.5)
    assert x[y == 1].var(axis=0) == pytest.approx([4.0, 4.0], rel=0.05)


def _spiral_residual(x: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Angle error against the playground spiral t = 1.75 * 2pi * r / 5 + offset."""
    r = np.hypot(x[:, 0], x[:, 1])
    t = np.arctan2(x[:, 0], x[:, 1])  # playground uses (r sin t, r cos t)
    diff = t - (1.75 * 2 * math.pi * r / 5 + offset)
    return np.abs(np.angle(np.exp(1j * diff)))[r > 1e-9]


def test_spiral_geometry_without_noise() -> None:
    x, y = make("spiral", samples=1000)
    assert (np.hypot(x[:, 0], x[:, 1]) < 5.0).all()
    assert _spiral_residual(x, np.where(y == 1, 0.0, math.pi)).max() < 1e-9


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_spirals_arms_are_offset_by_two_pi_over_c(classes: int) -> None:
    x, y = make("spirals", samples=999, classes=classes)
    assert _spiral_residual(x, 2 * math.pi * y / classes).max() < 1e-9


def test_spiral_noise_moves_points_within_bound() -> None:
    x0, _ = make("spiral", samples=500, noise=0.0)
    x1, _ = make("spiral", samples=500, noise=0.5)
    moved = np.abs(x1 - x0)
    assert moved.max() <= 0.5 and moved.max() > 0.1


def test_reg_plane_is_exactly_scaled_sum_without_noise() -> None:
    x, y = make("reg-plane", samples=2000)
    np.testing.assert_array_equal(y, (x[:, 0] + x[:, 1]) / 10)
    assert (np.abs(x) <= 6).all() and np.abs(x).max() > 5.9


def test_reg_plane_noise_perturbs_values() -> None:
    x, y = make("reg-plane", samples=2000, noise=0.3)
    err = y - (x[:, 0] + x[:, 1]) / 10
    assert np.abs(err).max() > 0.1 and np.abs(err).max() <= 2 * 6 * 0.3 / 10 + 1e-12


@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_reg_gauss_values_and_bumps(noise: float) -> None:
    x, y = make("reg-gauss", samples=20000, noise=noise)
    assert y.min() >= -1.0 and y.max() <= 1.0
    if noise == 0.0:
        assert (y == 0).any()  # far from every bump, e.g. the middle of the left edge

        def near(cx: float, cy: float) -> np.ndarray:
            mask = np.hypot(x[:, 0] - cx, x[:, 1] - cy) < 0.1
            assert mask.any()
            return mask

        assert (y[near(-4, 2.5)] > 0.9).all() and (y[near(0, 2.5)] < -0.9).all()
        assert (y[near(0, -2.5)] > 0.9).all() and (y[near(4, -2.5)] < -0.9).all()


# --- geometry of the extra sources ----------------------------------------------------


def test_moons_lie_on_rescaled_half_circles() -> None:
    x, y = make("moons", samples=2000)
    u = x / 4.0 + np.array([0.5, 0.25])  # undo the documented affine map
    outer, inner = u[y == 0], u[y == 1]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0)
    assert (outer[:, 1] >= -1e-12).all()
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0)
    assert (inner[:, 1] <= 0.5 + 1e-12).all()
    assert x[:, 0].min() == pytest.approx(-6, abs=0.05) and x[
        :, 0
    ].max() == pytest.approx(6, abs=0.05)


def test_moons_noise_is_gaussian_with_std_noise_before_scaling() -> None:
    x0, _ = make("moons", samples=20000, noise=0.0)
    x1, _ = make("moons", samples=20000, noise=0.2)
    assert ((x1 - x0) / 4.0).std() == pytest.approx(0.2, rel=0.05)


def test_checkerboard_is_cell_parity_without_noise() -> None:
    x, y = make("checkerboard", samples=2000)
    assert (np.abs(x) <= 6).all()
    cells = np.floor((x + 6) / 3).astype(int)
    np.testing.assert_array_equal(y, cells.sum(axis=1) % 2)
    assert 0.4 < y.mean() < 0.6


@pytest.mark.parametrize("classes", [2, 4, 6])
def test_blob_centres_on_circle_of_radius_4(classes: int) -> None:
    x, y = make("blobs", samples=6000 * classes, classes=classes)
    for k in range(classes):
        angle = math.pi / 4 + 2 * math.pi * k / classes
        np.testing.assert_allclose(
            x[y == k].mean(axis=0),
            [4 * math.cos(angle), 4 * math.sin(angle)],
            atol=0.05,
        )


def test_blobs_spread_grows_with_noise() -> None:
    x0, y0 = make("blobs", samples=6000, noise=0.0)
    x1, y1 = make("blobs", samples=6000, noise=0.5)
    assert x0[y0 == 0].std() < x1[y1 == 0].std()


def test_sine_is_exact_without_noise() -> None:
    x, y = make("sine", samples=2000)
    assert x.shape == (2000, 1) and (np.abs(x) <= 6).all()
    np.testing.assert_array_equal(y, np.sin(x[:, 0]))


def test_sine_noise_std() -> None:
    x, y = make("sine", samples=20000, noise=0.25)
    assert (y - np.sin(x[:, 0])).std() == pytest.approx(0.25, rel=0.05)


# --- errors ---------------------------------------------------------------------------


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(DataError) as info:
        make("spiralz")
    msg = str(info.value)
    assert "spiralz" in msg and "\n" not in msg
    assert all(name in msg for name in ALL)


@pytest.mark.parametrize("samples", [0, -3, 2.5, True, "10"])
def test_bad_samples(samples: object) -> None:
    with pytest.raises(DataError, match="circle.*samples"):
        generate("circle", samples, 0.1, np.random.default_rng(0))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "noise", [-0.01, 0.51, 1.0, float("nan"), float("inf"), "0.1", None]
)
def test_bad_noise(noise: object) -> None:
    with pytest.raises(DataError, match="xor.*noise"):
        generate("xor", 10, noise, np.random.default_rng(0))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["blobs", "spirals"])
@pytest.mark.parametrize("classes", [1, 0, -2, 2.0])
def test_bad_classes(name: str, classes: object) -> None:
    with pytest.raises(DataError, match=f"{name}.*classes"):
        generate(name, 10, 0.1, np.random.default_rng(0), classes=classes)  # type: ignore[arg-type]


def test_classes_ignored_where_it_does_not_apply() -> None:
    _, y = generate("circle", 10, 0.0, np.random.default_rng(0), classes=1)
    assert set(y.tolist()) == {0, 1}


def test_boundary_values_are_accepted() -> None:
    """The ends of each range and NumPy scalars are accepted and mean what the plain Python number means."""
    for noise, plain in ((0, 0.0), (0.5, 0.5), (np.float32(0.25), 0.25)):
        x, y = generate("gauss", 5, noise, np.random.default_rng(0))
        assert x.shape == (5, 2) and x.dtype == np.float64 and np.all(np.isfinite(x))
        assert y.shape == (5,) and y.dtype == np.int64 and set(y.tolist()) <= {0, 1}
        want_x, want_y = generate("gauss", 5, plain, np.random.default_rng(0))
        assert np.array_equal(x, want_x) and np.array_equal(y, want_y)
    # both ends are used as given, not clipped: the same draws, spread by std √0.5 at noise 0 and √4 at 0.5
    centred = {}
    for n in (0, 0.5):
        x, y = generate("gauss", 400, n, np.random.default_rng(1))
        centred[n] = x - np.where(y == 1, 2.0, -2.0)[:, None]
    assert np.allclose(centred[0.5], centred[0] * math.sqrt(4.0 / 0.5))
    x, y = generate("blobs", np.int64(5), 0.1, np.random.default_rng(0), classes=np.int64(2))
    want_x, want_y = generate("blobs", 5, 0.1, np.random.default_rng(0), classes=2)
    assert x.shape == (5, 2) and np.array_equal(x, want_x) and np.array_equal(y, want_y)
    assert set(y.tolist()) <= {0, 1}
    x, y = generate("circle", 1, 0.0, np.random.default_rng(0))  # the smallest sample
    assert x.shape == (1, 2) and y.shape == (1,)


# --- speed ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_hundred_thousand_points_under_a_second(name: str) -> None:
    start = time.perf_counter()
    x, _ = make(name, samples=100_000, noise=0.2, classes=5)
    assert time.perf_counter() - start < 1.0
    assert x.shape[0] == 100_000

"""``[data]`` as a dataclass: where the samples come from and how they are split.

Why here and not beside the other spec dataclasses in :mod:`tuinn.config.spec`: the
data layer reads this shape (:func:`tuinn.data.dataset.build_dataset`) and knows which
sources are synthetic, while the config layer validates it against the sources the data
layer offers. With the dataclass in config the two packages imported each other; here
the data layer needs nothing from config, and config sits above data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class DataSpec:
    """``[data]``: where the samples come from and how they are split."""

    source: str = "circle"
    samples: int = 500
    noise: float = 0.0
    features: list[str] | None = None  # None: the source's raw inputs (x1, x2 or x1)
    test_fraction: float | None = None  # None: 0.5, or 0.0 for inline data
    validation_fraction: float = 0.0
    standardize: bool = False
    x: list[list[float]] | None = None
    y: list[list[float]] | None = None
    classes: int = 3
    task: str = "auto"
    path: str | None = None  # source = "csv"
    target: str | int | None = None  # csv: column name or index (default: the last column)
    balance: str = "none"
    #: Synthetic classification only: the share of each class but class 0 that is kept
    #: (1 = all; 0.2 makes class 1 five times rarer than class 0), for the lecture's
    #: "balance the datasets!".
    imbalance: float = 1.0
    #: Inline data only: the rows (counted from 1) that are test and validation samples; every
    #: other row trains. Given, they replace the fractions, so that a data set drawn point by
    #: point in the playground keeps the split it was drawn with when it is read back.
    test_rows: list[int] | None = None
    validation_rows: list[int] | None = None

    @property
    def synthetic(self) -> bool:
        """True for generated sources (those whose features are the playground's)."""
        from tuinn.data.synthetic import SOURCES

        return self.source in SOURCES

    @property
    def playground_features(self) -> bool:
        """True when the inputs are the Playground's features of points of the plane (or line): a
        synthetic source, or inline points given ``features`` (a data set drawn in the playground)."""
        return self.synthetic or (self.source == "inline" and self.features is not None)

    @property
    def split_by_rows(self) -> bool:
        """Whether the split is given row by row (``test_rows`` / ``validation_rows``) rather than by fractions."""
        return self.test_rows is not None or self.validation_rows is not None

    @property
    def resolved_test_fraction(self) -> float:
        """The test share actually used: 0.5 by default, 0 for inline data (every sample trains), the
        share of ``test_rows`` when the rows are given."""
        if self.split_by_rows:
            return len(self.test_rows or []) / max(1, len(self.x or []))
        if self.test_fraction is not None:
            return self.test_fraction
        return 0.0 if self.source == "inline" else 0.5

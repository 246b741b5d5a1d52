"""Train / test / validation splits, stratified for classification.

The lecture's vocabulary: the training set is what the model learns from, the test set
assesses it during learning, the validation set ("never seen") assesses it at the end.
For classification each class is split in the same proportions, so a 50 % test split of
an unbalanced set keeps the balance in both halves.
"""

from __future__ import annotations

import numpy as np


def split_indices(
    n: int,
    test_fraction: float,
    validation_fraction: float,
    rng: np.random.Generator,
    labels: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train, test, validation) index arrays, each sorted; stratified when ``labels``.

    Per group (a class, or everything), round(fraction × size) samples go to test and
    to validation; the rest is training data.
    """
    # The classes present, in order: bincount of class indices (np.unique would import numpy.ma, ~15 ms of `tuinn`'s startup).
    groups = [np.arange(n)] if labels is None else [np.flatnonzero(labels == c) for c in np.flatnonzero(np.bincount(labels))]
    train, test, val = [], [], []
    for members in groups:
        order = rng.permutation(members)
        n_test = round(test_fraction * len(order))
        n_val = round(validation_fraction * len(order))
        n_val = min(n_val, len(order) - n_test)
        test.append(order[:n_test])
        val.append(order[n_test : n_test + n_val])
        train.append(order[n_test + n_val :])
    return tuple(np.sort(np.concatenate(part)).astype(np.int64) for part in (train, test, val))  # type: ignore[return-value]


def kfold_indices(
    indices: np.ndarray, k: int, rng: np.random.Generator, labels: np.ndarray | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """K (train, held-out) pairs over ``indices``, stratified when ``labels`` (of all samples).

    Each class is shuffled and dealt into K nearly equal chunks, so every fold keeps the
    class proportions and every sample is held out exactly once.
    """
    from tuinn.errors import DataError

    if len(indices) < k:
        raise DataError(f"k-fold: {len(indices)} samples cannot be split into {k} folds (fewer samples than folds)")
    if labels is None:
        groups = [indices]
    else:
        sub = labels[indices]
        groups = [indices[sub == c] for c in np.unique(sub)]
    chunks: list[list[np.ndarray]] = [[] for _ in range(k)]
    offset = 0
    for members in groups:
        # Rotate the starting fold per class so that remainders spread over the folds.
        for j, part in enumerate(np.array_split(rng.permutation(members), k)):
            chunks[(j + offset) % k].append(part)
        offset += len(members) % k
    folds = []
    for i in range(k):
        held = np.sort(np.concatenate(chunks[i])).astype(np.int64)
        train = np.setdiff1d(indices, held).astype(np.int64)
        folds.append((train, held))
    return folds

"""Confident learning over out-of-sample probabilities (Northcutt et al., 2021).

Functions over arrays, never models: ``labels`` (n,) class indices and ``pred_probs``
(n, k) out-of-sample probabilities. The steps follow the paper and cleanlab's defaults:

1. per-class thresholds ``t_j`` = mean self-confidence ``p(j | x)`` over examples labelled ``j``;
2. the confident joint ``C[i, j]``: examples labelled ``i`` whose probability of ``j`` reaches
   ``t_j`` (the largest such ``j`` when several do), counted as "given ``i``, truly ``j``";
3. calibration: each row rescaled to the number of examples labelled ``i``, the whole to ``n``;
4. pruning by noise rate: for every off-diagonal cell, the ``C[i, j]`` examples labelled ``i``
   with the largest margin ``p(j | x) - p(i | x)`` are flagged; examples whose label is also
   the arg-max prediction are never flagged.

Flagged examples are ranked by their self-confidence ``p(label | x)`` (low first).
"""

from __future__ import annotations

import numpy as np

from yearn.errors import DataError

__all__ = [
    "calibrate_joint",
    "confident_joint",
    "confident_thresholds",
    "find_label_issues",
    "self_confidence",
]

_EPS = 1e-6  # fuzzy comparison of probabilities (as in cleanlab)


def check_inputs(labels: np.ndarray, pred_probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``labels`` (n,) ints in [0, k) and ``pred_probs`` (n, k) rows summing to 1."""
    labels = np.asarray(labels)
    pred_probs = np.asarray(pred_probs, dtype=float)
    if pred_probs.ndim != 2 or pred_probs.shape[1] < 2:
        raise DataError(
            f"pred_probs must be a 2-D array (n examples, k >= 2 classes); got shape "
            f"{pred_probs.shape}."
        )
    if labels.ndim != 1 or len(labels) != len(pred_probs):
        raise DataError(
            f"labels must be 1-D with one entry per row of pred_probs ({len(pred_probs)}); "
            f"got shape {labels.shape}."
        )
    if len(labels) == 0:
        raise DataError("no examples: labels and pred_probs are empty.")
    if not np.issubdtype(labels.dtype, np.integer):
        raise DataError(
            f"labels must be class indices (integers); got dtype {labels.dtype}. Map class "
            "names to the column order of pred_probs first."
        )
    k = pred_probs.shape[1]
    bad = np.flatnonzero((labels < 0) | (labels >= k))
    if bad.size:
        raise DataError(
            f"row {int(bad[0])}: label index {int(labels[bad[0]])} is outside [0, {k}) "
            "(pred_probs has one column per class)."
        )
    if not np.isfinite(pred_probs).all():
        row = int(np.flatnonzero(~np.isfinite(pred_probs).all(axis=1))[0])
        raise DataError(f"row {row}: pred_probs holds NaN or inf: {pred_probs[row].tolist()}.")
    sums = pred_probs.sum(axis=1)
    off = np.flatnonzero((np.abs(sums - 1) > 1e-3) | (pred_probs < -1e-9).any(axis=1))
    if off.size:
        row = int(off[0])
        raise DataError(
            f"row {row}: probabilities sum to {sums[row]:.4f} (or are negative), not 1; pass "
            "softmax probabilities, not logits or scores."
        )
    return labels.astype(np.int64), pred_probs


def self_confidence(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """``p(label | x)`` per example: the label-quality score (low = likely wrong)."""
    labels, pred_probs = check_inputs(labels, pred_probs)
    return pred_probs[np.arange(len(labels)), labels]


def confident_thresholds(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """Per-class threshold: mean ``p(j | x)`` over examples labelled ``j`` (shape (k,))."""
    return _thresholds(*check_inputs(labels, pred_probs))


def _thresholds(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    k = pred_probs.shape[1]
    counts = np.bincount(labels, minlength=k).astype(float)
    sums = np.bincount(labels, weights=pred_probs[np.arange(len(labels)), labels], minlength=k)
    # a class nobody is labelled with can never be "confidently" predicted
    return np.where(counts > 0, sums / np.maximum(counts, 1), 1.0 + _EPS)


def confident_joint(
    labels: np.ndarray, pred_probs: np.ndarray, *, calibrate: bool = True
) -> np.ndarray:
    """The (k, k) confident joint ``C[given, true]`` (calibrated by default)."""
    return _joint(*check_inputs(labels, pred_probs), calibrate=calibrate)


def _joint(labels: np.ndarray, pred_probs: np.ndarray, *, calibrate: bool = True) -> np.ndarray:
    k = pred_probs.shape[1]
    thresholds = _thresholds(labels, pred_probs)
    above = pred_probs >= thresholds - _EPS
    n_above = above.sum(axis=1)
    # one confident class: that class; several: the most probable class
    guess = np.where(n_above > 1, pred_probs.argmax(axis=1), above.argmax(axis=1))
    keep = n_above > 0
    joint = np.bincount(labels[keep] * k + guess[keep], minlength=k * k).reshape(k, k)
    # every class keeps at least one correctly labelled example
    np.fill_diagonal(joint, np.maximum(np.diagonal(joint), 1))
    if calibrate:
        return calibrate_joint(joint, np.bincount(labels, minlength=k))
    return joint


def calibrate_joint(joint: np.ndarray, label_counts: np.ndarray) -> np.ndarray:
    """Rescale each row of the joint to its class count and the whole to ``n``; round."""
    joint = np.asarray(joint, dtype=float)
    rows = np.maximum(joint.sum(axis=1, keepdims=True), 1e-100)
    scaled = joint / rows * np.asarray(label_counts, dtype=float)[:, None]
    scaled = scaled / max(scaled.sum(), 1e-100) * float(np.sum(label_counts))
    return _round_rows(scaled)


def _round_rows(matrix: np.ndarray) -> np.ndarray:
    """Round each row to integers keeping its (rounded) total: nearest first, then the
    entries closest to the next integer absorb the difference."""
    out = np.rint(matrix)
    for i in range(matrix.shape[0]):
        floats, ints = matrix[i], out[i]
        diff = int(np.rint(np.rint(floats.sum()) - ints.sum()))
        while diff:
            step = 1 if diff > 0 else -1
            n = min(abs(diff), len(floats))
            order = np.argsort(floats - ints)[::-step][:n]
            ints[order] += step
            diff = int(np.rint(np.rint(floats.sum()) - ints.sum()))
    return out.astype(np.int64)


def _prune_counts(joint: np.ndarray, min_per_class: int) -> np.ndarray:
    """How many examples to flag per cell, as ``counts[true, given]``, leaving at least
    ``min_per_class`` examples per given class (noise counts shrink uniformly to pay)."""
    counts = joint.T.astype(float)
    diag = np.diagonal(counts).copy()
    new_diag = np.maximum(diag, min_per_class)
    n_noise = np.maximum(np.count_nonzero(counts, axis=0) - 1.0, 1.0)
    out = counts - (new_diag - diag) / n_noise
    out[out < 0] = 0
    np.fill_diagonal(out, new_diag)
    return _round_rows(out)


def _largest(values: np.ndarray, m: int) -> np.ndarray:
    """Indices of the ``m`` largest values in O(n); ties at the cut go to the lowest index."""
    n = len(values)
    if m >= n:
        return np.arange(n)
    cut = np.partition(values, n - m)[n - m]
    above = np.flatnonzero(values > cut)
    ties = np.flatnonzero(values == cut)[: m - len(above)]
    return np.concatenate([above, ties])


def find_label_issues(
    labels: np.ndarray,
    pred_probs: np.ndarray,
    *,
    min_examples_per_class: int = 1,
) -> np.ndarray:
    """Indices of likely label errors, most likely first (lowest self-confidence).

    ``pred_probs`` must be out-of-sample (cross-validated, or from a model that never saw
    these examples); in-sample probabilities hide almost every issue.
    """
    labels, pred_probs = check_inputs(labels, pred_probs)
    k = pred_probs.shape[1]
    counts = np.bincount(labels, minlength=k)
    prune = _prune_counts(_joint(labels, pred_probs), min_examples_per_class)
    flagged = np.zeros(len(labels), dtype=bool)
    for given in range(k):
        if counts[given] <= min_examples_per_class:
            continue
        rows = np.flatnonzero(labels == given)
        for true in np.flatnonzero(prune[:, given]):
            if true == given:
                continue
            margin = pred_probs[rows, true] - pred_probs[rows, given]
            flagged[rows[_largest(margin, int(prune[true, given]))]] = True
    # never flag an example whose label is (within rounding) the model's prediction
    bumped = pred_probs.copy()
    bumped[np.arange(len(labels)), labels] += _EPS
    flagged &= bumped.argmax(axis=1) != labels
    idx = np.flatnonzero(flagged)
    return idx[np.argsort(pred_probs[idx, labels[idx]])]

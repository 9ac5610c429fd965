"""ROC AUC on bootstrap resamples without re-sorting: the scores are sorted once and each
resample is a vector of example multiplicities (weights)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from yearn.errors import DataError
from yearn.metrics import Prepared

__all__ = ["auc_resampler"]


class _WeightedAUC:
    """Binary AUC with example weights: sum over positive-negative pairs of
    ``w_i w_j [s_i > s_j] + 1/2 [s_i = s_j]``, divided by ``W_pos W_neg``."""

    def __init__(self, positive: np.ndarray, score: np.ndarray):
        order = np.argsort(score, kind="mergesort")
        self.order = order
        self.pos = positive[order].astype(float)
        s = score[order]
        self.starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])  # tie groups

    def __call__(self, weights: np.ndarray) -> float:
        w = weights[self.order]
        wp = np.add.reduceat(w * self.pos, self.starts)
        wn = np.add.reduceat(w * (1.0 - self.pos), self.starts)
        total_p, total_n = wp.sum(), wn.sum()
        if total_p == 0 or total_n == 0:
            raise DataError("roc_auc is undefined on a resample holding one class only.")
        below = np.cumsum(wn) - wn
        return float(np.sum(wp * (below + 0.5 * wn)) / (total_p * total_n))


def auc_resampler(d: Prepared) -> Callable[[np.ndarray], float] | None:
    """A function of bootstrap row indices giving the ROC AUC of ``d`` on that resample
    (binary, or the one-vs-rest macro mean for several classes); None for multi-label."""
    if d.y_true.ndim != 1 or d.proba is None:
        return None
    n = len(d.y_true)
    if d.n_classes == 2:
        parts = [_WeightedAUC(d.y_true == d.pos, d.proba[:, d.pos])]
    else:
        parts = [_WeightedAUC(d.y_true == c, d.proba[:, c]) for c in range(d.n_classes)]

    def stat(idx: np.ndarray) -> float:
        weights = np.bincount(idx, minlength=n).astype(float)
        return float(np.mean([part(weights) for part in parts]))

    return stat

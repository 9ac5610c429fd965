"""Rates of a score at every threshold, each with a Wilson interval: precision, recall,
false-positive and false-negative rates, and counts per 1,000 requests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ThresholdCurve", "threshold_curve", "wilson_arrays"]


def wilson_arrays(k: np.ndarray, n: np.ndarray, z: float = 1.959964) -> tuple[np.ndarray, ...]:
    """(rate, low, high) of ``k`` successes out of ``n`` (NaN where ``n`` is 0)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, k / n, np.nan)
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(np.maximum(p * (1 - p), 0) / n + z * z / (4 * n * n)) / denom
    return p, np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


@dataclass
class ThresholdCurve:
    """Counts and rates of "flag when score ≥ threshold" at each candidate threshold."""

    thresholds: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray

    @property
    def n(self) -> int:
        return int(self.tp[0] + self.fp[0] + self.fn[0] + self.tn[0])

    @property
    def positives(self) -> int:
        return int(self.tp[0] + self.fn[0])

    def rate(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(value, low, high) of ``precision``, ``recall``, ``fpr``, ``fnr`` or ``alerts``
        (share of rows flagged)."""
        n = np.full(len(self.tp), self.n)
        pairs = {
            "precision": (self.tp, self.tp + self.fp),
            "recall": (self.tp, self.tp + self.fn),
            "fpr": (self.fp, self.fp + self.tn),
            "fnr": (self.fn, self.tp + self.fn),
            "alerts": (self.tp + self.fp, n),
            "missed": (self.fn, n),
            "false_alerts": (self.fp, n),
        }
        return wilson_arrays(*pairs[name])

    def index_of(self, threshold: float) -> int:
        """The position of the largest candidate ≤ ``threshold`` (its decisions match)."""
        pos = np.searchsorted(self.thresholds, threshold, side="right") - 1
        return int(max(pos, 0))


def threshold_curve(y: np.ndarray, score: np.ndarray) -> ThresholdCurve:
    """Counts at every decision the scores allow, for labels ``y`` ∈ {0, 1}.

    Candidates lie halfway between consecutive distinct scores (so a chosen threshold
    is never on the knife-edge of a dev score), plus 0 (flag all), 0.5 and just above the
    top score (flag nothing)."""
    y = np.asarray(y, dtype=bool)
    score = np.asarray(score, dtype=float)
    distinct = np.unique(score)
    top = np.nextafter(max(1.0, float(distinct[-1])), np.inf)
    middles = (distinct[:-1] + distinct[1:]) / 2
    candidates = np.unique(np.concatenate([[0.0, 0.5, top], middles]))
    order = np.argsort(score)
    s_sorted, y_sorted = score[order], y[order]
    below = np.searchsorted(s_sorted, candidates, side="left")  # rows with score < t
    pos_below = np.concatenate([[0], np.cumsum(y_sorted)])[below]
    neg_below = below - pos_below
    p, n = int(y.sum()), int((~y).sum())
    tp = p - pos_below
    fp = n - neg_below
    return ThresholdCurve(candidates, tp, fp, pos_below, neg_below)

"""Accuracy without labels (confidence-based estimation) and with labels, per window.

Without labels: a map confidence → P(correct) is fitted on the dev set (isotonic
regression); a window's expected accuracy is the mean mapped confidence. Its interval adds
the window's own sampling spread (Σ c(1-c)) and the map's uncertainty (the spread of the
estimate over maps refitted on bootstrap resamples of dev). Valid as long as P(correct |
confidence) does not change — the inputs may drift (covariate shift), the concept may not.

With labels: the accuracy on the labelled rows with a Wilson interval, and a one-sided
test of observed vs expected correct answers on the same rows: fewer than the calibrated
confidence promises is concept drift.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

__all__ = ["ConfidenceMap", "Estimate", "wilson"]

GRID = np.linspace(0.0, 1.0, 401)


@dataclass
class Estimate:
    """A metric value with its interval (``method`` says how it was obtained)."""

    metric: str
    value: float
    low: float
    high: float
    n: int
    method: str
    se: float = float("nan")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def wilson(correct: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    if n == 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _fit_map(conf: np.ndarray, correct: np.ndarray) -> np.ndarray:
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    iso.fit(conf, correct.astype(np.float64))
    return iso.predict(GRID)


@dataclass
class ConfidenceMap:
    """confidence → P(correct), fitted on dev, with bootstrap refits for its uncertainty."""

    curve: np.ndarray
    boot: np.ndarray
    dev_accuracy: float
    n_dev: int

    @classmethod
    def fit(
        cls,
        confidence: np.ndarray,
        correct: np.ndarray,
        *,
        n_boot: int = 200,
        random_state: int = 0,
    ) -> ConfidenceMap:
        conf = np.asarray(confidence, dtype=np.float64)
        ok = np.asarray(correct, dtype=bool)
        rng = np.random.default_rng(random_state)
        boot = np.empty((n_boot, GRID.size))
        for b in range(n_boot):
            idx = rng.integers(0, conf.size, conf.size)
            boot[b] = _fit_map(conf[idx], ok[idx])
        return cls(_fit_map(conf, ok), boot, float(ok.mean()), int(conf.size))

    def expected(self, confidence: np.ndarray) -> np.ndarray:
        """P(correct) of each row."""
        return np.interp(np.asarray(confidence, dtype=np.float64), GRID, self.curve)

    def _cells(self, confidence: np.ndarray) -> np.ndarray:
        idx = np.clip(
            np.rint(np.asarray(confidence) * (GRID.size - 1)).astype(int), 0, GRID.size - 1
        )
        return np.bincount(idx, minlength=GRID.size).astype(np.float64)

    def map_se(self, confidence: np.ndarray) -> float:
        """Standard error of the expected accuracy that comes from the dev-fitted map."""
        counts = self._cells(confidence)
        return float(np.std(self.boot @ counts / counts.sum(), ddof=1))

    def estimate(self, confidence: np.ndarray, confidence_level: float = 0.95) -> Estimate:
        """Expected accuracy of rows with these confidences, with its interval."""
        c = self.expected(confidence)
        n = c.size
        value = float(c.mean())
        se = float(np.sqrt(np.sum(c * (1 - c)) / n**2 + self.map_se(confidence) ** 2))
        z = NormalDist().inv_cdf(0.5 + confidence_level / 2)
        return Estimate(
            "accuracy",
            value,
            max(0.0, value - z * se),
            min(1.0, value + z * se),
            n,
            "confidence-based (calibrated on dev)",
            se,
        )

    def concept_z(self, confidence: np.ndarray, correct: np.ndarray) -> float:
        """z of observed minus expected correct answers (negative: worse than promised)."""
        c = self.expected(confidence)
        var = np.sum(c * (1 - c)) + (c.size * self.map_se(confidence)) ** 2
        return float((np.sum(correct) - c.sum()) / np.sqrt(max(var, 1e-12)))

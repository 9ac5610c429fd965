"""Confidence intervals used by the diagnosis.

- an error rate measured on ``n`` examples: the **Wilson score interval** (it stays inside
  [0, 1] and behaves at 0% and 100%, where the normal interval collapses);
- a gap between two error rates measured on *independent* splits (different examples):
  **Newcombe's hybrid score interval** for a difference of proportions (Newcombe 1998,
  method 10), built from the two Wilson intervals;
- a gap against an error taken as exact (a human-level error given without a sample
  size): the Wilson interval of the measured side, shifted;
- metrics that are not proportions (RMSE, 1−F1, ...): a **percentile bootstrap** over the
  rows of each split, resampled independently; a gap's interval is the percentile
  interval of the difference of the two splits' replicates.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.stats import norm

__all__ = ["bootstrap_replicates", "newcombe_diff", "percentile_interval", "wilson", "z_value"]


def z_value(confidence: float) -> float:
    """The two-sided normal quantile for ``confidence`` (1.959964 for 0.95)."""
    return float(norm.ppf(0.5 + confidence / 2.0))


def wilson(p: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` observed on ``n`` examples."""
    z = z_value(confidence)
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_diff(
    p_hi: float, n_hi: int | None, p_lo: float, n_lo: int | None, confidence: float = 0.95
) -> tuple[float, float]:
    """Interval of ``p_hi − p_lo`` for two independent proportions.

    A side whose size is ``None`` is taken as exact (no sampling error), e.g. a
    human-level error given as a bare number.
    """
    d = p_hi - p_lo
    l1, u1 = wilson(p_hi, n_hi, confidence) if n_hi else (p_hi, p_hi)
    l2, u2 = wilson(p_lo, n_lo, confidence) if n_lo else (p_lo, p_lo)
    low = d - math.sqrt((p_hi - l1) ** 2 + (u2 - p_lo) ** 2)
    high = d + math.sqrt((u1 - p_hi) ** 2 + (p_lo - l2) ** 2)
    return low, high


def bootstrap_replicates(
    statistic: Callable[[np.ndarray], float],
    n: int,
    *,
    n_resamples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``statistic(idx)`` on ``n_resamples`` row resamples (``idx``: n indices drawn with
    replacement). A resample on which the statistic is undefined (it raises a
    :class:`ValueError`, e.g. one class only) gives NaN and is left out of the interval.
    """
    out = np.empty(n_resamples, dtype=float)
    for b in range(n_resamples):
        idx = rng.integers(0, n, size=n)
        try:
            out[b] = statistic(idx)
        except ValueError:
            out[b] = np.nan
    return out


def percentile_interval(replicates: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates (NaN replicates are ignored)."""
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return float("nan"), float("nan")
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [alpha, 1.0 - alpha])
    return float(low), float(high)

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

With group ids (rows of one group share a source image, a user, a patient: their errors
are correlated), rows are not independent and the intervals above are too narrow:

- an error rate's Wilson / Newcombe interval uses the **effective sample size**
  ``n / deff``, where the design effect ``deff`` is the cluster-robust variance of the
  error rate (a ratio estimator over groups, with the ``m/(m−1)`` small-sample factor)
  over the binomial one, floored at 1 (never narrower than row-wise); at 0% or 100%
  error, where the ratio is undefined, ``deff`` is the mean group size (the cautious
  bound: the groups count, not the rows);
- the bootstrap resamples **whole groups** (a cluster bootstrap).

Rows without a group are groups of one; when every group holds one row the intervals
are exactly the row-wise ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

__all__ = [
    "bootstrap_replicates",
    "design_effect",
    "group_codes",
    "newcombe_diff",
    "percentile_interval",
    "wilson",
    "z_value",
]


def z_value(confidence: float) -> float:
    """The two-sided normal quantile for ``confidence`` (1.959964 for 0.95)."""
    return float(norm.ppf(0.5 + confidence / 2.0))


def wilson(p: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` observed on ``n`` examples."""
    z = z_value(confidence)
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_diff(
    p_hi: float, n_hi: float | None, p_lo: float, n_lo: float | None, confidence: float = 0.95
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


def group_codes(groups: Any) -> np.ndarray:
    """Integer codes 0..m−1 of group ids; a missing id is a group of its own."""
    codes, _ = pd.factorize(pd.Series(np.asarray(groups, dtype=object)), use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    lone = codes < 0
    if lone.any():
        codes[lone] = codes.max(initial=-1) + 1 + np.arange(int(lone.sum()))
    return codes


def design_effect(outcomes: np.ndarray, codes: np.ndarray) -> float:
    """Variance of the mean of 0/1 ``outcomes`` with rows clustered by ``codes``, over the
    variance if rows were independent (≥ 1; see the module docstring)."""
    y = np.asarray(outcomes, dtype=float)
    n = y.size
    sums = np.bincount(codes, weights=y)
    sizes = np.bincount(codes)
    keep = sizes > 0
    sums, sizes = sums[keep], sizes[keep]
    m = sizes.size
    if m == n:  # every group one row: independent by construction
        return 1.0
    p = float(y.mean())
    if m < 2 or p <= 0.0 or p >= 1.0:
        return n / m
    robust = m / (m - 1) * float(np.sum((sums - p * sizes) ** 2)) / (n * n)
    return max(1.0, robust / (p * (1.0 - p) / n))


def bootstrap_replicates(
    statistic: Callable[[np.ndarray], float],
    n: int,
    *,
    n_resamples: int,
    rng: np.random.Generator,
    groups: np.ndarray | None = None,
) -> np.ndarray:
    """``statistic(idx)`` on ``n_resamples`` row resamples (``idx``: n indices drawn with
    replacement; with ``groups``, integer group codes of the n rows, whole groups are
    drawn instead). A resample on which the statistic is undefined (it raises a
    :class:`ValueError`, e.g. one class only) gives NaN and is left out of the interval.
    """
    draw = group_sampler(groups) if groups is not None else None
    out = np.empty(n_resamples, dtype=float)
    for b in range(n_resamples):
        idx = rng.integers(0, n, size=n) if draw is None else draw(rng)
        try:
            out[b] = statistic(idx)
        except ValueError:
            out[b] = np.nan
    return out


def group_sampler(codes: np.ndarray) -> Callable[[np.random.Generator], np.ndarray]:
    """A function drawing the rows of m groups picked with replacement (m groups)."""
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes)
    sizes = sizes[sizes > 0]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    m = sizes.size

    def draw(rng: np.random.Generator) -> np.ndarray:
        pick = rng.integers(0, m, size=m)
        lengths = sizes[pick]
        offsets = np.repeat(starts[pick] - np.cumsum(lengths) + lengths, lengths)
        return order[offsets + np.arange(int(lengths.sum()))]

    return draw


def percentile_interval(replicates: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates (NaN replicates are ignored)."""
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return float("nan"), float("nan")
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [alpha, 1.0 - alpha])
    return float(low), float(high)

"""Where the two learning curves cross: a bootstrap over dev rows and seeds.

``errors(rows)`` gives the dev error of every trained model on those dev rows as an array
``(2, sizes, seeds)`` (model 0 = the pipeline, 1 = end-to-end). Each bootstrap replicate
draws dev rows with replacement (the same rows for both models: a paired comparison) and,
per size, seeds with replacement (the same seeds for both: both saw the same subset). The
difference curve is ``pipeline error − end-to-end error`` (positive: end-to-end is better).

At each size the difference is called for one side only when its interval (Bonferroni
over the sizes, so all sizes together keep the family-wise level) excludes zero; a
crossing is claimed only when one model wins significantly at small sizes and the other at
larger ones. Its size is interpolated on log(size) where the mean difference changes
sign; its interval is the percentile interval of the replicates' crossings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["CurveStats", "crossing_of", "curve_stats"]

PIPELINE, END_TO_END, TIE = "pipeline", "end-to-end", "tie"


@dataclass(frozen=True)
class CurveStats:
    """Both curves with intervals, the difference per size and where they cross."""

    sizes: tuple[int, ...]
    mean: np.ndarray  # (2, S) mean dev error over seeds
    low: np.ndarray  # (2, S) pointwise interval of each curve
    high: np.ndarray
    diff: np.ndarray  # (S,) pipeline − end-to-end
    diff_low: np.ndarray  # (S,) simultaneous (Bonferroni) interval of the difference
    diff_high: np.ndarray
    winners: tuple[str, ...]  # per size: pipeline | end-to-end | tie
    crossing: float | None  # claimed crossing size (None: no crossing claimed)
    crossing_low: float  # its interval (-inf / inf: beyond the tested range)
    crossing_high: float
    crossing_share: float  # share of replicates with a crossing inside the range
    low_side: str | None  # who wins below the crossing, when claimed
    confidence: float


def crossing_of(sizes: Sequence[float], diff: np.ndarray) -> float | None:
    """The size where ``diff`` last changes sign, interpolated on log(size); -inf when the
    last sign (of the largest size) holds at every size, None when the largest is zero."""
    d = np.asarray(diff, dtype=float)
    last = np.sign(d[-1])
    if last == 0:
        return None
    other = np.flatnonzero(np.sign(d) != last)
    if other.size == 0:
        return -math.inf
    i = int(other[-1])  # sizes[i+1:] all have the sign of the largest size
    if d[i] == 0:
        return float(sizes[i])
    x0, x1 = math.log(sizes[i]), math.log(sizes[i + 1])
    t = d[i] / (d[i] - d[i + 1])
    return float(math.exp(x0 + t * (x1 - x0)))


def _oriented(sizes: Sequence[float], d: np.ndarray) -> float:
    """Crossing of a replicate towards the claimed large-size winner (``d > 0``): +inf
    when that side does not lead at the largest size, -inf when it leads everywhere."""
    if d[-1] <= 0:
        return math.inf
    c = crossing_of(sizes, d)
    return -math.inf if c is None else c


def _winners(lo: np.ndarray, hi: np.ndarray) -> tuple[str, ...]:
    pairs = zip(lo, hi, strict=True)
    return tuple(END_TO_END if a > 0 else PIPELINE if b < 0 else TIE for a, b in pairs)


def _claimed(winners: Sequence[str]) -> tuple[str, str] | None:
    """(small-size winner, large-size winner) when every significant win of one side
    comes at smaller sizes than every significant win of the other."""
    sig = [(i, w) for i, w in enumerate(winners) if w != TIE]
    if not sig:
        return None
    first, last = sig[0][1], sig[-1][1]
    if first == last:
        return None
    low_idx = [i for i, w in sig if w == first]
    high_idx = [i for i, w in sig if w == last]
    return (first, last) if max(low_idx) < min(high_idx) else None


def group_members(groups: np.ndarray | None, n_rows: int) -> list[np.ndarray] | None:
    """The row positions of each group, or ``None`` without groups or when every group
    holds one row (the row bootstrap is then the same thing)."""
    if groups is None:
        return None
    from yearn.diagnose import group_codes

    if len(groups) != n_rows:
        raise ValueError(f"groups has {len(groups)} labels for {n_rows} dev rows")
    codes = group_codes(groups)  # a row without a group id is a group of its own
    if codes.max(initial=-1) + 1 == n_rows:
        return None
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    return np.split(order, bounds)


def curve_stats(
    errors: Callable[[np.ndarray | None], np.ndarray],
    sizes: Sequence[int],
    n_rows: int,
    *,
    n_resamples: int = 300,
    confidence: float = 0.95,
    random_state: Any = 0,
    groups: np.ndarray | None = None,
) -> CurveStats:
    """The curves, their difference and the crossing (see the module docstring).

    ``errors(None)`` is the point estimate on all dev rows; ``errors(rows)`` on a resample.
    With ``groups`` (one label per dev row: renders of one base image, one user's rows)
    the bootstrap draws whole groups, as correlated rows are not independent evidence.
    """
    point = np.asarray(errors(None), dtype=float)  # (2, S, K)
    _, n_sizes, n_seeds = point.shape
    rng = np.random.default_rng(random_state)
    members = group_members(groups, n_rows)
    means = np.empty((n_resamples, 2, n_sizes))
    for b in range(n_resamples):
        if members is None:
            rows = rng.integers(0, n_rows, n_rows)
        else:
            rows = np.concatenate([members[g] for g in rng.integers(0, len(members), len(members))])
        e = np.asarray(errors(rows), dtype=float)
        pick = rng.integers(0, n_seeds, (n_sizes, n_seeds))
        e = np.take_along_axis(e, np.broadcast_to(pick, e.shape), axis=2)
        means[b] = e.mean(axis=2)
    mean = point.mean(axis=2)
    alpha = 1.0 - confidence
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2], axis=0)
    diffs = means[:, 0] - means[:, 1]
    a = alpha / n_sizes  # Bonferroni: all sizes at once
    diff_low, diff_high = np.quantile(diffs, [a / 2, 1 - a / 2], axis=0)
    winners = _winners(diff_low, diff_high)
    claim = _claimed(winners)
    diff = mean[0] - mean[1]
    crossing, c_low, c_high, inside = None, math.nan, math.nan, 0.0
    if claim is not None:
        low_i = max(i for i, w in enumerate(winners) if w == claim[0])
        high_i = min(i for i, w in enumerate(winners) if w == claim[1])
        sign = 1.0 if claim[1] == END_TO_END else -1.0  # the large-size winner's side > 0
        c = crossing_of(sizes[low_i : high_i + 1], sign * diff[low_i : high_i + 1])
        crossing = None if c is None or not math.isfinite(c) else c
        found = np.array([_oriented(sizes, sign * d) for d in diffs])
        inside = float(np.mean(np.isfinite(found)))
        if crossing is not None:
            c_low, c_high = (
                float(v)
                for v in np.quantile(found, [alpha / 2, 1 - alpha / 2], method="inverted_cdf")
            )
    return CurveStats(
        sizes=tuple(int(s) for s in sizes),
        mean=mean,
        low=low,
        high=high,
        diff=diff,
        diff_low=diff_low,
        diff_high=diff_high,
        winners=winners,
        crossing=crossing,
        crossing_low=c_low,
        crossing_high=c_high,
        crossing_share=inside,
        low_side=claim[0] if claim is not None and crossing is not None else None,
        confidence=confidence,
    )

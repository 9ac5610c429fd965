"""Per-column accumulators for the streaming profile: exact where cheap, sketched where not.

Exact: counts, missing values, zeros, min / max, mean and standard deviation (streaming
moments merged with Chan's formula), category counts up to ``DISTINCT_CAP`` distinct
values, histograms whose edges come from the Parquet statistics. Sketched (Apache
DataSketches): quantiles by a KLL sketch (``KLL_K``: rank error at most
``kll_rank_error()`` with 99% confidence), distinct counts past the cap by HyperLogLog
(``HLL_LG_K``: bounds at 2 standard deviations), top categories past the cap by a
frequent-items sketch (counts within ``epsilon x rows``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "DISTINCT_CAP",
    "HLL_LG_K",
    "KLL_K",
    "CategoryStats",
    "Distinct",
    "NumericStats",
    "kll_rank_error",
]

KLL_K = 400
HLL_LG_K = 14
DISTINCT_CAP = 100_000
FREQUENT_LG_K = 12
N_BINS = 20
TOP_K = 10


def kll_rank_error() -> float:
    """The KLL sketch's normalised rank error (99% confidence) at ``KLL_K``."""
    from datasketches import kll_doubles_sketch

    return float(kll_doubles_sketch.get_normalized_rank_error(KLL_K, False))


def hll_relative_error() -> float:
    """HyperLogLog's relative error at 2 standard deviations (about 95%) at ``HLL_LG_K``."""
    return 2 * 1.04 / math.sqrt(2**HLL_LG_K)


class Distinct:
    """Distinct values: an exact set up to ``cap`` values, then a HyperLogLog sketch."""

    def __init__(self, cap: int = DISTINCT_CAP) -> None:
        self.cap = cap
        self.values: set | None = set()
        self.hll: Any = None

    def update(self, uniques: Any) -> None:
        """Add the (already de-duplicated) values of one batch."""
        items = uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)
        if self.values is not None:
            self.values.update(items)
            if len(self.values) <= self.cap:
                return
            items, self.values = list(self.values), None
            from datasketches import hll_sketch

            self.hll = hll_sketch(HLL_LG_K)
        update = self.hll.update
        for v in items:
            update(v)

    @property
    def exact(self) -> bool:
        return self.values is not None

    def count(self) -> int:
        return len(self.values) if self.values is not None else round(self.hll.get_estimate())

    def bounds(self) -> tuple[int, int]:
        """The count's interval: itself when exact, else HLL bounds at 2 std devs."""
        if self.values is not None:
            return len(self.values), len(self.values)
        return int(self.hll.get_lower_bound(2)), math.ceil(self.hll.get_upper_bound(2))


class NumericStats:
    """Streaming moments, extremes, zeros, a KLL quantile sketch and (with edges) an
    exact histogram of one numeric column in one group. NaN and ±inf count as missing,
    as in the in-memory summary."""

    def __init__(self, edges: np.ndarray | None = None, distinct: bool = False) -> None:
        from datasketches import kll_doubles_sketch

        self.count = 0
        self.missing = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.min = math.inf
        self.max = -math.inf
        self.zeros = 0
        self.kll = kll_doubles_sketch(KLL_K)
        self.edges = edges
        self.hist = None if edges is None else np.zeros(N_BINS, dtype=np.int64)
        self.integer_valued = True
        self.distinct = Distinct() if distinct else None

    def update(self, values: np.ndarray) -> None:
        finite = np.isfinite(values)
        v = values[finite]
        self.missing += int(values.size - v.size)
        if not v.size:
            return
        n_b = v.size
        mean_b = float(v.mean())
        m2_b = float(((v - mean_b) ** 2).sum())
        n = self.count + n_b
        delta = mean_b - self.mean
        self.mean += delta * n_b / n
        self.m2 += m2_b + delta * delta * self.count * n_b / n
        self.count = n
        self.min = min(self.min, float(v.min()))
        self.max = max(self.max, float(v.max()))
        self.zeros += int(np.count_nonzero(v == 0))
        self.kll.update(v)
        if self.hist is not None:
            lo, hi = float(self.edges[0]), float(self.edges[-1])
            width = (hi - lo) / N_BINS or 1.0
            bins = np.clip(((v - lo) / width).astype(np.int64), 0, N_BINS - 1)
            self.hist += np.bincount(bins, minlength=N_BINS)
        if self.distinct is not None and self.integer_valued:
            if np.all(v == np.round(v)):
                self.distinct.update(np.unique(v))
            else:
                self.integer_valued = False

    def histogram(self, edges: np.ndarray) -> tuple[list[int], bool]:
        """Counts per bin of ``edges``: exact when counted in the pass, else from the
        KLL sketch (each count within rank error x rows). Returns (counts, exact)."""
        if self.hist is not None and self.edges is not None and np.array_equal(self.edges, edges):
            return self.hist.tolist(), True
        if self.count == 0:
            return [0] * N_BINS, True
        cdf = [0.0, *self.kll.get_cdf([float(e) for e in edges[1:-1]])[:-1], 1.0]
        counts = np.diff(np.round(np.asarray(cdf) * self.count)).astype(np.int64)
        return counts.tolist(), False

    def result(self, missing_extra: int = 0) -> dict[str, Any]:
        """The same keys as the in-memory summary's per-group numbers (no histogram)."""
        missing = self.missing + missing_extra
        if self.count == 0:
            return {"count": 0, "missing": missing}
        q = self.kll.get_quantiles([0.25, 0.5, 0.75])
        return {
            "count": self.count,
            "missing": missing,
            "mean": self.mean,
            "std": math.sqrt(max(self.m2, 0.0) / self.count),
            "min": self.min,
            "q25": float(q[0]),
            "median": float(q[1]),
            "q75": float(q[2]),
            "max": self.max,
            "zeros": self.zeros,
        }


class CategoryStats:
    """Category counts of one column in one group: exact up to ``cap`` distinct values,
    then a frequent-items sketch (top counts) and HyperLogLog (distinct)."""

    def __init__(self, cap: int = DISTINCT_CAP) -> None:
        self.cap = cap
        self.counts: dict[str, int] | None = {}
        self.frequent: Any = None
        self.distinct = Distinct(cap)
        self.count = 0
        self.missing = 0

    def update(self, values: list, counts: list[int], missing: int) -> None:
        """Add one batch's distinct ``values`` (strings) with their ``counts``."""
        self.missing += missing
        self.count += int(sum(counts))
        self.distinct.update(values)
        if self.counts is not None:
            for v, c in zip(values, counts, strict=True):
                self.counts[v] = self.counts.get(v, 0) + c
            if len(self.counts) <= self.cap:
                return
            from datasketches import frequent_strings_sketch

            self.frequent = frequent_strings_sketch(FREQUENT_LG_K)
            values, counts = list(self.counts), list(self.counts.values())
            self.counts = None
        for v, c in zip(values, counts, strict=True):
            self.frequent.update(v, int(c))

    @property
    def exact(self) -> bool:
        return self.counts is not None

    def epsilon(self) -> float:
        """Error of a sketched count, as a share of the rows (0 when exact)."""
        return 0.0 if self.frequent is None else float(self.frequent.get_epsilon())

    def totals(self) -> dict[str, int]:
        """Counts of every value (exact) or of the frequent ones (estimates)."""
        if self.counts is not None:
            return dict(self.counts)
        from datasketches import frequent_items_error_type

        rows = self.frequent.get_frequent_items(frequent_items_error_type.NO_FALSE_NEGATIVES)
        return {str(item): int(est) for item, est, *_ in rows}

    def estimate(self, value: str) -> int:
        if self.counts is not None:
            return self.counts.get(value, 0)
        return int(self.frequent.get_estimate(value))

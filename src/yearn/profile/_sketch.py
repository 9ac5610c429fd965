"""Per-column accumulators for the streaming profile: exact where cheap, bounded where not.

Exact: counts, missing values, zeros, min / max, mean and standard deviation (streaming
moments merged with Chan's formula), category counts up to ``DISTINCT_CAP`` distinct
values, histograms whose edges come from the Parquet statistics. Bounded: quartiles from a
seeded uniform sample of ``RESERVOIR`` values per column and group (a bottom-k sample keyed
by a hash of the row's position, so it does not depend on the batch size; exact when the
group has fewer values; rank error at most ``quantile_rank_error()`` with 99% confidence,
by the Dvoretzky-Kiefer-Wolfowitz inequality); distinct counts past the cap by HyperLogLog
(Apache DataSketches, ``HLL_LG_K``: bounds at 2 standard deviations); top categories past
the cap by DataSketches' frequent-items sketch (counts within ``epsilon x rows``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "DISTINCT_CAP",
    "HLL_LG_K",
    "RESERVOIR",
    "CategoryStats",
    "Distinct",
    "NumericStats",
    "Reservoir",
    "quantile_rank_error",
]

RESERVOIR = 100_000  # values kept per column and group for the quartiles
HLL_LG_K = 14
DISTINCT_CAP = 100_000
FREQUENT_LG_K = 12
N_BINS = 20
TOP_K = 10


def quantile_rank_error(n: int = RESERVOIR, confidence: float = 0.99) -> float:
    """Rank error of a quantile from a uniform sample of ``n`` values, at ``confidence``
    (Dvoretzky-Kiefer-Wolfowitz: ``sqrt(ln(2 / (1 - confidence)) / (2 n))``)."""
    return math.sqrt(math.log(2 / (1 - confidence)) / (2 * n))


def mix64(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: 64-bit integers to well-mixed 64-bit hashes."""
    with np.errstate(over="ignore"):
        z = z.astype(np.uint64, copy=True)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _priority(rows: np.ndarray, seed: int) -> np.ndarray:
    """A uniform 64-bit priority per global row position (splitmix64 of position + seed)."""
    with np.errstate(over="ignore"):
        return mix64(rows.astype(np.uint64) + np.uint64((0x9E3779B97F4A7C15 * (seed + 1)) % 2**64))


def float_hash(values: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each float (every NaN alike, -0.0 as 0.0)."""
    v = np.where(np.isnan(values), np.nan, values + 0.0)
    return mix64(v.view(np.uint64))


def text_hash(column) -> np.ndarray:
    """A 64-bit hash of each value of an Arrow column as text (missing: 0): the distinct
    values are hashed once (pandas' ``hash_array``) and spread by dictionary codes."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(column.cast(pa.string()))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    words = encoded.dictionary.to_numpy(zero_copy_only=False).astype(object)
    table = np.r_[pd.util.hash_array(words), np.uint64(0)] if words.size else np.zeros(1, np.uint64)
    codes = encoded.indices.fill_null(len(words)).to_numpy(zero_copy_only=False)
    return table[codes]


class Reservoir:
    """A seeded uniform sample of up to ``size`` values: the values whose rows have the
    smallest priorities (bottom-k), so the sample is the same whatever the batch sizes."""

    def __init__(self, size: int = RESERVOIR, seed: int = 0) -> None:
        self.size = size
        self.seed = seed
        self.values = np.zeros(0, dtype=np.float64)
        self.keys = np.zeros(0, dtype=np.uint64)
        self.seen = 0

    def update(self, values: np.ndarray, rows: np.ndarray) -> None:
        """Add ``values`` (finite) found at global row positions ``rows``."""
        self.seen += values.size
        keys = np.concatenate([self.keys, _priority(rows, self.seed)])
        values = np.concatenate([self.values, values])
        if keys.size > self.size:
            keep = np.argpartition(keys, self.size - 1)[: self.size]
            keys, values = keys[keep], values[keep]
        self.keys, self.values = keys, values

    @property
    def exact(self) -> bool:
        """True while every value seen is kept (the quantiles are then exact)."""
        return self.seen <= self.size


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
    """Streaming moments, extremes, zeros, a seeded reservoir for the quartiles and (with
    edges) an exact histogram of one numeric column in one group. NaN and ±inf count as
    missing, as in the in-memory summary."""

    def __init__(
        self, edges: np.ndarray | None = None, distinct: bool = False, seed: int = 0
    ) -> None:
        self.count = 0
        self.missing = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.min = math.inf
        self.max = -math.inf
        self.zeros = 0
        self.reservoir = Reservoir(RESERVOIR, seed)
        self.edges = edges
        self.hist = None if edges is None else np.zeros(N_BINS, dtype=np.int64)
        self.integer_valued = True
        self.distinct = Distinct() if distinct else None

    def update(self, values: np.ndarray, rows: np.ndarray) -> None:
        """Add one batch's ``values`` found at global row positions ``rows``."""
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
        self.reservoir.update(v, rows[finite])
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
        """Counts per bin of ``edges``: exact when counted in the pass (or when the
        reservoir holds every value), else scaled from the reservoir (each count within
        ``quantile_rank_error() x 2 x rows``). Returns (counts, exact)."""
        if self.hist is not None and self.edges is not None and np.array_equal(self.edges, edges):
            return self.hist.tolist(), True
        if self.count == 0:
            return [0] * N_BINS, True
        lo, hi = float(edges[0]), float(edges[-1])
        width = (hi - lo) / N_BINS or 1.0
        v = self.reservoir.values
        counts = np.bincount(
            np.clip(((v - lo) / width).astype(np.int64), 0, N_BINS - 1), minlength=N_BINS
        )
        if self.reservoir.exact:
            return counts.tolist(), True
        scaled = np.round(counts * self.count / max(v.size, 1)).astype(np.int64)
        return scaled.tolist(), False

    def result(self, missing_extra: int = 0) -> dict[str, Any]:
        """The same keys as the in-memory summary's per-group numbers (no histogram)."""
        missing = self.missing + missing_extra
        if self.count == 0:
            return {"count": 0, "missing": missing}
        q = np.quantile(self.reservoir.values, [0.25, 0.5, 0.75])
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

"""Reference histograms of one column: the bins, their counts, and the drift statistic.

A numeric column gets up to ``MAX_BINS`` reference-quantile bins (one bin per value when it
has few distinct values), each represented by its median; its statistic is the
Wasserstein-1 distance between the binned distributions in reference standard deviations
(``0.5`` = everything moved half a standard deviation). A categorical column keeps its
categories with at least ``MIN_SHARE`` of the rows (at most ``MAX_CATEGORIES``), then
``(other)`` and ``(new)`` (values never seen in the reference); its statistic is the total
variation distance (the share of rows that would have to change category). Missing numbers
are left out of a numeric column's histogram; a missing category is the category
``(missing)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ColumnBins", "build_bins", "statistic"]

MAX_BINS = 20
MAX_CATEGORIES = 50
MIN_SHARE = 0.005
EDGE_SAMPLE = 200_000
OTHER, NEW, MISSING = "(other)", "(new)", "(missing)"


@dataclass
class ColumnBins:
    """The binned reference distribution of one column (see the module docstring)."""

    name: str
    kind: str  # numeric | categorical
    counts: np.ndarray  # reference rows per bin
    edges: np.ndarray | None = None  # numeric: inner edges (len = bins - 1)
    support: np.ndarray | None = None  # numeric: the value that stands for each bin
    scale: float = 1.0  # numeric: reference standard deviation
    categories: list[str] = field(default_factory=list)  # categorical: bin names
    _known: Any = None  # categorical: every reference category (an Index)

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @property
    def p(self) -> np.ndarray:
        return self.counts / max(self.n, 1)

    @property
    def labels(self) -> list[str]:
        """A readable name per bin."""
        if self.kind == "categorical":
            return list(self.categories)
        return [f"{v:.4g}" for v in self.support]  # type: ignore[union-attr]

    def codes(self, values: pd.Series) -> np.ndarray:
        """The bin of every value (-1: a missing number, left out)."""
        if self.kind == "numeric":
            x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
            codes = np.searchsorted(self.edges, x, side="right").astype(np.int64)
            codes[~np.isfinite(x)] = -1
            return codes
        import pyarrow as pa
        import pyarrow.compute as pc

        text = as_text(values)
        kept = self.categories[:-2]
        found = pc.index_in(text, value_set=pa.array(kept, type=pa.string()))
        codes = np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), np.int64)
        out = np.flatnonzero(codes < 0)
        if out.size:
            rest = pc.take(text, pa.array(out))
            seen = np.asarray(pc.is_in(rest, value_set=self._known).to_numpy(zero_copy_only=False))
            codes[out] = np.where(seen, len(kept), len(kept) + 1)
        return codes

    def histogram(self, values: pd.Series) -> np.ndarray:
        codes = self.codes(values)
        return np.bincount(codes[codes >= 0], minlength=self.counts.size).astype(np.float64)


def as_text(values: pd.Series) -> Any:
    """The values as an Arrow string array, missing ones as ``(missing)`` — computed in
    Arrow, without a Python object per row when the column is Arrow-backed."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values.dtype, pd.ArrowDtype):
        arr = pa.array(values)
    else:
        obj = values.astype(object)
        mask = obj.isna().to_numpy()
        arr = pa.array(obj.where(~mask, None).map(str, na_action="ignore"), type=pa.string())
    if arr.type != pa.string():
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        arr = pc.cast(arr, pa.string())
    return pc.fill_null(arr, MISSING)


def build_bins(name: str, kind: str, values: pd.Series, random_state: int = 0) -> ColumnBins:
    """The reference bins of one column (edges from at most 200,000 sampled values)."""
    if kind == "numeric":
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
        x = x[np.isfinite(x)]
        if x.size > EDGE_SAMPLE:
            x_s = np.random.default_rng(random_state).choice(x, EDGE_SAMPLE, replace=False)
        else:
            x_s = x
        uniq = np.unique(x_s)
        if uniq.size <= MAX_BINS:
            support = uniq
            edges = (uniq[1:] + uniq[:-1]) / 2
        else:
            edges = np.unique(np.quantile(x_s, np.arange(1, MAX_BINS) / MAX_BINS))
            codes_s = np.searchsorted(edges, x_s, side="right")
            support = np.array([np.median(x_s[codes_s == k]) for k in range(edges.size + 1)])
        scale = float(np.std(x_s)) if x_s.size > 1 else 0.0
        bins = ColumnBins(name, "numeric", np.zeros(edges.size + 1), edges, support, scale or 1.0)
        codes = np.searchsorted(edges, x, side="right")
        bins.counts = np.bincount(codes, minlength=edges.size + 1).astype(np.float64)
        return bins
    import pyarrow.compute as pc

    text = as_text(values)
    table = pc.value_counts(text)
    uniques = table.field("values")
    counts = np.asarray(table.field("counts").to_numpy(), dtype=np.int64)
    order = np.argsort(-counts, kind="stable")
    share = counts[order] / max(len(text), 1)
    top = [int(i) for i, s in zip(order, share, strict=True) if s >= MIN_SHARE]
    kept = [uniques[i].as_py() for i in top]
    kept = kept[:MAX_CATEGORIES]
    bins = ColumnBins(name, "categorical", np.zeros(len(kept) + 2), categories=[*kept, OTHER, NEW])
    bins._known = uniques
    bins.counts = bins.histogram(pd.Series(pd.arrays.ArrowExtensionArray(text)))
    return bins


def statistic(bins: ColumnBins, delta: np.ndarray) -> np.ndarray:
    """The drift statistic of bin-share differences ``delta = q - p`` (shape ``(..., bins)``).

    Homogeneous of degree one: scaling ``delta`` scales the statistic, which is what lets
    one null calibration serve every window size (see :mod:`yearn.monitor._null`).
    """
    if bins.kind == "numeric":
        steps = np.diff(bins.support) / bins.scale  # type: ignore[arg-type]
        cdf = np.cumsum(delta, axis=-1)[..., :-1]
        return np.abs(cdf) @ steps
    return 0.5 * np.abs(delta).sum(axis=-1)

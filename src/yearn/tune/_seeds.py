"""The confirm-half test between two *configs*, each trained with several seeds: a paired
bootstrap of the difference of the seed-averaged metric that resamples the rows (or the
groups, when the project names a group column) and, independently for each config, its
seeds, so the interval holds the seed-to-seed variation too and one lucky or unlucky trained
model cannot decide the verdict alone. With few seeds the seed part is rough (K = 3 seeds
give few distinct resamples); it widens the interval, never narrows it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["SeedTest", "resampled", "seed_averaged_test"]


def resampled(table: Any, idx: np.ndarray) -> Any:
    """Rows ``idx`` of a predictions table (repeats allowed), ids renumbered so a row drawn
    twice does not read as a duplicate id."""
    return table.iloc[idx].assign(id=np.arange(len(idx)))


@dataclass(frozen=True)
class SeedTest:
    """``b − a`` of the seed-averaged metric (error form), its percentile interval and the
    centred bootstrap's two-sided p-value."""

    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    test: str


def _stat(tables: Sequence[Any], metric: str) -> Callable[[np.ndarray, np.ndarray], float]:
    """``(idx, seeds) → mean over the seeds (indices into tables, repeats allowed) of the
    metric (error form) on rows idx``: for the error rate from the per-row 0/1 errors of each
    seed (one matrix, fast), else each seed's metric on those rows."""
    from yearn.config import error_name
    from yearn.metrics import error_from_predictions

    if error_name(metric) == "error":
        wrong = np.stack(
            [(t["pred"].astype(str) != t["label"].astype(str)).to_numpy() for t in tables]
        ).astype(float)
        return lambda idx, seeds: float(wrong[np.ix_(seeds, idx)].mean())
    return lambda idx, seeds: float(
        np.mean([error_from_predictions(resampled(tables[s], idx), metric) for s in seeds])
    )


def seed_averaged_test(
    a: Sequence[Any],
    b: Sequence[Any],
    metric: str,
    *,
    groups: np.ndarray | None = None,
    n_resamples: int = 2000,
    random_state: int = 0,
) -> SeedTest:
    """Paired bootstrap of config ``b`` minus config ``a`` on one set of rows: ``a`` and
    ``b`` are the prediction tables (rows in one order) of each config's seeds. Each
    resample draws the rows (with ``groups``, integer codes per row, whole groups) once for
    both configs, and each config's seeds with replacement."""
    from yearn.diagnose import group_sampler
    from yearn.errors import DataError

    n = len(a[0])
    if any(len(t) != n for t in (*a, *b)):
        raise DataError("every seed's predictions must cover the same confirm rows.")
    stat_a, stat_b = _stat(a, metric), _stat(b, metric)
    full, ka, kb = np.arange(n), len(a), len(b)
    observed = stat_b(full, np.arange(kb)) - stat_a(full, np.arange(ka))
    rng = np.random.default_rng(random_state)
    draw = group_sampler(groups) if groups is not None else None
    diffs = []
    for _ in range(n_resamples):
        idx = rng.integers(0, n, n) if draw is None else draw(rng)
        try:
            seeds_a, seeds_b = rng.integers(0, ka, ka), rng.integers(0, kb, kb)
            diffs.append(stat_b(idx, seeds_b) - stat_a(idx, seeds_a))
        except DataError:  # the metric is undefined on this resample: left out, counted
            continue
    if len(diffs) < n_resamples // 2:
        raise DataError(
            f"the metric is undefined on {n_resamples - len(diffs)} of {n_resamples} bootstrap "
            f"resamples of the confirm half ({n} rows); use the error metric or more dev rows."
        )
    d = np.asarray(diffs)
    low, high = np.quantile(d, [0.025, 0.975])
    p = float(np.mean(np.abs(d - observed) >= abs(observed) - 1e-12)) if observed else 1.0
    p = max(p, 1.0 / (len(d) + 1))
    unit = "groups" if groups is not None else "rows"
    test = f"paired bootstrap over {unit} and seeds of the {ka}-seed mean"
    return SeedTest(float(observed), float(low), float(high), p, test)

"""The project's metric on a window's labelled rows, with a percentile bootstrap interval
(any metric of the registry: F1, macro-F1, ROC AUC, log-loss, RMSE, ...)."""

from __future__ import annotations

import numpy as np

from yearn.errors import DataError
from yearn.monitor._performance import Estimate

__all__ = ["labelled_metric"]

RESAMPLES = 500


def labelled_metric(
    name: str,
    truth: np.ndarray,
    pred: np.ndarray,
    proba: np.ndarray | None,
    classes: list[str] | None,
    *,
    regression: bool = False,
    confidence: float = 0.95,
    random_state: int = 0,
) -> Estimate:
    """``name`` on these labelled rows and its interval (rows resampled ``RESAMPLES``
    times; a resample where the metric is undefined, e.g. one class only, is left out; no
    interval (NaN) when that is half of them or more). ``classes`` names the columns of
    ``proba``; ``regression``: truth and predictions are numbers. A metric that cannot be
    computed on these rows raises :class:`DataError` saying why."""
    from yearn.metrics import get_metric

    metric = get_metric(name)
    if regression:
        y_true = np.asarray(truth, dtype=np.float64)
        y_pred = np.asarray(pred, dtype=np.float64)
        data = metric.prepare(y_true, y_pred)
    else:
        data = metric.prepare(
            np.asarray(truth, dtype=object).astype(str),
            np.asarray(pred, dtype=object).astype(str),
            proba,
            classes=classes,
        )
    value = metric.compute(data)
    rng = np.random.default_rng([random_state, 31])
    n = len(truth)
    reps = np.full(RESAMPLES, np.nan)
    for b in range(RESAMPLES):
        try:
            reps[b] = metric.compute(data.take(rng.integers(0, n, n)))
        except (ValueError, DataError):  # undefined on this resample: left out
            continue
    finite = reps[np.isfinite(reps)]
    if finite.size < RESAMPLES // 2:
        return Estimate(name, value, float("nan"), float("nan"), n, "labels")
    tail = (1 - confidence) / 2
    low, high = np.quantile(finite, [tail, 1 - tail])
    return Estimate(
        name,
        value,
        float(min(low, value)),
        float(max(high, value)),
        n,
        "labels",
        float(np.std(finite, ddof=1)),
    )

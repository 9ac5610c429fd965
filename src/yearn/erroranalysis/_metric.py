"""Ceilings of a tag under a project metric other than error (1-F1, 1-F1 macro, 1-AUC, ...).

The ceiling of fixing a tag is the metric's error form on the split with the tag's errors
corrected (``pred = label`` on those rows). The worksheet holds ``n`` sampled errors of
the ``E`` in the split; ``k`` carry the tag. For label metrics (error, F1, precision,
recall, F1 macro/micro: functions of the confusion counts only) the tag's errors are
extrapolated cell by cell (post-stratified): in each ``(label, pred)`` cell holding
``E_c`` errors of which ``n_c`` were sampled and ``k_c`` tagged, ``round(k_c / n_c x E_c)``
errors are corrected, the tagged rows first. The interval scales ``k_c / n_c`` by the
ends of the Wilson interval of the tag's share over its point value. When every error is
in the worksheet this corrects exactly the tagged rows.

Metrics of probabilities (ROC AUC, log loss) depend on which rows are corrected, not only
how many, so their ceilings are measured only when every error is in the worksheet (the
corrected rows then get ``pred = label`` and a probability of 1 on the label).
"""

from __future__ import annotations

import numpy as np

from yearn.metrics import Metric, Prepared


def _corrected(data: Prepared, rows: np.ndarray) -> Prepared:
    y_pred = data.y_pred.copy()
    y_pred[rows] = data.y_true[rows]
    proba = data.proba
    if proba is not None:
        proba = proba.copy()
        proba[rows] = 0.0
        proba[rows, data.y_true[rows]] = 1.0
    return Prepared(data.y_true, y_pred, proba, data.classes, data.pos)


def _cells(data: Prepared, rows: np.ndarray) -> dict[tuple[int, int], list[int]]:
    out: dict[tuple[int, int], list[int]] = {}
    for r in rows:
        out.setdefault((int(data.y_true[r]), int(data.y_pred[r])), []).append(int(r))
    return out


def _rows_to_fix(
    data: Prepared, tagged: np.ndarray, sampled: np.ndarray, scale: float
) -> np.ndarray:
    """Rows to correct: in each ``(label, pred)`` cell, the tag's share of the cell's sampled
    errors (times ``scale``) of the cell's errors, the tagged rows first."""
    wrong = np.flatnonzero(data.y_true != data.y_pred)
    seen = _cells(data, sampled)
    chosen: list[int] = []
    for (t, p), mine in _cells(data, tagged).items():
        cell = wrong[(data.y_true[wrong] == t) & (data.y_pred[wrong] == p)]
        share = min(1.0, scale * len(mine) / len(seen[(t, p)]))
        want = round(share * len(cell))
        pool = np.concatenate([np.asarray(mine, dtype=np.int64), cell[~np.isin(cell, mine)]])
        chosen.extend(pool[:want].tolist())
    return np.asarray(chosen, dtype=np.int64)


def why_not_measured(metric: Metric, data: Prepared, n_sampled: int, n_errors: int) -> str | None:
    """Why ceilings under ``metric`` cannot be measured here (None when they can)."""
    if data.y_pred is None or np.ndim(data.y_true) != 1:
        return f"{metric.error_name} ceilings need single-label predictions"
    if metric.needs_proba and n_sampled < n_errors:
        return (
            f"{metric.error_name} depends on which errors are fixed, not only how many, so its "
            f"ceilings need every error in the worksheet ({n_sampled} of {n_errors} sampled)"
        )
    return None


def metric_ceiling(
    metric: Metric,
    data: Prepared,
    tagged: np.ndarray,
    sampled: np.ndarray,
    shares: tuple[float, float, float],
) -> tuple[float, float, float]:
    """``(ceiling, low, high)`` of the metric's error form when the tag's errors are fixed.

    ``tagged`` / ``sampled``: row positions (in ``data``) of the sampled errors carrying
    the tag / of every sampled error; ``shares``: the tag's share of errors (point, low,
    high), whose ratios to the point scale the extrapolation for the interval.
    """
    p, lo, hi = shares
    values = []
    for share in (p, hi, lo):  # the most errors fixed gives the lowest ceiling
        fixed = _rows_to_fix(data, tagged, sampled, share / p)
        values.append(metric.to_error(metric.compute(_corrected(data, fixed))))
    return values[0], min(values[1], values[0]), max(values[2], values[0])

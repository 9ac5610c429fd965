"""Slices under a project metric other than error (1-F1, 1-AUC, RMSE, ...).

For each slice the metric's error form is computed on the slice's rows and on the rest of
the split; ``excess`` is slice minus rest. Its uncertainty comes from a bootstrap that
resamples the slice's rows and the rest's rows separately (``n_boot`` times): the 95% interval
is the percentile interval of the difference and the one-sided p-value the normal
approximation ``P(Z > excess / se)`` with ``se`` the bootstrap standard deviation. The
p-values are corrected for the number of slices tried exactly as for error rates
(Benjamini–Hochberg or Bonferroni), and a slice is significant when its corrected p-value
is below ``alpha``. Slices are ranked by ``impact = size x (1 - size / n) x excess``: for
error it is exactly the excess errors (``size x (slice rate - overall rate)``), so under
``1-accuracy`` the ranking is that of error rates.

A slice on which the metric is undefined (F1 / precision / recall with no positive label
or prediction, AUC with one class) is not tested: it is listed in ``not_measured`` with
the reason, never scored as the worst possible value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from yearn.errors import DataError
from yearn.metrics import Metric, Prepared

COLUMNS = [
    "slice",
    "columns",
    "size",
    "slice_error",
    "rest_error",
    "excess",
    "ci_low",
    "ci_high",
    "impact",
    "p_value",
    "p_adjusted",
    "significant",
]


def _undefined(metric: Metric, d: Prepared) -> str | None:
    """Why the metric is undefined on these rows (None when it is defined)."""
    base = metric.name[2:] if metric.name.startswith("1-") else metric.name
    if base in ("f1", "precision", "recall") and d.y_true.ndim == 1:
        has_label = bool(np.any(d.y_true == d.pos))
        has_pred = bool(np.any(d.y_pred == d.pos))
        if base == "recall" and not has_label:
            return "no positive label"
        if base == "precision" and not has_pred:
            return "no positive prediction"
        if base == "f1" and not (has_label or has_pred):
            return "no positive label or prediction"
    return None


def _error(metric: Metric, d: Prepared) -> float:
    return metric.to_error(metric.compute(d))


def _measure(metric: Metric, d: Prepared) -> tuple[float | None, str | None]:
    why = _undefined(metric, d)
    if why is not None:
        return None, why
    try:
        return _error(metric, d), None
    except DataError as exc:
        return None, str(exc)


def _boot(metric: Metric, d: Prepared, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap values of the metric's error form (NaN where a resample is undefined)."""
    n = len(d.y_true)
    out = np.empty(n_boot)
    for b in range(n_boot):
        value, _ = _measure(metric, d.take(rng.integers(0, n, n)))
        out[b] = np.nan if value is None else value
    return out


def metric_slices(
    metric: Metric,
    data: Prepared,
    names: list[str],
    cols: list[tuple[str, ...]],
    masks: list[np.ndarray],
    *,
    n_boot: int,
    random_state: int,
    correction: str,
    alpha: float,
    adjust: Any,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The slice table under ``metric`` (see module doc) and the slices not measured."""
    rng = np.random.default_rng(random_state)
    rows: list[dict[str, Any]] = []
    not_measured: dict[str, str] = {}
    level = 0.95
    n_rows = len(data.y_true)
    for name, col, mask in zip(names, cols, masks, strict=True):
        inside, rest = data.take(np.flatnonzero(mask)), data.take(np.flatnonzero(~mask))
        s_val, why = _measure(metric, inside)
        r_val, why_rest = _measure(metric, rest)
        if s_val is None or r_val is None:
            not_measured[name] = why or f"the rest: {why_rest}"
            continue
        diffs = _boot(metric, inside, n_boot, rng) - _boot(metric, rest, n_boot, rng)
        diffs = diffs[np.isfinite(diffs)]
        excess = s_val - r_val
        if len(diffs) < max(10, n_boot // 2):
            not_measured[name] = "the metric is undefined on most bootstrap resamples"
            continue
        se = float(np.std(diffs, ddof=1))
        # no spread at all: the difference is certain (p 0 if worse, 1 otherwise)
        p = float(norm.sf(excess / se)) if se > 0 else float(excess <= 0)
        lo, hi = np.quantile(diffs, [(1 - level) / 2, (1 + level) / 2])
        size = int(mask.sum())
        rows.append(
            {
                "slice": name,
                "columns": list(col),
                "size": size,
                "slice_error": s_val,
                "rest_error": r_val,
                "excess": excess,
                "ci_low": float(lo),
                "ci_high": float(hi),
                "impact": size * (1 - size / n_rows) * excess,
                "p_value": p,
            }
        )
    if not rows:
        return pd.DataFrame(columns=COLUMNS), not_measured
    table = pd.DataFrame(rows)
    p = table["p_value"].to_numpy()
    table["p_adjusted"] = np.minimum(p * len(p), 1.0) if correction == "bonferroni" else adjust(p)
    table["significant"] = table["p_adjusted"] < alpha
    table = table.sort_values(
        ["impact", "p_value", "size"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)
    return table[COLUMNS], not_measured

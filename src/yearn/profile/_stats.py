"""Small vectorised statistics shared by the checks: binning, single-feature scores from
bin counts (AUC / R² in O(bins)), AUC confidence intervals, effect sizes."""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "auc_ci",
    "bin_codes",
    "binned_auc",
    "cramers_v",
    "single_feature_score",
]


def bin_codes(
    view, rows: np.ndarray, fit_rows: np.ndarray, n_bins: int = 32
) -> tuple[np.ndarray, int]:
    """Integer bin of each of ``rows`` (missing values get their own last bin), and the
    number of bins. Numbers are cut at quantiles of ``fit_rows``; categories keep codes."""
    if view.kind == "categorical":
        n_cat = len(view.categories)
        codes = view.values[rows]
        return np.where(codes < 0, n_cat, codes), n_cat + 1
    values = view.values[rows]
    fit = view.values[fit_rows]
    fit = fit[np.isfinite(fit)]
    if fit.size == 0:
        return np.zeros(values.size, dtype=np.int64), 1
    edges = np.unique(np.quantile(fit, np.linspace(0, 1, n_bins + 1)[1:-1]))
    codes = np.searchsorted(edges, values, side="right").astype(np.int64)
    n = edges.size + 1
    codes[~np.isfinite(values)] = n
    return codes, n + 1


def binned_auc(scores: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> float:
    """ROC AUC when every example of bin ``b`` has score ``scores[b]`` (ties count half)."""
    total_pos, total_neg = pos.sum(), neg.sum()
    if total_pos == 0 or total_neg == 0:
        return float("nan")
    levels, inverse = np.unique(scores, return_inverse=True)
    p = np.bincount(inverse, weights=pos, minlength=levels.size)
    q = np.bincount(inverse, weights=neg, minlength=levels.size)
    neg_below = np.concatenate([[0.0], np.cumsum(q)[:-1]])
    return float(np.sum(p * (neg_below + 0.5 * q)) / (total_pos * total_neg))


def single_feature_score(
    codes: np.ndarray,
    n_bins: int,
    y: np.ndarray,
    task: str,
    n_classes: int,
    fit: np.ndarray,
    holdout: np.ndarray,
    smoothing: float = 1.0,
) -> float:
    """How well one binned feature alone predicts the label on a holdout.

    The per-bin label rate (or mean) learnt on ``fit`` rows scores the ``holdout`` rows:
    ROC AUC for binary labels, macro one-vs-rest AUC for multiclass, R² for regression.
    """
    cf, ch = codes[fit], codes[holdout]
    if task == "regression":
        yf, yh = y[fit], y[holdout]
        prior = yf.mean()
        cnt = np.bincount(cf, minlength=n_bins)
        means = (np.bincount(cf, weights=yf, minlength=n_bins) + smoothing * prior) / (
            cnt + smoothing
        )
        pred = means[ch]
        sst = np.sum((yh - yh.mean()) ** 2)
        return float(1 - np.sum((yh - pred) ** 2) / sst) if sst > 0 else float("nan")
    cnt_fit = np.bincount(cf, minlength=n_bins).astype(np.float64)
    joint_fit = np.bincount(cf * n_classes + y[fit], minlength=n_bins * n_classes)
    joint_fit = joint_fit.reshape(n_bins, n_classes).astype(np.float64)
    joint_hold = np.bincount(ch * n_classes + y[holdout], minlength=n_bins * n_classes)
    joint_hold = joint_hold.reshape(n_bins, n_classes).astype(np.float64)
    prior = joint_fit.sum(axis=0) / max(cnt_fit.sum(), 1.0)
    rates = (joint_fit + smoothing * prior) / (cnt_fit[:, None] + smoothing)
    hold_total = joint_hold.sum(axis=1)
    classes = [1] if n_classes == 2 else range(n_classes)
    aucs = []
    for k in classes:
        pos = joint_hold[:, k]
        auc = binned_auc(rates[:, k], pos, hold_total - pos)
        if not math.isnan(auc):
            aucs.append(auc)
    return float(np.mean(aucs)) if aucs else float("nan")


def auc_ci(auc: float, n_pos: int, n_neg: int, z: float = 1.96) -> tuple[float, float]:
    """Hanley & McNeil (1982) normal-approximation confidence interval of an AUC."""
    if n_pos < 1 or n_neg < 1 or math.isnan(auc):
        return float("nan"), float("nan")
    q1 = auc / (2 - auc)
    q2 = 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc**2) + (n_neg - 1) * (q2 - auc**2)) / (
        n_pos * n_neg
    )
    se = math.sqrt(max(var, 0.0))
    return max(0.0, auc - z * se), min(1.0, auc + z * se)


def cramers_v(table: np.ndarray) -> float:
    """Cramér's V of a contingency table (0 = independent, 1 = one determines the other)."""
    table = np.asarray(table, dtype=np.float64)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return 0.0
    n = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = float(np.sum((table - expected) ** 2 / expected))
    return math.sqrt(chi2 / (n * (min(table.shape) - 1)))

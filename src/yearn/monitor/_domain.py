"""Overall drift by a domain classifier: can a model tell production rows from reference
rows? Out-of-fold AUC with a 95% interval (Hanley–McNeil), and the columns that drive it
(AUC lost when a column is shuffled in the held-out fold)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from yearn.monitor._bins import ColumnBins

__all__ = ["DomainDrift", "auc_interval", "domain_classifier"]

MIN_ROWS = 50
MIN_AUC = 0.55  # the smallest AUC called drift: below it the two are hard to tell apart


@dataclass
class DomainDrift:
    """The domain classifier's verdict on one window (``auc`` None: not measured)."""

    auc: float | None
    low: float | None
    high: float | None
    n_reference: int
    n_current: int
    drifted: bool
    drivers: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    from scipy.stats import rankdata

    ranks = rankdata(score)
    pos = y == 1
    n1, n0 = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def auc_interval(auc: float, n1: int, n0: int, confidence: float = 0.95) -> tuple[float, float]:
    """Hanley–McNeil interval of an AUC from ``n1`` positives and ``n0`` negatives."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2)) / (n1 * n0)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    half = z * np.sqrt(max(var, 0.0))
    return max(0.0, auc - half), min(1.0, auc + half)


def _encode(frame: pd.DataFrame, bins: dict[str, ColumnBins]) -> np.ndarray:
    cols = []
    for name, b in bins.items():
        if b.kind == "numeric":
            cols.append(pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64))
        else:
            cols.append(b.codes(frame[name]).astype(np.float64))
    return np.column_stack(cols)


def domain_classifier(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    bins: dict[str, ColumnBins],
    *,
    max_rows: int = 5_000,
    min_auc: float = MIN_AUC,
    candidates: list[str] | None = None,
    random_state: int = 0,
) -> DomainDrift:
    """Train gradient-boosted trees to separate ``current`` from ``reference`` rows (up to
    ``max_rows`` each, equal numbers), 2-fold out-of-fold AUC and its interval; drift when
    the interval lies above 0.5 and the AUC is at least ``min_auc``. Drivers are sought
    among ``candidates`` (default: every column)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    names = [c for c in bins if c in reference and c in current]
    m = min(len(reference), len(current), max_rows)
    if m < MIN_ROWS or not names:
        why = f"fewer than {MIN_ROWS} rows" if names else "no input column to compare"
        return DomainDrift(None, None, None, len(reference), len(current), False, note=why)
    rng = np.random.default_rng(random_state)
    ref = reference.iloc[rng.choice(len(reference), m, replace=False)]
    cur = current.iloc[rng.choice(len(current), m, replace=False)]
    used = {c: bins[c] for c in names}
    x = np.vstack([_encode(ref, used), _encode(cur, used)])
    y = np.r_[np.zeros(m, dtype=int), np.ones(m, dtype=int)]
    folds = rng.permutation(2 * m) % 2
    score = np.zeros(2 * m)
    models = []
    categorical = np.array([b.kind == "categorical" for b in used.values()])
    for k in (0, 1):
        model = HistGradientBoostingClassifier(
            max_iter=60,
            learning_rate=0.1,
            max_leaf_nodes=15,
            categorical_features=categorical if categorical.any() else None,
            random_state=random_state,
        )
        model.fit(x[folds != k], y[folds != k])
        score[folds == k] = model.predict_proba(x[folds == k])[:, 1]
        models.append(model)
    auc = _auc(y, score)
    low, high = auc_interval(auc, m, m)
    drifted = bool(low > 0.5 and auc >= min_auc)
    names = list(used)
    tried = [names.index(c) for c in (candidates or names) if c in used]
    drivers = _drivers(models, x, y, folds, names, tried, auc, rng) if drifted else []
    return DomainDrift(auc, low, high, m, m, drifted, drivers)


def _drivers(models, x, y, folds, names, tried, auc, rng, top=5) -> list[dict[str, Any]]:
    """AUC lost when each tried column is shuffled in the held-out folds (largest first)."""
    drops = []
    for j in tried:
        name = names[j]
        score = np.zeros(len(y))
        for k, model in enumerate(models):
            held = x[folds == k].copy()
            held[:, j] = rng.permutation(held[:, j])
            score[folds == k] = model.predict_proba(held)[:, 1]
        drops.append((name, auc - _auc(y, score)))
    drops.sort(key=lambda d: -d[1])
    return [{"column": n, "auc_drop": round(float(d), 4)} for n, d in drops[:top] if d > 0.005]

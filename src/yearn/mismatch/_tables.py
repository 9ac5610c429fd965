"""Table synthesis: training rows copied with missing values matched to the target's
missingness (``yearn.prep.inject_missing``) and Gaussian noise on numeric columns whose
standard deviation makes each column's spread match the target's (only where the target is
significantly more spread, Brown–Forsythe test at 1%)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from yearn.errors import ConfigError

__all__ = ["TABLE_OPS", "check_table_ops", "distort_table"]

TABLE_OPS = ("missing", "noise")
ALPHA = 0.01  # Brown–Forsythe test: the target's spread exceeds train's


def check_table_ops(ops: Sequence[str]) -> tuple[str, ...]:
    """The table ops; ConfigError naming an unknown one."""
    ops = tuple(o.strip() for o in ops if o.strip())
    unknown = [o for o in ops if o not in TABLE_OPS]
    if unknown or not ops:
        raise ConfigError(
            (f"unknown table op {unknown[0]!r}" if unknown else "no table op given")
            + f"; choose from {', '.join(TABLE_OPS)} (e.g. --ops missing,noise --columns age)."
        )
    return ops


def distort_table(
    rows: pd.DataFrame,
    target: pd.DataFrame,
    train: pd.DataFrame,
    *,
    ops: Sequence[str],
    columns: Sequence[str],
    rng: np.random.Generator,
    random_state: int,
) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, float], dict[str, np.ndarray]]:
    """``rows`` (copies of training rows) with ``ops`` applied to ``columns``; the fit
    table (per column: missing rate and spread of train, target and synthetic), the
    noise sigma fitted per column and the noise added to each row."""
    from yearn.prep import inject_missing

    check_table_ops(ops)
    out = rows.reset_index(drop=True).copy()
    from scipy.stats import levene

    sigmas: dict[str, float] = {}
    pvalues: dict[str, float] = {}
    added: dict[str, np.ndarray] = {}
    if "noise" in ops:
        for c in columns:
            if not pd.api.types.is_numeric_dtype(train[c]):
                continue
            a, b = train[c].dropna().to_numpy(float), target[c].dropna().to_numpy(float)
            extra = float(np.var(b)) - float(np.var(a))
            p = float(levene(a, b, center="median").pvalue) if min(a.size, b.size) > 2 else 1.0
            pvalues[c] = p
            # noise only where the target is significantly more spread (no effect, no noise)
            sigmas[c] = round(float(np.sqrt(extra)), 6) if extra > 0 and p < ALPHA else 0.0
            if sigmas[c] > 0:
                added[c] = sigmas[c] * rng.standard_normal(len(out))
                out[c] = out[c].astype(float) + added[c]
    if "missing" in ops:
        out, _ = inject_missing(out, target, columns=list(columns), random_state=random_state)
    fit = []
    for c in columns:
        entry: dict[str, Any] = {
            "column": c,
            "missing_train": round(float(train[c].isna().mean()), 4),
            "missing_target": round(float(target[c].isna().mean()), 4),
            "missing_synthetic": round(float(out[c].isna().mean()), 4),
        }
        if pd.api.types.is_numeric_dtype(train[c]):
            entry.update(
                std_train=round(float(np.nanstd(train[c])), 4),
                std_target=round(float(np.nanstd(target[c])), 4),
                std_synthetic=round(float(np.nanstd(out[c].astype(float))), 4),
                noise_sigma=sigmas.get(c),
                spread_p=None if c not in pvalues else round(pvalues[c], 6),
            )
        fit.append(entry)
    return out, fit, sigmas, added

"""Missing-value injection: when the target data has missing values the training data
lacks, blank training values at random up to the target's per-column missing rates, so a
model learns to cope with them (artificial data synthesis for a known mismatch)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from yearn.errors import DataError

__all__ = ["InjectionReport", "inject_missing"]


@dataclass
class InjectionReport:
    """Per column: missing rate in train before, in the target, and after injection."""

    rates: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Columns that received injected missing values."""
        return [c for c, r in self.rates.items() if r["injected"] > 0]

    def to_dict(self) -> dict:
        return {"rates": self.rates, "columns": self.columns}

    def _repr_html_(self) -> str:
        from yearn.display import bar_chart, html_table

        rows = [{"column": c, **r} for c, r in self.rates.items()]
        rates = {"train": ".1%", "target": ".1%", "after": ".1%"}
        table = html_table(rows, ["column", "train", "target", "after", "injected"], formats=rates)
        chart = bar_chart(
            list(self.rates),
            [r["after"] for r in self.rates.values()],
            title="missing rate in train after injection",
            fmt=".1%",
        )
        return (
            f"<div><p><b>Missing values injected</b> into {len(self.columns)} of "
            f"{len(self.rates)} column(s)</p>{table}{chart}</div>"
        )


def inject_missing(
    train: pd.DataFrame,
    target: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    random_state: int = 0,
) -> tuple[pd.DataFrame, InjectionReport]:
    """A copy of ``train`` with values blanked where ``target`` is missing more often.

    For each column (default: those both tables share) whose target missing rate exceeds
    the training rate, present training values are set missing at random until the
    training rate equals the target rate. Other columns are untouched.
    """
    if not isinstance(train, pd.DataFrame) or not isinstance(target, pd.DataFrame):
        raise DataError("inject_missing takes two pandas DataFrames (train, target).")
    if columns is None:
        columns = [c for c in train.columns if c in target.columns]
    absent = [c for c in columns if c not in train.columns or c not in target.columns]
    if absent:
        raise DataError(f"column(s) {absent} must be in both the training and target tables.")
    if len(train) == 0 or len(target) == 0:
        raise DataError("inject_missing needs rows in both the training and target tables.")
    rng = np.random.default_rng([random_state, 0x1A7])
    out = train.copy()
    report = InjectionReport()
    for column in columns:
        before = float(train[column].isna().mean())
        wanted = float(target[column].isna().mean())
        injected = 0
        if wanted > before:
            present = np.flatnonzero(train[column].notna().to_numpy())
            n_before = int(train[column].isna().sum())
            k = min(present.size, round(wanted * len(train)) - n_before)
            if k > 0:
                rows = rng.choice(present, size=k, replace=False)
                col = out[column].astype(object) if out[column].dtype == bool else out[column]
                col = col.copy()
                col.iloc[rows] = None
                out[column] = col
                injected = int(k)
        report.rates[column] = {
            "train": round(before, 6),
            "target": round(wanted, 6),
            "after": round(float(out[column].isna().mean()), 6),
            "injected": injected,
        }
    return out, report

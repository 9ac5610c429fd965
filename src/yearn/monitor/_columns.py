"""Which columns are monitored: numbers and categories, never ids or timestamps.

Id-like columns are found with the profile's own rule (:func:`yearn.data.id_like_reason`:
unique per row, or monotone with row order), so a sequential id is excluded on either side
(reference or production) and never reported as drift. The rule is read through a light
view of the column (NumPy only: monitoring never imports the profile's checks).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from yearn.data import id_like_reason

__all__ = ["TIME_NAMES", "column_kind", "exclusion_reason"]

#: Column names taken as the timestamp of a row when no time column is named.
TIME_NAMES = ("time", "timestamp", "datetime", "date", "created_at")
#: Columns of the request log that are bookkeeping, not model inputs.
LOG_COLUMNS = ("request_id", "model_version", "latency_ms")


def column_kind(values: pd.Series) -> str:
    """``numeric``, ``categorical``, ``timestamp`` or ``empty`` (all missing)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return "timestamp"
    if values.isna().all():
        return "empty"
    if pd.api.types.is_bool_dtype(values):
        return "categorical"
    if pd.api.types.is_numeric_dtype(values):
        return "numeric"
    return "categorical"


def exclusion_reason(name: str, values: pd.Series) -> str | None:
    """Why a column is not monitored (timestamp, id-like, empty), or None."""
    kind = column_kind(values)
    if kind == "timestamp" or name.lower() in TIME_NAMES:
        return "timestamp"
    if name in LOG_COLUMNS:
        return "request-log bookkeeping"
    if kind == "empty":
        return "every value is missing"
    why = id_like_reason(_view(name, kind, values))
    return f"id-like: {why}" if why else None


@dataclass
class _View:
    """What the id-like rule reads of one column (the fields of the profile's ColumnView)."""

    kind: str
    values: np.ndarray  # float64 with NaN (numeric) or category codes with -1 (categorical)
    n_missing: int
    integer_valued: bool = False
    distinct: int | None = None  # categorical: known from the codes

    @functools.cached_property
    def n_unique(self) -> int:
        if self.distinct is not None:
            return self.distinct
        v = self.values[~np.isnan(self.values)]
        return int(np.unique(v).size) if v.size else 0


def _view(name: str, kind: str, values: pd.Series) -> _View:
    """The id-like rule's view of one column, without copying the column where it can be."""
    if kind == "numeric":
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        missing = np.isnan(x)
        n_missing = int(np.count_nonzero(missing))
        present = x[~missing] if n_missing else x
        integer = bool(present.size) and bool(np.all(present == np.round(present)))
        return _View("numeric", x, n_missing, integer_valued=integer)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return _View("categorical", codes, int(np.count_nonzero(codes < 0)), distinct=len(uniques))

"""Which columns are monitored: numbers and categories, never ids or timestamps.

Id-like columns are found with the profile's own rule (``id_like_reason``: unique per row,
or monotone with row order), so a sequential id is excluded on either side (reference or
production) and never reported as drift.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from yearn.profile import ColumnView

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
    from yearn.profile.checks.leakage import id_like_reason

    kind = column_kind(values)
    if kind == "timestamp" or name.lower() in TIME_NAMES:
        return "timestamp"
    if name in LOG_COLUMNS:
        return "request-log bookkeeping"
    if kind == "empty":
        return "every value is missing"
    why = id_like_reason(_view(name, kind, values))
    return f"id-like: {why}" if why else None


def _view(name: str, kind: str, values: pd.Series) -> ColumnView:
    """The profile's view of one column, built without copying the column where it can be
    (the same fields as :class:`yearn.profile.ProfileContext` fills)."""
    from yearn.profile import ColumnView

    if kind == "numeric":
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        missing = np.isnan(x)
        present = x[~missing] if missing.any() else x
        integer = bool(present.size) and bool(np.all(present == np.round(present)))
        return ColumnView(name, "numeric", x, missing, integer_valued=integer)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    missing = codes < 0
    return ColumnView(name, "categorical", codes, missing, np.asarray(uniques, dtype=object))

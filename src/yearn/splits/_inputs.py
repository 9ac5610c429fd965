"""Validation of the inputs of the four-way split: ids, sources, groups, labels, counts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from yearn._validation import check_number
from yearn.errors import ConfigError, DataError

__all__ = [
    "as_array",
    "check_ids",
    "infer_task",
    "missing_mask",
    "resolve_count",
    "strata_labels",
]

_MAX_SHOWN = 5


def as_array(name: str, values: Any, n: int | None) -> np.ndarray:
    """``values`` as a numpy array of length ``n`` (1-D unless it is a label matrix)."""
    if isinstance(values, pd.Series | pd.Index | pd.DataFrame):
        arr = values.to_numpy()
    else:
        arr = np.asarray(values, dtype=object if isinstance(values, list | tuple) else None)
    if arr.ndim == 0:
        raise DataError(f"{name} must be an array with one entry per example; got a scalar.")
    if n is not None and len(arr) != n:
        raise DataError(
            f"{name} has {len(arr)} entries but there are {n} ids; give one per example."
        )
    return arr


def missing_mask(arr: np.ndarray) -> np.ndarray:
    """True where an entry is None, NaN or an empty string."""
    if arr.dtype.kind in "iub":
        return np.zeros(len(arr), dtype=bool)
    if arr.dtype.kind == "f":
        return np.isnan(arr)
    series = pd.Series(arr, dtype=object)
    mask = series.isna().to_numpy()
    # .str gives NaN for anything that is not a string: only blank strings count as missing
    blank = series.str.strip().eq("").to_numpy(dtype=bool, na_value=False)
    return mask | blank


def _rows(mask: np.ndarray) -> str:
    rows = np.flatnonzero(mask)
    shown = ", ".join(str(int(r)) for r in rows[:_MAX_SHOWN])
    more = f" and {len(rows) - _MAX_SHOWN} more" if len(rows) > _MAX_SHOWN else ""
    return f"row {shown}{more}" if len(rows) == 1 else f"rows {shown}{more}"


def check_ids(ids: np.ndarray) -> np.ndarray:
    """The ids as strings (the hash input); raise on missing or duplicate ids."""
    if ids.ndim != 1:
        raise DataError(f"ids must be 1-D (one id per example); got shape {ids.shape}.")
    if len(ids) == 0:
        raise DataError("no examples to split: ids is empty. Load the project's data first.")
    missing = missing_mask(ids)
    if missing.any():
        raise DataError(
            f"ids: {int(missing.sum())} missing id(s) at {_rows(missing)}; "
            "every example needs a unique id (fill them in or let yearn generate an id column)."
        )
    keys = (ids.astype(str) if ids.dtype.kind in "iu" else np.array([str(v) for v in ids])).astype(
        object
    )
    dup = pd.Series(keys).duplicated(keep=False).to_numpy()
    if dup.any():
        first = keys[dup][0]
        where = np.flatnonzero(keys == first)
        raise DataError(
            f"ids: {len(set(keys[dup]))} id(s) occur more than once, e.g. {first!r} at rows "
            f"{', '.join(str(int(r)) for r in where[:_MAX_SHOWN])}; ids must be unique "
            "across all sources (prefix them with the source name if sources reuse ids)."
        )
    return keys


def resolve_count(name: str, value: Any, total: int) -> int:
    """A share (< 1) of ``total`` rounded to whole examples, or a whole count (>= 1)."""
    v = check_number(name, value, low=0.0)
    if v < 1:
        return round(v * total)
    if not float(v).is_integer():
        raise ConfigError(
            f"{name} must be a share in [0, 1) or a whole count of examples; got {value!r}."
        )
    return int(v)


def infer_task(labels: np.ndarray) -> str:
    """``multilabel`` for a matrix, ``regression`` for non-integer numbers, else classification."""
    if labels.ndim == 2:
        return "multilabel"
    present = labels[~missing_mask(labels)]
    numeric = pd.to_numeric(pd.Series(present, dtype=object), errors="coerce")
    if len(present) and numeric.notna().all():
        values = numeric.to_numpy(dtype=float)
        if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
            return "regression"
    return "multiclass"


def strata_labels(labels: np.ndarray, task: str, n_bins: int = 10) -> np.ndarray:
    """A string stratum per example: the class, or a quantile bin of a regression label."""
    missing = missing_mask(labels)
    if task == "regression":
        values = pd.to_numeric(pd.Series(labels, dtype=object), errors="coerce")
        if values[~missing].isna().any() or not np.isfinite(values[~missing]).all():
            bad = (~missing) & (values.isna() | ~np.isfinite(values.fillna(0))).to_numpy()
            raise DataError(
                f"labels: regression labels must be finite numbers; got non-numbers at "
                f"{_rows(bad)}."
            )
        ranks = values.rank(method="first")
        bins = np.floor((ranks - 1) * n_bins / max(int(values.notna().sum()), 1))
        out = np.array([f"q{int(b)}" if b == b else "<missing>" for b in bins], dtype=object)
        return out
    out = np.array([str(v) for v in labels], dtype=object)
    out[missing] = "<missing>"
    return out

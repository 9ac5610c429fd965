"""Validation of the inputs of the four-way split: ids, sources, groups, labels, counts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from yearn._validation import check_number
from yearn.errors import ConfigError, DataError

__all__ = [
    "as_array",
    "as_text",
    "check_ids",
    "infer_task",
    "missing_mask",
    "resolve_count",
    "strata_codes",
    "text_codes",
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


def _arrow(arr: np.ndarray) -> pa.Array | None:
    """``arr`` as an Arrow array (None and NaN as nulls), or None when its values mix
    types that Arrow cannot hold in one column."""
    try:
        return pa.array(arr, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None


def missing_mask(arr: np.ndarray) -> np.ndarray:
    """True where an entry is None, NaN or an empty (blank) string."""
    if arr.dtype.kind in "iub":
        return np.zeros(len(arr), dtype=bool)
    if arr.dtype.kind == "f":
        return np.isnan(arr)
    col = _arrow(arr) if arr.ndim == 1 else None
    if col is not None:  # column-wise in Arrow: no Python object per row
        mask = col.is_null()
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            blank = pc.equal(pc.utf8_trim_whitespace(col), "").fill_null(False)
            mask = pc.or_(mask, blank)
        return mask.to_numpy(zero_copy_only=False).astype(bool)
    series = pd.Series(arr, dtype=object)
    mask = series.isna().to_numpy()
    # .str gives NaN for anything that is not a string: only blank strings count as missing
    blank = series.str.strip().eq("").to_numpy(dtype=bool, na_value=False)
    return mask | blank


def as_text(arr: np.ndarray) -> pa.Array:
    """``[str(v) for v in arr]`` as an Arrow ``large_string`` array (no nulls expected)."""
    if arr.dtype.kind in "iu":  # Arrow writes integers as Python does
        return pc.cast(pa.array(arr), pa.large_string())
    if arr.dtype.kind in "OUT":
        col = _arrow(arr)
        if col is not None and (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            return col.cast(pa.large_string())
    return pa.array([str(v) for v in arr], type=pa.large_string())


def text_codes(arr: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``str(value)`` per entry and the sorted distinct texts (missing: code -1).

    Factorises first and converts only the distinct values, so a column of few values
    costs one hash pass, not a Python string per row.
    """
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    text = np.array([str(u) for u in uniques], dtype=object)
    keep = np.array([not (isinstance(u, str) and not u.strip()) for u in uniques], dtype=bool)
    names = np.unique(text[keep]) if keep.any() else np.array([], dtype=object)
    lookup = np.full(len(uniques) + 1, -1, dtype=np.int64)  # lookup[-1]: missing
    lookup[: len(uniques)][keep] = np.searchsorted(names, text[keep])
    return lookup[codes], names.astype(object)


def _rows(mask: np.ndarray) -> str:
    rows = np.flatnonzero(mask)
    shown = ", ".join(str(int(r)) for r in rows[:_MAX_SHOWN])
    more = f" and {len(rows) - _MAX_SHOWN} more" if len(rows) > _MAX_SHOWN else ""
    return f"row {shown}{more}" if len(rows) == 1 else f"rows {shown}{more}"


def check_ids(ids: np.ndarray) -> pa.Array:
    """The ids as strings (the hash input, Arrow ``large_string``); raise on missing or
    duplicate ids."""
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
    keys = as_text(ids)
    if _may_repeat(ids, keys):
        text = keys.to_numpy(zero_copy_only=False)
        dup = pd.Series(text).duplicated(keep=False).to_numpy()
        first = text[dup][0]
        where = np.flatnonzero(text == first)
        raise DataError(
            f"ids: {len(set(text[dup]))} id(s) occur more than once, e.g. {first!r} at rows "
            f"{', '.join(str(int(r)) for r in where[:_MAX_SHOWN])}; ids must be unique "
            "across all sources (prefix them with the source name if sources reuse ids)."
        )
    return keys


def _may_repeat(ids: np.ndarray, keys: pa.Array) -> bool:
    """False when every id is distinct (sorting integers, or 64-bit hashes of the texts:
    a repeated hash only sends the exact check its way)."""
    if ids.dtype.kind in "iu":  # integers are distinct exactly when their texts are
        values = np.sort(ids)
    else:
        from yearn.splits._hash import mix64

        values = np.sort(mix64(keys, "", "ids"))
    return bool((values[1:] == values[:-1]).any())


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


def strata_codes(labels: np.ndarray, task: str, n_bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """A stratum per example — the class, or a quantile bin ``q0``..``q9`` of a regression
    label; ``<missing>`` for a missing label — as codes into the sorted stratum names."""
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
        bins = np.floor((ranks - 1) * n_bins / max(int(values.notna().sum()), 1)).to_numpy()
        present = ~np.isnan(bins)
        codes = np.full(len(bins), -1, dtype=np.int64)
        levels, codes[present] = np.unique(bins[present].astype(np.int64), return_inverse=True)
        text = np.array([f"q{b}" for b in levels], dtype=object)
    else:
        codes, text = text_codes(labels)
        codes[missing] = -1
    # the sorted names, with <missing> in its place when a label is missing
    has_missing = bool((codes < 0).any())
    text = np.asarray(text, dtype=object)
    with_missing = np.append(text, "<missing>").astype(object)
    names = np.unique(with_missing if has_missing else text).astype(object)
    lookup = (
        np.searchsorted(names, with_missing)
        if has_missing
        else np.append(np.searchsorted(names, text), -1)
    )
    return np.asarray(lookup, dtype=np.int64)[codes], names

"""Vectorised checks of a loaded table, with errors that name the file, column and row.

Rows are reported as the line number a spreadsheet shows for a file (the header is line 1,
so the first example is row 2) and as the positional row for an in-memory DataFrame.
Every check here is a handful of numpy/pandas operations: no per-row Python loops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from yearn.errors import DataError, quote

__all__ = [
    "CLASSIFICATION_TASKS",
    "TASKS",
    "Where",
    "check_columns",
    "check_no_empty",
    "check_numeric_columns",
    "check_unique_ids",
    "id_like_label",
    "normalize_labels",
    "sort_classes",
]

TASKS = ("binary", "multiclass", "multilabel", "regression")
CLASSIFICATION_TASKS = ("binary", "multiclass")


@dataclass(frozen=True)
class Where:
    """Where a table came from: ``name`` (file path or ``<DataFrame>``) and row numbering.

    ``first_row`` is the number shown for the first example: 2 for a file with a header
    line (as a spreadsheet shows it), 0 for a DataFrame (its positional index); ``unit``
    names what is counted (``row``, or ``image`` in an image folder).
    """

    name: str = "<DataFrame>"
    first_row: int = 0
    unit: str = "row"

    def row(self, position: int) -> str:
        return f"{self.name}, {self.unit} {position + self.first_row}"


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "an empty cell"
    return quote(value.item() if isinstance(value, np.generic) else value)


def check_columns(frame: pd.DataFrame, needed: dict[str, str], where: Where) -> None:
    """Raise if a column named in ``needed`` (column → what it is for) is absent."""
    for column, purpose in needed.items():
        if column not in frame.columns:
            have = ", ".join(repr(str(c)) for c in frame.columns)
            raise DataError(
                f"{where.name}: the {purpose} column {column!r} is missing; the columns are "
                f"{have}. Fix the column name in yearn.toml (or the argument) or the file."
            )


def _empty_mask(values: pd.Series) -> np.ndarray:
    mask = values.isna().to_numpy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        stripped = values.astype("string").str.strip()
        mask = mask | (stripped == "").fillna(True).to_numpy(dtype=bool)
    return mask


def check_no_empty(values: pd.Series, what: str, where: Where) -> None:
    """Raise naming the first row where ``values`` is empty."""
    empty = _empty_mask(values)
    if empty.any():
        pos = int(np.flatnonzero(empty)[0])
        raise DataError(
            f"{where.row(pos)}: {what} is empty ({int(empty.sum())} empty cell(s) in all); "
            "fill it in or drop those rows."
        )


def _number_text(values: pd.Series) -> pd.Series:
    """Class labels as strings: 1.0 → '1', keeping other values as they print."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(str)
    if pd.api.types.is_float_dtype(values.dtype):
        arr = values.to_numpy(dtype=float)
        if np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            return _integer_text(arr.astype(np.int64), values.index)
    if pd.api.types.is_integer_dtype(values.dtype) and not values.hasnans:
        return _integer_text(values.to_numpy(dtype=np.int64), values.index)
    return values.astype(str).astype(object)


def _integer_text(arr: np.ndarray, index: pd.Index) -> pd.Series:
    """Integers as strings, each distinct value's string made once and shared by its rows
    (a pointer per row, not a string per row)."""
    codes, uniques = pd.factorize(arr)
    text = np.array([str(int(u)) for u in uniques], dtype=object)
    return pd.Series(text[codes], index=index, dtype=object)


def sort_classes(classes) -> tuple[str, ...]:
    """Class names sorted numerically when they all are numbers, else as text."""
    names = [str(c) for c in classes]
    try:
        return tuple(sorted(names, key=lambda s: (float(s), s)))
    except ValueError:
        return tuple(sorted(names))


def normalize_labels(
    frame: pd.DataFrame,
    task: str,
    label_columns: tuple[str, ...],
    where: Where,
    *,
    missing_label_marker: str | None = None,
) -> pd.DataFrame:
    """Check the label column(s) of one table for ``task`` and return it normalised.

    Classification labels become strings; regression labels floats; multi-label columns
    floats in {0, 1} with NaN for unknown (empty cells and ``missing_label_marker``).
    Raises :class:`DataError` naming the file, the column, the row and the value.
    """
    frame = frame.copy(deep=False)
    for column in label_columns:
        values = frame[column]
        if task == "multilabel":
            frame[column] = _multilabel(values, column, where, missing_label_marker)
            continue
        empty = _empty_mask(values)
        if missing_label_marker is not None:
            empty = empty | (values.astype(str) == missing_label_marker).to_numpy()
        if empty.any():
            pos = int(np.flatnonzero(empty)[0])
            raise DataError(
                f"{where.row(pos)}: the label column {column!r} is empty "
                f"({int(empty.sum())} empty label(s) in all); every example of a {task} "
                "task needs a label: fill them in or drop those rows."
            )
        if task == "regression":
            frame[column] = _regression(values, column, where)
        else:
            frame[column] = _classification(values, column, where)
    return frame


def _regression(values: pd.Series, column: str, where: Where) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        raise DataError(
            f"{where.name}: regression label {column!r} holds True/False values; use a "
            "binary task for those."
        )
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{where.row(pos)}: regression label {column!r} is {_show(values.iloc[pos])}, "
            "not a number; regression labels must be numbers (fix the value or choose a "
            "classification task)."
        )
    arr = numbers.to_numpy(dtype=float)
    inf = ~np.isfinite(arr)
    if inf.any():
        pos = int(np.flatnonzero(inf)[0])
        raise DataError(
            f"{where.row(pos)}: regression label {column!r} is {float(arr[pos])!r}; labels must "
            "be finite numbers."
        )
    return pd.Series(arr, index=values.index, name=column)


def _classification(values: pd.Series, column: str, where: Where) -> pd.Series:
    if pd.api.types.is_float_dtype(values.dtype):
        arr = values.to_numpy(dtype=float)
        inf = np.isinf(arr)
        if inf.any():
            pos = int(np.flatnonzero(inf)[0])
            raise DataError(
                f"{where.row(pos)}: the label column {column!r} is {float(arr[pos])!r}; a class "
                "label must be a finite value."
            )
    return _number_text(values)


_ML_TRUE = {"1", "1.0", "true", "True", "TRUE"}
_ML_FALSE = {"0", "0.0", "false", "False", "FALSE"}


def _multilabel(values: pd.Series, column: str, where: Where, marker: str | None) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(float)
    if pd.api.types.is_numeric_dtype(values.dtype):
        arr = values.to_numpy(dtype=float)
        bad = ~(np.isnan(arr) | (arr == 0) | (arr == 1))
        if marker is not None:
            try:
                bad &= arr != float(marker)
                arr = np.where(arr == float(marker), np.nan, arr)
            except ValueError:
                pass
    else:
        text = values.astype("string").str.strip()
        empty = text.isna() | (text == "")
        if marker is not None:
            empty |= text == marker
        arr = np.full(len(values), np.nan)
        arr[text.isin(_ML_TRUE).fillna(False).to_numpy(dtype=bool)] = 1.0
        arr[text.isin(_ML_FALSE).fillna(False).to_numpy(dtype=bool)] = 0.0
        bad = np.isnan(arr) & ~empty.fillna(True).to_numpy(dtype=bool)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        hint = f", empty or {marker!r}" if marker is not None else " or empty"
        raise DataError(
            f"{where.row(pos)}: multi-label column {column!r} is {_show(values.iloc[pos])}; "
            f"each task label must be 1, 0{hint} (unknown)."
        )
    return pd.Series(arr, index=values.index, name=column)


def check_unique_ids(ids: pd.Series, place: Callable[[int], str] | None = None) -> None:
    """Raise naming both rows when an id occurs twice.

    ``place(i)`` describes row ``i`` of the concatenated table (file and row); the
    position is used without it.
    """
    dup = ids.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    first = int(np.flatnonzero(dup)[0])
    value = ids.iloc[first]
    same = np.flatnonzero(dup & (ids == value).to_numpy(dtype=bool))
    a, b = int(same[0]), int(same[1])
    where_a = place(a) if place else f"row {a}"
    where_b = place(b) if place else f"row {b}"
    raise DataError(
        f"duplicate id {_show(value)}: {where_a} and {where_b} "
        f"({int(dup.sum())} rows share an id in all); ids must be unique — fix the id "
        "column, or leave id_column unset to number the rows."
    )


def _mostly_text(present: pd.Series, min_share: float, sample: int = 2000) -> bool:
    """Whether an evenly spread sample of the non-empty cells is mostly not numbers.

    Parsing a long column of words is slow; the sample settles it for text columns.
    """
    if len(present) <= sample:
        return False
    picks = present.iloc[np.linspace(0, len(present) - 1, sample).astype(np.int64)]
    share = pd.to_numeric(picks, errors="coerce").notna().mean()
    return bool(share < min_share * 0.8)


def check_numeric_columns(
    frame: pd.DataFrame, columns, where: Where, *, min_share: float = 0.5
) -> None:
    """Raise when a column is numbers in most rows but text in a few (name row and value).

    Only text columns are looked at; a column where fewer than ``min_share`` of the
    non-empty cells are numbers is taken as text and left alone.
    """
    for column in columns:
        values = frame[column]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
            continue
        present = ~_empty_mask(values)
        n_present = int(present.sum())
        if n_present == 0 or _mostly_text(values[present], min_share):
            continue
        numbers = pd.to_numeric(values.where(present), errors="coerce")
        is_number = numbers.notna().to_numpy() & present
        n_numbers = int(is_number.sum())
        if n_numbers == n_present or n_numbers < min_share * n_present:
            continue
        bad = present & ~is_number
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{where.row(pos)}: column {column!r} holds numbers in {n_numbers} of "
            f"{n_present} rows but {_show(values.iloc[pos])} here ({int(bad.sum())} "
            "non-numeric value(s) in all); fix the value, leave the cell empty for a "
            "missing value, or list the column in text_columns/metadata_columns."
        )


#: A label is read as an id when it has at least this many classes...
ID_LIKE_MIN_CLASSES = 20
#: ...and at least this share of the examples are the only example of their class.
ID_LIKE_SINGLETON_SHARE = 0.5


def id_like_label(values: Any, column: str | None = None) -> str | None:
    """A warning when a class label looks like an id (almost every class has one example).

    A classifier cannot learn a class from one example, and no split can put a class in
    train and in dev; the usual cause is ``label_column`` naming the id or a free-text
    column. ``None`` when the label looks like classes.
    """
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))  # missing: -1
    present = codes[codes >= 0]
    if not len(present):
        return None
    # classes are the labels' texts (1 and "1" are one class): count codes, then merge texts
    texts = pd.Series(np.bincount(present, minlength=len(uniques)))
    counts = texts.groupby(np.array([str(u) for u in uniques], dtype=object)).sum()
    singletons = int((counts == 1).sum())
    if len(counts) < ID_LIKE_MIN_CLASSES or singletons < ID_LIKE_SINGLETON_SHARE * len(present):
        return None
    return (
        f"{'the label' if column is None else f'the label column {column!r}'} looks like an "
        f"id: {len(counts):,} classes for "
        f"{len(present):,} examples, {singletons:,} of them with a single example. A classifier "
        "cannot learn a class from one example and no split can stratify it; check "
        "label_column in yearn.toml (does it name an id or a text column?)."
    )

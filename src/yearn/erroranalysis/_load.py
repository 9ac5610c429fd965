"""Load a predictions table as classification even without ``proba:`` columns.

:func:`yearn.predictions.load_predictions` reads a table with ``label``/``pred`` and no
``proba:`` columns as regression; error analysis and slices are about right/wrong, so such
a table is read as (multiclass) classification here when its labels are not all numbers
with fractional values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from yearn.predictions import Predictions, load_predictions

__all__ = ["load_classification"]


def _columns(table: str | Path | pd.DataFrame) -> list[str]:
    if isinstance(table, pd.DataFrame):
        return [str(c) for c in table.columns]
    path = Path(table)
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        if path.suffix.lower() in (".csv", ".txt"):
            return [str(c) for c in pd.read_csv(path, nrows=0).columns]
    except Exception:  # unreadable: let load_predictions say why, with its message
        return []
    return []


def _fractional(table: str | Path | pd.DataFrame) -> bool:
    """Whether label or pred holds numbers that are not whole: a regression table."""
    if isinstance(table, pd.DataFrame):
        values = table[["label", "pred"]]
    else:
        path = Path(table)
        try:
            if path.suffix.lower() == ".parquet":
                values = pd.read_parquet(path, columns=["label", "pred"])
            else:
                values = pd.read_csv(path, usecols=["label", "pred"])
        except Exception:
            return False
    num = values.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if np.isnan(num).any():
        return False
    return bool((num != np.round(num)).any())


def load_classification(table: Predictions | str | Path | pd.DataFrame) -> Predictions:
    """A validated predictions table, read as classification when it has no ``proba:``
    columns but ``label``/``pred`` that are class names or whole numbers."""
    if isinstance(table, Predictions):
        return table
    cols = _columns(table)
    has_proba = any(c.startswith(("proba:", "label:")) for c in cols)
    if cols and not has_proba and "label" in cols and "pred" in cols and not _fractional(table):
        return load_predictions(table, task="multiclass")
    return load_predictions(table)

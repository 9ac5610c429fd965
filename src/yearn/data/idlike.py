"""The id-like rule: a column that is unique per row, or monotone with row order, names rows
rather than describing them (a row id, a running counter, a free-text key).

Shared by the profile's leakage check and by monitoring (which must leave ids out of drift).
It lives in the data layer and needs NumPy only, so monitoring can use it without importing
the profile's checks (and scikit-learn with them). ``view`` is any object with the fields of
:class:`yearn.profile.ColumnView` that the rule reads: ``kind`` (``numeric`` or
``categorical``; any other kind is never id-like), ``values`` (one entry per row: float64
numbers with NaN for missing, or category codes), ``n_missing``, ``integer_valued`` and
``n_unique`` (distinct present values).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["id_like_reason", "is_monotone"]

MIN_ROWS = 20  # fewer present values than this: never called id-like
UNIQUE_SHARE = 0.99  # distinct values per present value at or above: unique per row


def is_monotone(values: np.ndarray) -> bool:
    """Whether the present (finite) values strictly increase or strictly decrease with row
    order (at least 3 of them, and at least 90% of the rows present)."""
    head = values[:1000]
    head = np.diff(head[np.isfinite(head)])
    if head.size and not (np.all(head > 0) or np.all(head < 0)):
        return False  # cheap exit for the usual, non-monotone column
    v = values[np.isfinite(values)]
    if v.size < 3 or v.size < 0.9 * values.size:
        return False
    d = np.diff(v)
    return bool(np.all(d > 0) or np.all(d < 0))


def id_like_reason(view: Any) -> str | None:
    """Why a column looks like an identifier, or None."""
    n_present = view.values.size - view.n_missing
    if n_present < MIN_ROWS:
        return None
    if view.kind == "numeric":
        if is_monotone(view.values):
            return "strictly monotone with row order"
        head = view.values[:2000]
        head = head[np.isfinite(head)]
        likely = np.unique(head).size >= UNIQUE_SHARE * head.size
        if view.integer_valued and likely and view.n_unique >= UNIQUE_SHARE * n_present:
            return f"integer values unique per row ({view.n_unique} distinct in {n_present} rows)"
    elif view.kind == "categorical" and view.n_unique >= UNIQUE_SHARE * n_present:
        return f"unique per row ({view.n_unique} distinct in {n_present} rows)"
    return None

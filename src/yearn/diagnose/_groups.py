"""Group ids of a predictions table's rows, for intervals that count groups, not rows.

Rows of one group (the renders of one source image, one user's sessions, one patient's
scans) have correlated errors; the diagnosis then widens each error rate's interval by
its design effect and resamples whole groups in the bootstrap
(:mod:`yearn.diagnose._intervals`).
"""

from __future__ import annotations

import numpy as np

from yearn.diagnose._intervals import group_codes
from yearn.errors import PredictionsError
from yearn.predictions import Predictions

__all__ = ["grouping_note", "split_groups"]


def split_groups(p: Predictions, column: str | None) -> dict[str, np.ndarray] | None:
    """Integer group codes of each split's rows (in the split's row order), or ``None``
    without a column or when every group holds a single row (row-wise is then exact)."""
    if column is None:
        return None
    if column not in p.frame:
        raise PredictionsError(
            f"{p.source}: no column {column!r} to take group ids from (columns: "
            f"{', '.join(map(str, p.frame.columns))}); pass the table's group column, or "
            "none to count every row as independent."
        )
    codes = {s: group_codes(p.split(s).frame[column].to_numpy()) for s in p.splits}
    if all(c.size == 0 or np.bincount(c).max() == 1 for c in codes.values()):
        return None
    return codes


def grouping_note(column: str, codes: dict[str, np.ndarray], bootstrap: bool) -> str:
    """One sentence for the output: which groups the intervals count, per split."""
    parts = []
    for s, c in codes.items():
        m = int(np.unique(c).size)
        parts.append(f"{s.replace('_', '-')} {c.size:,} rows in {m:,} groups")
    how = (
        "resample whole groups"
        if bootstrap
        else "count groups, not rows (each error rate's interval uses its effective size)"
    )
    return (
        f"intervals {how}: rows sharing a value of the group column `{column}` have "
        f"correlated errors ({'; '.join(parts)})."
    )

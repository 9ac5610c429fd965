"""Cut a table into windows: by time (``1d``, ``6h``, ``2w``) or by rows (``10000rows``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from yearn.errors import ConfigError, DataError
from yearn.monitor._columns import TIME_NAMES
from yearn.monitor._table import Table

__all__ = ["Windows", "find_time_column", "make_windows"]

_SPEC = re.compile(r"^\s*(\d+)\s*(rows|h|d|w)\s*$")
_HOURS = {"h": 1, "d": 24, "w": 24 * 7}


@dataclass
class Windows:
    """Per-row window number (``codes``), with a label, start and end time per window."""

    labels: list[str]
    codes: np.ndarray
    starts: list[str | None]
    ends: list[str | None]

    def __len__(self) -> int:
        return len(self.labels)

    def sizes(self) -> np.ndarray:
        return np.bincount(self.codes, minlength=len(self))


def find_time_column(table: Table, name: str | None) -> str | None:
    """The named time column, or the first column named like a timestamp, or None."""
    if name is not None:
        if name not in table:
            raise DataError(
                f"{table.name}: no time column {name!r}; columns: {table.columns[:20]}."
            )
        return name
    return next((c for c in table.columns if c.lower() in TIME_NAMES), None)


def _times(table: Table, column: str) -> pd.Series:
    raw = table.column(column)
    try:
        times = pd.to_datetime(raw, utc=True)
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"{table.name}: column {column!r} is not a timestamp ({exc}); give ISO times "
            "such as 2026-01-31T12:00:00Z, or --time-column for another column."
        ) from None
    bad = np.flatnonzero(times.isna().to_numpy())
    if bad.size:
        raise DataError(
            f"{table.name}: row {int(bad[0]) + 2}, column {column!r}: missing timestamp; "
            "every row needs one."
        )
    return times


def make_windows(table: Table, spec: str, time_column: str | None) -> Windows:
    """Windows over ``table`` per ``spec``; rows are taken in time order when times exist."""
    match = _SPEC.match(str(spec))
    if not match:
        raise ConfigError(
            f"window {spec!r} not understood; use a duration (1d, 6h, 2w) or a row count "
            "(10000rows)."
        )
    size, unit = int(match.group(1)), match.group(2)
    if size < 1:
        raise ConfigError(f"window {spec!r}: the size must be at least 1.")
    times = _times(table, time_column) if time_column else None
    if unit == "rows":
        order = (
            np.argsort(times.to_numpy(), kind="stable") if times is not None else np.arange(table.n)
        )
        codes = np.empty(table.n, dtype=np.int64)
        codes[order] = np.arange(table.n) // size
        n_windows = int(codes.max()) + 1 if table.n else 0
        labels, starts, ends = [], [], []
        for w in range(n_windows):
            rows = order[w * size : (w + 1) * size]
            labels.append(f"rows {w * size + 1}-{w * size + rows.size}")
            if times is not None:
                starts.append(times.iloc[rows].min().isoformat())
                ends.append(times.iloc[rows].max().isoformat())
            else:
                starts.append(None)
                ends.append(None)
        return Windows(labels, codes, starts, ends)
    if times is None:
        raise DataError(
            f"{table.name}: window {spec!r} needs a timestamp column (named time or "
            "timestamp, or --time-column); or use a row window such as 10000rows."
        )
    step = pd.Timedelta(hours=size * _HOURS[unit])
    origin = times.min().floor("D")
    index = ((times - origin) // step).to_numpy(dtype=np.int64)
    present, codes = np.unique(index, return_inverse=True)
    labels = [f"{origin + int(k) * step:%Y-%m-%d %H:%M}" for k in present]
    starts = [(origin + int(k) * step).isoformat() for k in present]
    ends = [(origin + (int(k) + 1) * step).isoformat() for k in present]
    return Windows(labels, codes.astype(np.int64), starts, ends)

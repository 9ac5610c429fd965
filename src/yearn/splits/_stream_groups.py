"""The streamed split with a group column: rows become units (a group, or an example
without a group), as in :func:`~yearn.splits.four_way_split`, from per-row keys.

A unit is identified by its ``train_dev`` key (the hash of ``g:<group>`` or ``i:<id>``);
its size, target share, stratum and source (the most frequent, ties to the smallest name)
come from sorting the per-row arrays of its on-disk partition (``_stream_units``), never
from the group names, which are read again only to name a group in an error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from yearn.errors import DataError
from yearn.splits.manifest import SPLITS

__all__ = ["group_text", "id_text", "unit_fixed", "unit_mode", "units_of"]


def id_text(column: Any) -> list[str]:
    """Ids as the in-memory split's hash input: ``str(id)`` of each value."""
    import pyarrow as pa

    if pa.types.is_integer(column.type) or pa.types.is_string(column.type):
        return column.cast(pa.string()).to_pylist()
    if pa.types.is_large_string(column.type):
        return column.to_pylist()
    return [None if v is None else str(v) for v in column.to_pylist()]


def group_text(column: Any) -> list[str | None]:
    """Groups as the in-memory split names them: ``str(value)``; None, NaN and blank
    strings are no group."""
    out: list[str | None] = []
    for v in column.to_pylist():
        if v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip()):
            out.append(None)
        else:
            out.append(str(v))
    return out


def units_of(k_td: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit keys (sorted) and each row's unit index."""
    keys, unit_of = np.unique(k_td, return_inverse=True)
    return keys, unit_of.astype(np.int64).ravel()


def unit_mode(unit_of: np.ndarray, values: np.ndarray, n_units: int) -> np.ndarray:
    """The most frequent value per unit, ties to the smallest (``values`` are integer codes
    ordered as the names they stand for sort)."""
    width = int(values.max()) + 1 if values.size else 1
    uniq, counts = np.unique(unit_of * width + values.astype(np.int64), return_counts=True)
    unit, value = uniq // width, uniq % width
    order = np.lexsort((value, -counts, unit))
    first = order[np.r_[True, unit[order][1:] != unit[order][:-1]]]
    out = np.zeros(n_units, dtype=np.int64)
    out[unit[first]] = value[first]
    return out


def unit_fixed(
    fixed_rows: np.ndarray, unit_of: np.ndarray, n_units: int, name_of: Any
) -> np.ndarray:
    """Each unit's split in the previous manifest (-1: new); raises naming a group whose
    examples were in different splits."""
    known = fixed_rows >= 0
    pairs = np.unique(unit_of[known] * len(SPLITS) + fixed_rows[known].astype(np.int64))
    unit, split = pairs // len(SPLITS), pairs % len(SPLITS)
    twice = unit[1:][unit[1:] == unit[:-1]]
    if twice.size:
        held = sorted(SPLITS[s] for s in split[unit == twice[0]])
        raise DataError(
            f"group {name_of(int(twice[0]))!r} holds examples that the previous manifest put "
            f"in different splits ({', '.join(held)}): group ids changed since it was drawn. "
            "Split afresh (yearn split --fresh) so no group straddles splits."
        )
    out = np.full(n_units, -1, dtype=np.int64)
    out[unit] = split
    return out

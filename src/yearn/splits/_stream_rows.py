"""What the streamed split reads per row: the columns, label codes, and a repeated id
named from its keys."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from yearn.config import ProjectConfig
from yearn.data.budget import iter_batches, parquet_sources
from yearn.errors import DataError
from yearn.splits._hash import hash_units
from yearn.splits._stream_groups import id_text

__all__ = [
    "batch_ids",
    "batch_labels",
    "duplicate_ids",
    "label_codes",
    "name_duplicate",
    "split_columns",
]


def batch_ids(config: ProjectConfig, source: Any, batch: Any, start: int) -> list[str]:
    """The ids of a batch of ``source`` whose first row is row ``start`` (``name:row`` when
    the project has no id column); an empty id is refused with its row."""
    if config.id_column is None:
        return [f"{source.name}:{i}" for i in range(start, start + batch.num_rows)]
    ids = id_text(batch.column(config.id_column))
    blank = [i for i, v in enumerate(ids) if v is None or not v.strip()]
    if blank:
        raise DataError(
            f"{source.path} row {start + blank[0] + 2}: the id column {config.id_column!r} "
            f"is empty ({len(blank)} in this batch); every example needs a unique id (fill "
            "them in or drop id_column)."
        )
    return ids


def batch_labels(config: ProjectConfig, source: Any, batch: Any, keys: Any, start: int) -> Any:
    """The batch's label column as the streamed split keeps it: class codes (``keys``
    grows with new classes) or regression values; ``None`` without a single label."""
    label = config.label_columns[0] if len(config.label_columns) == 1 else None
    if label is None:
        return None
    if config.task in ("binary", "multiclass"):
        return label_codes(batch.column(label), keys, str(source.path), start)
    if config.task == "regression":
        return batch.column(label).cast("double").to_numpy(zero_copy_only=False)
    return None


def split_columns(config: ProjectConfig) -> list[str]:
    named = [config.id_column, config.group_column, *config.label_columns]
    return list(dict.fromkeys(c for c in named if c is not None))


def label_codes(column: Any, keys: Any, where: str, start: int) -> np.ndarray:
    import pyarrow.compute as pc

    from yearn.data.validate import Where, normalize_labels

    if column.null_count:
        row = start + int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
        raise DataError(
            f"{where} row {row + 2}: the label is empty; every example needs a label: fill "
            "them in or drop those rows."
        )
    distinct = pc.unique(column)
    frame = pd.DataFrame({"y": distinct.to_pandas()})
    text = normalize_labels(frame, "multiclass", ("y",), Where(where, 2))["y"].astype(str)
    codes = np.array([keys.classes.setdefault(t, len(keys.classes)) for t in text], np.int32)
    return codes[pc.index_in(column, value_set=distinct).to_numpy(zero_copy_only=False)]


def duplicate_ids(config: ProjectConfig, plan: Any, k_td: np.ndarray, scheme: str) -> None:
    """Raise naming a repeated id (equal keys, then the ids compared in a second pass)."""
    ordered = np.sort(k_td)
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return
    suspects = set(ordered[1:][same].tolist())
    del ordered, same
    name_duplicate(config, plan, suspects, scheme)


def name_duplicate(config: ProjectConfig, plan: Any, suspects: set[int], scheme: str) -> None:
    """Read the ids again; raise naming the first id whose key is in ``suspects`` and that
    occurs twice (equal keys of distinct ids are not an error)."""
    wanted = np.array(sorted(suspects), dtype=np.uint64)
    seen: dict[str, str] = {}
    for source in parquet_sources(config):
        start = 0
        for batch in iter_batches(source.path, [config.id_column], plan.batch_rows):
            ids = id_text(batch.column(config.id_column))
            hashed = hash_units(["i:" + v for v in ids], config.split.salt, "train_dev", scheme)
            for i in np.flatnonzero(np.isin(hashed, wanted)):
                where = f"{source.name} row {start + int(i)}"
                if ids[i] in seen:
                    raise DataError(
                        f"ids: id {ids[i]!r} occurs more than once ({seen[ids[i]]} and "
                        f"{where}); ids must be unique across all sources (prefix them with "
                        "the source name if sources reuse ids)."
                    )
                seen[ids[i]] = where
            start += batch.num_rows

"""The streamed manifest's table, written batch by batch (id, split, source, group)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from yearn.config import ProjectConfig
from yearn.data.budget import iter_batches, parquet_size, parquet_sources
from yearn.splits._stream_groups import group_text, id_text
from yearn.splits.manifest import SPLITS

__all__ = ["write_streamed"]


def write_streamed(config: ProjectConfig, plan: Any, code: np.ndarray, path: Path) -> None:
    """Write the manifest table (id, split, source, group) to ``path`` batch by batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    split_type = pa.dictionary(pa.int8(), pa.string())
    splits = pa.array(list(SPLITS), pa.string())
    writer = None
    start = 0
    try:
        for source in parquet_sources(config):
            local = 0
            columns = [c for c in (config.id_column, config.group_column) if c is not None]
            reader = (
                iter_batches(source.path, columns, plan.batch_rows)
                if columns
                else _row_counts(source.path, plan.batch_rows)
            )
            for batch in reader:
                n = batch if isinstance(batch, int) else batch.num_rows
                if config.id_column is None:
                    ids = pa.array([f"{source.name}:{i}" for i in range(local, local + n)])
                else:
                    column = batch.column(config.id_column)
                    ids = (
                        column
                        if pa.types.is_integer(column.type)
                        else pa.array(id_text(column), pa.string())
                    )
                    if pa.types.is_integer(ids.type):
                        ids = ids.cast(pa.int64())
                chunk = pa.table(
                    {
                        "id": ids,
                        "split": pa.DictionaryArray.from_arrays(
                            pa.array(code[start : start + n], pa.int8()), splits
                        ),
                        "source": pa.array([source.name] * n, pa.string()),
                        "group": pa.nulls(n, pa.string())
                        if config.group_column is None
                        else pa.array(group_text(batch.column(config.group_column)), pa.string()),
                    }
                )
                if writer is None:
                    schema = chunk.schema.set(1, pa.field("split", split_type))
                    writer = pq.ParquetWriter(path, schema)
                writer.write_table(chunk)
                start += n
                local += n
    finally:
        if writer is not None:
            writer.close()


def _row_counts(path: Path, rows: int):
    """Batch sizes of a file whose rows need no column read (generated ids)."""
    total = parquet_size(path).rows
    for begin in range(0, total, rows):
        yield min(rows, total - begin)

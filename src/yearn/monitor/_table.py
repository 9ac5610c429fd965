"""A table read one column at a time: a DataFrame, a CSV, a Parquet file, or a folder of
Parquet segments (the request log of ``yearn serve``). Large Parquet inputs are never held
whole in memory: each column is read, binned and dropped."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from yearn.data import release_memory
from yearn.errors import DataError

__all__ = ["Table", "open_table", "release_memory", "row_ids"]


class Table:
    """Column access over a frame or Parquet files (``column(name) -> Series``)."""

    def __init__(
        self, frame: pd.DataFrame | None = None, files: Sequence[Path] = (), name: str = ""
    ) -> None:
        self._frame = frame
        self._files = list(files)
        self.name = name or (str(files[0].parent) if files else "<DataFrame>")
        if frame is not None:
            self.columns = [str(c) for c in frame.columns]
            self.n = len(frame)
        else:
            import pyarrow.parquet as pq

            seen: dict[str, None] = {}
            self.n = 0
            for f in self._files:
                meta = pq.ParquetFile(f)
                self.n += meta.metadata.num_rows
                seen.update(dict.fromkeys(meta.schema_arrow.names))
            self.columns = list(seen)

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def column(self, name: str) -> pd.Series:
        """One column, all rows, in file order."""
        if name not in self.columns:
            raise DataError(f"{self.name}: no column {name!r}; columns: {self.columns[:20]}.")
        if self._frame is not None:
            return self._frame[name].reset_index(drop=True)
        import pyarrow.parquet as pq

        parts = []
        for f in self._files:
            pf = pq.ParquetFile(f)
            if name in pf.schema_arrow.names:
                parts.append(_series(pf.read(columns=[name], use_threads=False).column(0)))
            else:
                parts.append(pd.Series([None] * pf.metadata.num_rows, dtype=object))
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def frame(self, columns: Sequence[str]) -> pd.DataFrame:
        """Several columns as one frame."""
        return pd.DataFrame({c: self.column(c) for c in columns})


def _series(column) -> pd.Series:
    """An Arrow column as a Series: numbers and times as NumPy, text kept in Arrow (no
    Python object per row)."""
    import pyarrow as pa

    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pd.Series(pd.arrays.ArrowExtensionArray(column.combine_chunks()))
    return column.to_pandas()


def row_ids(table: Table, key: str) -> pd.Series:
    """One id per row from column ``key``: its values, or — when a value repeats, as
    ``request_id`` does for a request of several rows — ``<value>:<k>`` with ``k`` the
    row's position within that value (0, 1, ...) in log order."""
    ids = table.column(key).astype(str).reset_index(drop=True)
    if ids.duplicated().any():
        k = ids.groupby(ids, sort=False).cumcount().astype(str)
        ids = ids + ":" + k
    return ids


def open_table(source: pd.DataFrame | str | Path | Table) -> Table:
    """A :class:`Table` over a frame, a CSV/Parquet file or a folder of Parquet segments."""
    if isinstance(source, Table):
        return source
    if isinstance(source, pd.DataFrame):
        return Table(frame=source)
    path = Path(source)
    if path.is_dir():
        from yearn.serve import segment_files  # the request log's live segments, once each

        files = segment_files(path) or sorted(path.glob("*.parquet"))
        if not files:
            raise DataError(
                f"{path}: no .parquet segments in this folder; point --log at the request log "
                "of 'yearn serve' or at a CSV/Parquet table with a timestamp column."
            )
        return Table(files=files, name=str(path))
    if not path.is_file():
        raise DataError(f"{path}: file not found; give a CSV or Parquet table.")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return Table(files=[path], name=str(path))
    if suffix == ".csv":
        try:
            frame = pd.read_csv(path)
        except (ValueError, OSError) as exc:
            raise DataError(f"{path}: cannot read the CSV ({exc}); fix the file.") from None
        return Table(frame=frame, name=str(path))
    raise DataError(f"{path}: give a .csv or .parquet table (got {suffix!r}).")

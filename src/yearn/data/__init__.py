"""Loading data into one :class:`Dataset`, with validation that names file, column and row.

Sources: CSV / Parquet files, pandas / polars DataFrames, numpy arrays, image folders
(class sub-folders or a manifest of file paths) and text columns. See ``docs/data.md``.
"""

from yearn.data.dataset import Dataset, from_arrays, from_frame

__all__ = ["Dataset", "from_arrays", "from_frame"]

"""Loading data into one :class:`Dataset`, with validation that names file, column and row.

Sources: CSV / Parquet files, pandas / polars DataFrames, numpy arrays, image folders
(class sub-folders or a manifest of file paths) and text columns. See ``docs/data.md``.
"""

from yearn.data.dataset import Dataset
from yearn.data.frames import from_arrays, from_frame, infer_task
from yearn.data.idlike import id_like_reason
from yearn.data.images import IMAGE_SUFFIXES, load_images, read_image_folder
from yearn.data.memory import release_memory
from yearn.data.project import load_project
from yearn.data.screen import apply_screen, kept_columns, read_screen
from yearn.data.tables import read_table
from yearn.data.validate import id_like_label

__all__ = [
    "IMAGE_SUFFIXES",
    "Dataset",
    "apply_screen",
    "from_arrays",
    "from_frame",
    "id_like_label",
    "id_like_reason",
    "infer_task",
    "kept_columns",
    "load_images",
    "load_project",
    "read_image_folder",
    "read_screen",
    "read_table",
    "release_memory",
]

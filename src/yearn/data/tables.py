"""Reading CSV and Parquet files into pandas, with errors that say what is wrong and where."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from yearn._io import csv_duplicate_columns
from yearn.data.memory import release_memory
from yearn.errors import DataError

__all__ = ["TABLE_SUFFIXES", "read_table", "table_format"]

TABLE_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def table_format(path: Path, fmt: str = "auto") -> str:
    """``csv`` or ``parquet`` from ``fmt`` or, when ``auto``, from the file's extension."""
    if fmt in ("csv", "parquet"):
        return fmt
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return TABLE_SUFFIXES[suffix]
    raise DataError(
        f"{path}: cannot tell the format from the extension {suffix!r}; use .csv or "
        ".parquet, or set format = 'csv' / 'parquet' on the source in yearn.toml."
    )


def _parser_message(path: Path, detail: str) -> str:
    """Turn pandas' tokenizer message into one with the spreadsheet row (header = 1)."""
    quote = re.search(r"EOF inside string starting at row (\d+)", detail)
    if quote:
        row = int(quote.group(1)) + 1
        return (
            f"{path}, row {row}: malformed CSV — a quote opened on this row is never "
            "closed; close the quote or remove the stray quote character."
        )
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail)
    if fields:
        want, row, got = fields.groups()
        return (
            f"{path}, row {row}: malformed CSV — {got} fields where the header has {want}; "
            "quote values that contain commas or remove the extra separators."
        )
    detail = detail.strip().replace("\n", " ")
    return f"{path}: malformed CSV ({detail}); fix the file or save it again as CSV/Parquet."


def _read_csv(
    path: Path, text_columns: tuple[str, ...], columns: frozenset[str] | None = None
) -> pd.DataFrame:
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    dtype = dict.fromkeys(text_columns, "str") or None
    try:
        usecols = None if columns is None else (lambda name: name in columns)
        return pd.read_csv(path, sep=sep, low_memory=False, dtype=dtype, usecols=usecols)
    except pd.errors.EmptyDataError:
        raise DataError(
            f"{path}: the file is empty; a CSV needs a header line and one line per example."
        ) from None
    except pd.errors.ParserError as exc:
        raise DataError(_parser_message(path, str(exc))) from None
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason}); save the file as "
            "UTF-8 or convert it to Parquet."
        ) from None
    except csv.Error as exc:
        raise DataError(f"{path}: malformed CSV ({exc}).") from None


#: Columns read from Parquet and converted at a time: the peak is the frame plus this many
#: decoded columns, while the reader still decodes columns in parallel.
PARQUET_BATCH_COLUMNS = 8


def _read_parquet(
    path: Path,
    columns: frozenset[str] | None = None,
    categorical_except: frozenset[str] | None = None,
) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def fail(exc: Exception) -> DataError:
        return DataError(
            f"{path}: cannot read it as Parquet ({exc}); the file may be truncated or not "
            "Parquet at all — write it again (e.g. DataFrame.to_parquet)."
        )

    try:
        schema = pq.read_schema(path)
        index = [
            c for c in (schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)
        ]
        # a whole-file read restores the index from pandas' metadata (asked-for columns
        # are read as asked: pyarrow's conversion then restores an index among them)
        names = (
            [c for c in schema.names if c not in index]
            if columns is None
            else [c for c in schema.names if c in columns]
        )
        dictionary = None
        if categorical_except is not None:  # text columns as codes + categories
            dictionary = [
                c
                for c in names
                if c not in categorical_except
                and (pa.types.is_string(t := schema.field(c).type) or pa.types.is_large_string(t))
            ]
        handle = pq.ParquetFile(path, read_dictionary=dictionary or None)
    except (pa.ArrowException, OSError) as exc:
        raise fail(exc) from None
    # a few columns at a time, each batch converted (one block per column, each Arrow column
    # freed once converted) and its Arrow pages handed back before the next: the peak is the
    # frame plus a batch, not the table and the frame at once
    frames = []
    kept = [c for c in names if c in index]  # asked-for index columns: in every batch,
    names = [c for c in names if c not in index]  # so that every batch has the same index
    for start in range(0, max(len(names), 1), PARQUET_BATCH_COLUMNS):
        try:
            table = handle.read(
                columns=kept + names[start : start + PARQUET_BATCH_COLUMNS],
                use_pandas_metadata=columns is None,  # the index, as a whole-file read gives
            )
        except (pa.ArrowException, OSError) as exc:
            raise fail(exc) from None
        frames.append(table.to_pandas(split_blocks=True, self_destruct=True))
        del table
        release_memory()  # NumPy cannot reuse the pages Arrow freed
    if len(frames) == 1:
        return frames[0]
    merged = {name: col for frame in frames for name, col in frame.items()}
    return pd.DataFrame(merged, index=frames[0].index, copy=False)


def read_table(
    path: str | Path,
    *,
    format: str = "auto",
    text_columns: Sequence[str] = (),
    columns: Sequence[str] | None = None,
    categorical_except: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame.

    ``text_columns`` of a CSV are read as strings (``007`` stays ``007``); ``format`` is
    ``auto`` (by extension: .csv/.tsv/.txt, .parquet/.pq), ``csv`` or ``parquet``.
    ``columns`` reads only those of the file's columns (the others are never parsed).
    With ``categorical_except`` every text column of a Parquet file except those named is
    read as a pandas ``Categorical`` (Parquet's dictionary: a code per row, each distinct
    value stored once); CSV columns are read as without it.

    Raises :class:`DataError` for a missing, empty, truncated or malformed file, naming
    the file and, where the parser knows it, the line.
    """
    path = Path(path)
    if not path.exists():
        parent = path.parent
        hint = (
            f"the folder {parent} does not exist"
            if not parent.exists()
            else "check the path in yearn.toml (it is relative to the project folder)"
        )
        raise DataError(f"{path}: file not found; {hint}.")
    if path.is_dir():
        raise DataError(
            f"{path}: is a folder, not a table; point at a .csv/.parquet file, or use "
            "format = 'image_folder' for a folder of class sub-folders."
        )
    fmt = table_format(path, format)
    wanted = None if columns is None else frozenset(columns)
    frame = (
        _read_csv(path, tuple(text_columns), wanted)
        if fmt == "csv"
        else _read_parquet(
            path, wanted, None if categorical_except is None else frozenset(categorical_except)
        )
    )
    duplicated = list(dict.fromkeys(frame.columns[frame.columns.duplicated()]))
    if fmt == "csv":  # pandas renames a second 'a' to 'a.1': read the header line itself
        duplicated = csv_duplicate_columns(path, "\t" if path.suffix.lower() == ".tsv" else ",")
    if duplicated:
        names = ", ".join(repr(str(c)) for c in duplicated)
        raise DataError(
            f"{path}: duplicate column name(s) {names} in the header; every column needs its "
            "own name — rename or delete the copies."
        )
    frame.columns = [str(c) for c in frame.columns]
    return frame

"""A memory budget for data larger than memory: parse ``"4GB"``, measure this process's
memory, estimate a Parquet table's in-memory size from its metadata and read it in
batches that fit.

Used by the streaming profile (``yearn profile --memory``) and the streaming split
(``yearn split --memory``). See ``docs/scale.md``.
"""

from __future__ import annotations

import re
import resource
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yearn.config import ProjectConfig, SourceConfig
from yearn.data.project import source_format
from yearn.errors import ConfigError, DataError

__all__ = [
    "CsvSize",
    "InMemorySize",
    "ParquetSize",
    "StreamPlan",
    "batch_rows",
    "csv_size",
    "csv_source_names",
    "format_bytes",
    "in_memory_size",
    "iter_batches",
    "manifest_memory",
    "parquet_size",
    "parquet_sources",
    "parse_memory",
    "peak_rss",
    "rss",
]

_UNITS = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "kb": 10**3,
    "m": 10**6,
    "mb": 10**6,
    "g": 10**9,
    "gb": 10**9,
    "t": 10**12,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
#: Bytes per value of the fixed-width Parquet physical types once in memory.
_WIDTH = {"BOOLEAN": 1, "INT32": 4, "FLOAT": 4, "INT64": 8, "DOUBLE": 8, "INT96": 12}


def parse_memory(text: str | int) -> int:
    """Bytes from ``"4GB"``, ``"512MB"``, ``"2GiB"`` or a plain number of bytes
    (GB = 10**9 bytes, GiB = 2**30)."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", str(text))
        unit = match.group(2).lower() if match else None
        if match is None or unit not in _UNITS:
            raise ConfigError(f"--memory {text!r} is not a size; write it like 4GB, 512MB or 2GiB.")
        value = int(float(match.group(1)) * _UNITS[unit])
    if value <= 0:
        raise ConfigError(f"--memory {text!r} must be a positive size, like 4GB.")
    return value


def format_bytes(n: float) -> str:
    """``1.23 GB`` / ``456 MB`` (decimal units, as ``--memory`` reads them)."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g} {unit}" if n / size < 100 else f"{n / size:.0f} {unit}"
    return f"{int(n)} B"


def rss() -> int:
    """This process's resident memory now, in bytes (Linux; else the peak so far)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return peak_rss()


def peak_rss() -> int:
    """This process's peak resident memory so far, in bytes."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


@dataclass(frozen=True)
class StreamPlan:
    """How a step (the split, the profile) runs under a memory budget: in memory, or
    streamed in batches of ``batch_rows`` (the profile adds a sample of ``sample_rows``
    for its model-based checks), with the estimates it was decided from."""

    mode: str  # "in-memory" or "streaming"
    budget: int
    rows: int
    data_bytes: float  # the data's in-memory size, from the Parquet footers
    in_memory_bytes: float  # the peak estimated in memory
    stream_bytes: float = 0.0  # the peak estimated streaming (without the sample)
    baseline: int = 0  # this process's memory when planned
    batch_rows: int = 0
    sample_rows: int = 0
    methods: tuple[tuple[str, str], ...] = ()  # (figure, how it is computed)
    note: str = ""  # e.g. why the data is read whole

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mode": self.mode,
            "memory_budget": self.budget,
            "rows": self.rows,
            "data_bytes_estimate": int(self.data_bytes),
            "in_memory_peak_estimate": int(self.in_memory_bytes),
            "streaming_peak_estimate": int(self.stream_bytes),
            "batch_rows": self.batch_rows,
            "sample_rows": self.sample_rows,
        }
        if self.methods:
            out["methods"] = dict(self.methods)
        return {**out, "note": self.note} if self.note else out


@dataclass(frozen=True)
class ParquetSize:
    """A Parquet file's rows and in-memory bytes per row of each column (from metadata)."""

    path: Path
    rows: int
    row_groups: int
    widths: dict[str, float]
    largest_group: int = 0  # rows of the largest row group
    fixed_width: tuple[str, ...] = ()  # columns of a fixed-width (number) type

    def bytes(self, columns: Sequence[str] | None = None) -> float:
        """In-memory bytes of ``columns`` (all when None)."""
        names = self.widths if columns is None else [c for c in columns if c in self.widths]
        return self.rows * sum(self.widths[c] for c in names)


def parquet_size(path: str | Path) -> ParquetSize:
    """Rows and per-column widths of a Parquet file, read from its footer only: a
    fixed-width column its type's width, a text column its uncompressed bytes per row
    plus an 8-byte offset (Arrow-backed strings, as pandas reads them)."""
    import pyarrow.parquet as pq

    path = Path(path)
    try:
        meta = pq.ParquetFile(path).metadata
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read the Parquet footer ({exc}); is it Parquet?") from None
    rows = meta.num_rows
    schema = meta.schema
    widths: dict[str, float] = {}
    fixed: list[str] = []
    for i in range(meta.num_columns):
        col = schema.column(i)
        name = col.path.split(".")[0]
        physical = col.physical_type
        if physical in _WIDTH:
            widths[name] = widths.get(name, 0.0) + _WIDTH[physical]
            fixed.append(name)
            continue
        raw = sum(
            meta.row_group(g).column(i).total_uncompressed_size for g in range(meta.num_row_groups)
        )
        widths[name] = widths.get(name, 0.0) + raw / max(rows, 1) + 8
    largest = max((meta.row_group(g).num_rows for g in range(meta.num_row_groups)), default=0)
    return ParquetSize(path, rows, meta.num_row_groups, widths, largest, tuple(fixed))


def parquet_sources(config: ProjectConfig, why: str = "") -> list[SourceConfig]:
    """The project's sources, each a Parquet file (the streaming paths read only Parquet);
    ``why`` (e.g. the size that does not fit) goes into the refusal of any other."""
    for source in config.sources:
        _require_format(source, ("parquet",), why)
    return list(config.sources)


def _require_format(source: SourceConfig, formats: tuple[str, ...], why: str = "") -> str:
    """The source's format when it is one of ``formats``; else the refusal (a missing
    file, or a format ``--memory`` does not stream)."""
    if not source.path.exists():
        raise DataError(
            f"source {source.name!r}: {source.path} not found; fix sources.path in yearn.toml."
        )
    fmt = source_format(source)
    if fmt not in formats:
        if fmt == "image_folder":
            raise ConfigError(
                f"source {source.name!r}: {source.path} is an image folder, and --memory "
                "streams Parquet tables only; drop --memory for this project."
            )
        convert = "pandas.read_csv(path).to_parquet('data.parquet')"
        if fmt == "csv":
            sep = ", sep='\\t'" if source.path.suffix.lower() == ".tsv" else ""
            target = source.path.with_suffix(".parquet")
            convert = (
                f"python -c \"import pandas; pandas.read_csv('{source.path}'{sep})"
                f".to_parquet('{target}')\", then set the source's path to {target.name}"
            )
        raise ConfigError(
            f"source {source.name!r}: {source.path} is {fmt}{why}, and --memory streams "
            f"Parquet only; convert it once ({convert}) or drop --memory."
        )
    return fmt


#: peak memory of pandas' CSV reader as a multiple of the file's size (measured: 2.33x on a
#: 216 MB file of 300,000 rows x 52 columns, numbers and short text)
CSV_READ_FACTOR = 2.5
#: the first bytes of a CSV file parsed to estimate its in-memory size
CSV_SAMPLE_BYTES = 4 << 20


@dataclass(frozen=True)
class CsvSize:
    """A CSV file's rows and in-memory bytes per row of each column, estimated by reading
    its first lines (``CSV_SAMPLE_BYTES``) as pandas reads the file; exact for a small file."""

    path: Path
    rows: int
    widths: dict[str, float]
    file_bytes: int

    def bytes(self, columns: Sequence[str] | None = None) -> float:
        """In-memory bytes of ``columns`` (all when None)."""
        names = self.widths if columns is None else [c for c in columns if c in self.widths]
        return self.rows * sum(self.widths[c] for c in names)


def _whole_lines(head: bytes) -> bytes:
    """``head`` up to its last line end outside quotes (a quoted field may hold one)."""
    end = len(head)
    while (end := head.rfind(b"\n", 0, end)) >= 0:
        if head.count(b'"', 0, end) % 2 == 0:
            return head[: end + 1]
    return head


def csv_size(path: str | Path) -> CsvSize:
    """Rows and per-column in-memory widths of a CSV file, from its first lines."""
    import io

    import pandas as pd

    path = Path(path)
    total = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(CSV_SAMPLE_BYTES)
    if len(head) < total:
        head = _whole_lines(head)
    header = len(head.split(b"\n", 1)[0]) + 1
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        sample = pd.read_csv(io.BytesIO(head), sep=sep, low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{path}: cannot read its first lines as CSV ({exc}); fix the file or convert it "
            "to Parquet."
        ) from None
    body = max(len(head) - header, 1)
    rows = len(sample) if len(head) >= total else round(len(sample) * (total - header) / body)
    used = sample.memory_usage(deep=True, index=False)
    widths = {str(c): float(used[c]) / max(len(sample), 1) for c in sample.columns}
    return CsvSize(path, rows, widths, total)


@dataclass(frozen=True)
class InMemorySize:
    """What reading every source whole would take: rows, the data's in-memory bytes and
    the reading's peak (a CSV parse holds about ``CSV_READ_FACTOR`` times the file)."""

    rows: int
    data_bytes: float
    read_peak: float
    csv_sources: tuple[str, ...]

    @property
    def note(self) -> str:
        names = ", ".join(repr(n) for n in self.csv_sources)
        return f"CSV source(s) {names} read whole: --memory streams Parquet only"


def csv_source_names(config: ProjectConfig) -> list[str]:
    """The names of the project's CSV sources (``--memory`` streams Parquet only)."""
    return [s.name for s in config.sources if s.path.is_file() and source_format(s) == "csv"]


def in_memory_size(config: ProjectConfig, columns: Sequence[str] | None = None) -> InMemorySize:
    """Rows, in-memory bytes (of ``columns``; all when None) and reading peak of a project
    whose sources are Parquet and CSV files (Parquet from its footer, CSV from its first
    lines). Any other source is refused as :func:`parquet_sources` refuses it."""
    rows, data, peak, csv = 0, 0.0, 0.0, []
    for source in config.sources:
        fmt = _require_format(source, ("parquet", "csv"))
        size: ParquetSize | CsvSize
        if fmt == "csv":
            size = csv_size(source.path)
            peak = max(peak, CSV_READ_FACTOR * size.file_bytes)
            csv.append(source.name)
        else:
            size = parquet_size(source.path)
        rows += size.rows
        data += size.bytes(columns)
    return InMemorySize(rows, data, data + peak, tuple(csv))


#: memory per example of a saved split manifest when all its keys are loaded (growing a
#: manifest, or a profile whose data no longer lists the manifest's ids in order): the keys
#: and splits held and sorted (measured: 33 bytes a row from 4M to 12M rows) ...
MANIFEST_BYTES_PER_ROW = 40
#: ... plus one batch of ids as Python strings while it is read
MANIFEST_BATCH_BYTES = 350_000_000


def manifest_memory(root: Path) -> float:
    """Memory to load every key of ``root``'s saved split manifest (0 when it has none)."""
    import pyarrow.parquet as pq

    from yearn.paths import ProjectPaths

    path = ProjectPaths(root).manifest
    if not path.exists():
        return 0.0
    rows = pq.ParquetFile(path).metadata.num_rows
    return rows * MANIFEST_BYTES_PER_ROW + min(rows, 1 << 20) * MANIFEST_BATCH_BYTES / (1 << 20)


def batch_rows(budget: int, bytes_per_row: float, share: float = 0.05, cap: int = 1 << 20) -> int:
    """Rows per batch so one batch takes about ``share`` of ``budget`` (at least 1,024)."""
    return int(max(1024, min(cap, budget * share / max(bytes_per_row, 1.0))))


def iter_batches(path: str | Path, columns: Sequence[str] | None, rows: int) -> Iterator[Any]:
    """``pyarrow.RecordBatch`` es of at most ``rows`` rows of ``columns`` of a Parquet file."""
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path, buffer_size=1 << 20)
    missing = [c for c in columns or () if c not in handle.schema_arrow.names]
    if missing:
        raise DataError(
            f"{path}: column(s) {missing} named in yearn.toml are not in the file; columns: "
            f"{', '.join(handle.schema_arrow.names[:20])}."
        )
    yield from handle.iter_batches(
        batch_size=rows, columns=None if columns is None else list(columns)
    )

"""Per-row state on disk, for data larger than memory: fixed-width records appended to a
file and read back in chunks (:class:`Spill`), or spread over files by the top bits of a
64-bit hash so that equal hashes share a file and the files come in hash order
(:class:`Partitions`: an on-disk hash partition, one partition in memory at a time).

Files are read with ``numpy.fromfile``, never memory-mapped, so the page cache does not
count as this process's memory. Used by the streamed split and profile (``--memory``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from yearn.errors import ConfigError

__all__ = ["Partitions", "Spill", "check_disk", "partition_bits"]


class Spill:
    """Records of ``dtype`` (a numpy structured dtype) appended to ``path``."""

    def __init__(self, path: Path, dtype: Any) -> None:
        self.path = Path(path)
        self.dtype = np.dtype(dtype)
        self.rows = 0
        self.path.write_bytes(b"")

    def append(self, records: np.ndarray) -> None:
        """Append ``records`` (an array of this spill's dtype). The file is opened for each
        append, so thousands of partitions never hold thousands of open files."""
        with open(self.path, "ab") as fh:
            np.ascontiguousarray(records, dtype=self.dtype).tofile(fh)
        self.rows += len(records)

    def chunks(self, rows: int) -> Iterator[tuple[int, np.ndarray]]:
        """``(first row, records)`` of at most ``rows`` records at a time, in order."""
        with open(self.path, "rb") as fh:
            start = 0
            while start < self.rows:
                part = np.fromfile(fh, dtype=self.dtype, count=min(rows, self.rows - start))
                yield start, part
                start += len(part)

    def read(self, start: int, count: int) -> np.ndarray:
        """Records ``start .. start + count`` (fewer at the end)."""
        with open(self.path, "rb") as fh:
            fh.seek(start * self.dtype.itemsize)
            return np.fromfile(fh, dtype=self.dtype, count=max(0, min(count, self.rows - start)))

    def read_all(self) -> np.ndarray:
        return np.fromfile(self.path, dtype=self.dtype, count=self.rows)


def partition_bits(rows: int, record_bytes: int, memory: float) -> int:
    """Top bits to partition ``rows`` records on so that one partition, with about three
    times its size in temporaries (a sort), takes at most ``memory`` bytes (0..12)."""
    need = rows * record_bytes * 4.0
    bits = 0
    while need / 2**bits > memory and bits < 12:
        bits += 1
    return bits


class Partitions:
    """Records spread over ``2**bits`` spills in ``folder`` by the top ``bits`` bits of
    the uint64 field ``key``: equal keys land in one partition, and partition ``p`` holds
    the keys of the ``p``-th of ``2**bits`` equal ranges, so partitions come in key order."""

    def __init__(self, folder: Path, name: str, dtype: Any, bits: int, key: str = "key") -> None:
        self.bits = bits
        self.key = key
        self.parts = [Spill(Path(folder) / f"{name}.{p}.bin", dtype) for p in range(1 << bits)]

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.parts)

    def append(self, records: np.ndarray) -> None:
        if self.bits == 0:
            self.parts[0].append(records)
            return
        which = (records[self.key] >> np.uint64(64 - self.bits)).astype(np.int64)
        order = np.argsort(which, kind="stable")
        ends = np.cumsum(np.bincount(which, minlength=len(self.parts)))
        ordered = records[order]
        begin = 0
        for p, end in enumerate(ends.tolist()):
            if end > begin:
                self.parts[p].append(ordered[begin:end])
            begin = end

    def __iter__(self) -> Iterator[np.ndarray]:
        """Each non-empty partition's records (in the order appended), one at a time."""
        for part in self.parts:
            if part.rows:
                yield part.read_all()


def check_disk(need: float, what: str) -> Path:
    """The temporary folder (``TMPDIR``); raises when it has not ``need`` bytes (+10%) free
    for ``what`` ("the streamed split of 50,000,000 rows")."""
    import shutil
    import tempfile

    from yearn.data.budget import format_bytes

    folder = Path(tempfile.gettempdir())
    free = shutil.disk_usage(folder).free
    if free < need * 1.1:
        raise ConfigError(
            f"{folder}: {format_bytes(free)} free, and {what} spills about "
            f"{format_bytes(need)} there; free disk space or point TMPDIR at a larger disk."
        )
    return folder

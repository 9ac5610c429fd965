"""The append-only request log: one Parquet segment per write of served batches.

Layout (the contract monitoring reads): ``ProjectPaths(root).request_log`` holds
``part-<first>-<last>.parquet`` files, one row per predicted row, with the columns
``time`` (UTC), ``request_id``, ``model_version``, ``latency_ms``, the input columns by their
schema names, ``pred`` (multi-label: ``pred:<task>``) and ``proba:<class>``. Image inputs
are logged as their height x width (the pixels are not kept).

Batches are written as new segments (temporary file, fsync, rename) *before* their callers
get their answers: the server commits every batch finished since its last write as one
segment (group commit), so an answered request is always on disk, a crash loses only
requests not yet answered, and no segment is ever half-written. Segments written by this
process are merged into one larger segment (in a background thread) when there are many of
them and on :meth:`RequestLog.close`; the merged file's name covers the sequence numbers it
replaces, so if a crash strikes between writing it and deleting the small ones,
:func:`read_request_log` still counts every row once.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from yearn._io import atomic_write
from yearn.paths import ProjectPaths
from yearn.serve._schema import Column

__all__ = ["RequestLog", "read_request_log", "segment_files"]

log = logging.getLogger(__name__)

_NAME = re.compile(r"^part-(?P<writer>[0-9a-f]{8})-(?P<first>\d{12})-(?P<last>\d{12})\.parquet$")


def _segment_name(writer: str, first: int, last: int) -> str:
    return f"part-{writer}-{first:012d}-{last:012d}.parquet"


def segment_files(folder: str | Path) -> list[Path]:
    """The live segments of a request-log folder, oldest first (merged-away ones left out)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    spans: list[tuple[str, int, int, Path]] = []
    for path in folder.iterdir():
        m = _NAME.match(path.name)
        if m:
            spans.append((m["writer"], int(m["first"]), int(m["last"]), path))
    live = [
        s
        for s in spans
        if not any(
            o[0] == s[0] and o[1] <= s[1] and s[2] <= o[2] and (o[1], o[2]) != (s[1], s[2])
            for o in spans
        )
    ]
    return [s[3] for s in sorted(live, key=lambda s: (s[3].stat().st_mtime_ns, s[1]))]


def read_request_log(root_or_folder: str | Path) -> pd.DataFrame:
    """Every logged row of a project (or of a request-log folder), in time order."""
    folder = Path(root_or_folder)
    if (folder / ProjectPaths(folder).state_dir.name).is_dir():
        folder = ProjectPaths(folder).request_log
    files = segment_files(folder)
    if not files:
        return pd.DataFrame(columns=["time", "request_id", "model_version", "latency_ms"])
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return frame.sort_values("time", kind="stable", ignore_index=True)


class RequestLog:
    """Writes served batches to a project's request log (thread-safe).

    ``merge_every`` small segments of this writer are merged into one (0: never merge
    while serving; :meth:`close` always merges).
    """

    def __init__(
        self,
        folder: str | Path,
        columns: Sequence[Column],
        classes: Sequence[str] = (),
        *,
        merge_every: int = 256,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.columns = list(columns)
        self.classes = [str(c) for c in classes]
        self.merge_every = merge_every
        self.writer = uuid.uuid4().hex[:8]
        self._seq = 0
        self._small: list[tuple[int, Path]] = []
        self._lock = threading.Lock()
        self._merger: threading.Thread | None = None
        self.rows_written = 0

    @classmethod
    def for_project(cls, root: str | Path, columns: Sequence[Column], classes=()) -> RequestLog:
        return cls(ProjectPaths(root).request_log, columns, classes)

    def _input_values(self, inputs: pd.DataFrame) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for col in self.columns:
            series = inputs[col.name]
            if col.kind == "numeric":
                values[col.name] = pa.array(_floats(series), type=pa.float64())
            elif col.kind == "category":
                values[col.name] = pa.array(
                    [None if v is None else str(v) for v in series], type=pa.string()
                )
            else:  # image pixels are not kept; their size is
                values[col.name] = pa.array(
                    [None if v is None else f"image {col.height}x{col.width}" for v in series],
                    type=pa.string(),
                )
        return values

    def table(
        self,
        inputs: pd.DataFrame,
        outputs: pd.DataFrame,
        request_ids: Sequence[str],
        latency_ms: Sequence[float],
        model_version: str,
        time: datetime | None = None,
    ) -> pa.Table:
        """The log rows of one batch (``request_ids`` / ``latency_ms`` one per row)."""
        n = len(inputs)
        stamp = time or datetime.now(UTC)
        cols: dict[str, Any] = {
            "time": pa.array([stamp] * n, type=pa.timestamp("us", tz="UTC")),
            "request_id": pa.array(list(request_ids), type=pa.string()),
            "model_version": pa.array([model_version] * n, type=pa.string()),
            "latency_ms": pa.array(np.asarray(latency_ms, dtype=np.float64)),
        }
        cols.update(self._input_values(inputs))
        for name in outputs.columns:
            name = str(name)
            if name == "pred" or name.startswith("pred:"):
                values = outputs[name]
                cols[name] = (
                    pa.array(_floats(values))
                    if pd.api.types.is_numeric_dtype(values)
                    else pa.array([None if v is None else str(v) for v in values], pa.string())
                )
        for name in outputs.columns:
            if str(name).startswith("proba:"):
                cols[str(name)] = pa.array(_floats(outputs[name]))
        return pa.table(cols)

    def append(self, table: pa.Table) -> Path:
        """Write one batch as a new segment (atomic, fsynced); returns its path. Several
        threads may append at once (each writes its own file). When ``merge_every`` small
        segments have piled up, a background thread merges them."""
        with self._lock:
            self._seq += 1
            seq = self._seq
        path = self.folder / _segment_name(self.writer, seq, seq)
        with atomic_write(path) as tmp:
            # small and short-lived (merged later): no statistics or dictionaries
            pq.write_table(table, tmp, write_statistics=False, use_dictionary=False)
        # atomic_write fsynced the file and the folder (the rename): durable now
        with self._lock:
            self._small.append((seq, path))
            self.rows_written += table.num_rows
            due = self.merge_every and len(self._small) >= self.merge_every
            if due and (self._merger is None or not self._merger.is_alive()):
                batch, self._small = self._small, []
                self._merger = threading.Thread(
                    target=self._merge, args=(batch,), name="yearn-request-log-merge", daemon=True
                )
                self._merger.start()
        return path

    def append_tables(self, tables: Sequence[pa.Table]) -> Path:
        """Write the rows of several batches as one segment (a group commit)."""
        if len(tables) == 1:
            return self.append(tables[0])
        return self.append(pa.concat_tables(list(tables), promote_options="default"))

    def _merge(self, segments: list[tuple[int, Path]]) -> None:
        """Merge each run of consecutive segments into one whose name covers their
        sequence numbers, then delete them (a crash in between leaves them covered, never
        counted twice). A segment whose neighbour is still being written waits for a later
        merge: a merged name never covers a number whose segment is not in it."""
        for run in _runs(sorted(segments)):
            if len(run) < 2:
                with self._lock:
                    self._small.extend(run)
                continue
            first, last = run[0][0], run[-1][0]
            tables = [pq.read_table(p) for _, p in run]
            merged = pa.concat_tables(tables, promote_options="default")
            target = self.folder / _segment_name(self.writer, first, last)
            with atomic_write(target) as tmp:
                pq.write_table(merged, tmp)
            for _, p in run:
                p.unlink(missing_ok=True)

    def close(self) -> None:
        """Wait for a running merge, then merge the remaining small segments (call it once
        no append is under way)."""
        if self._merger is not None:
            self._merger.join()
        with self._lock:
            batch, self._small = self._small, []
        self._merge(batch)


def _runs(segments: list[tuple[int, Path]]) -> list[list[tuple[int, Path]]]:
    """Sorted segments split into runs of consecutive sequence numbers."""
    runs: list[list[tuple[int, Path]]] = []
    for seg in segments:
        if runs and runs[-1][-1][0] + 1 == seg[0]:
            runs[-1].append(seg)
        else:
            runs.append([seg])
    return runs


def _floats(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype=np.float64, na_value=np.nan)

"""The append-only request log: one Parquet segment per write of served batches.

Layout (the contract monitoring reads): ``ProjectPaths(root).request_log`` holds
``part-<first>-<last>.parquet`` files, one row per predicted row, with the columns
``time`` (UTC), ``request_id``, ``model_version``, ``latency_ms``, the input columns by their
schema names, ``pred`` (multi-label: ``pred:<task>``) and ``proba:<class>``. Image inputs
are logged as their height x width (the pixels are not kept).

Batches are written as new segments (temporary file, rename) *before* their callers get
their answers: the server commits every batch finished since its last write as one segment
(group commit), so no segment is ever half-written. How far "written" goes is the ``sync``
mode (like a database's synchronous commit):

* ``"process"`` (default): the segment is handed to the operating system (``write`` and
  ``rename``) before the answer, and every ``sync_every_s`` (1 s) a background thread merges
  the segments written since its last round into one fsynced segment (fsyncing the few it
  could not merge, and the folder). A killed server (SIGKILL, out of memory, an
  exception) loses no answered request: the kernel holds the data. A machine crash or power
  loss can lose the answered requests of the last ~1 s.
* ``"machine"``: each segment and the folder are fsynced before the answer: an answered
  request survives a power loss too, at the disk's fsync latency on every answer.
 Segments written by this
process are merged into one larger segment (in a background thread) when there are many of
them and on :meth:`RequestLog.close`; the merged file's name covers the sequence numbers it
replaces, so if a crash strikes between writing it and deleting the small ones,
:func:`read_request_log` still counts every row once.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
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
from yearn.errors import ConfigError
from yearn.paths import ProjectPaths
from yearn.serve._schema import Column

__all__ = ["LOG_SYNC_MODES", "RequestLog", "read_request_log", "segment_files"]

#: what an answered request survives: a killed server process, or a machine crash
LOG_SYNC_MODES = ("process", "machine")

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
    while serving; :meth:`close` always merges). ``sync``: ``"process"`` (answered rows are
    handed to the OS before the answer and fsynced in the background every
    ``sync_every_s``) or ``"machine"`` (fsynced before the answer); see the module docstring.
    """

    def __init__(
        self,
        folder: str | Path,
        columns: Sequence[Column],
        classes: Sequence[str] = (),
        *,
        merge_every: int = 256,
        sync: str = "process",
        sync_every_s: float = 1.0,
    ) -> None:
        if sync not in LOG_SYNC_MODES:
            raise ConfigError(
                f"unknown request-log sync mode {sync!r}: use 'process' (survives a killed "
                "server; a machine crash can lose ~1 s of answers) or 'machine' (fsync before "
                "every answer)."
            )
        self.sync = sync
        self.sync_every_s = float(sync_every_s)
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
        self._unsynced: list[Path] = []  # "process" mode: written, not yet fsynced
        self._syncer: threading.Thread | None = None
        self._stop_syncing = threading.Event()
        #: background fsync rounds done, and the last one's error (None: none failed)
        self.syncs = 0
        self.sync_error: str | None = None

    @property
    def survives(self) -> str:
        """What an answered request survives, in words (for /health and the start-up line)."""
        if self.sync == "machine":
            return "fsynced before each answer: survives a machine crash"
        return (
            "handed to the OS before each answer, fsynced every "
            f"{self.sync_every_s:g} s: survives a killed server; a machine crash can lose "
            f"the last ~{self.sync_every_s:g} s of answers"
        )

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
        """Write one batch as a new segment (atomic; fsynced in ``"machine"`` mode, handed
        to the OS and queued for the background fsync in ``"process"`` mode); returns its
        path. Several threads may append at once (each writes its own file). When
        ``merge_every`` small segments have piled up, a background thread merges them."""
        with self._lock:
            self._seq += 1
            seq = self._seq
        path = self.folder / _segment_name(self.writer, seq, seq)
        if self.sync == "machine":
            with atomic_write(path) as tmp:
                # small and short-lived (merged later): no statistics or dictionaries
                pq.write_table(table, tmp, write_statistics=False, use_dictionary=False)
            # atomic_write fsynced the file and the folder (the rename): durable now
        else:
            _write_and_rename(path, table)  # in the kernel's hands: survives a killed process
        with self._lock:
            if self.sync == "process":
                self._unsynced.append(path)
                if self._syncer is None:
                    self._syncer = threading.Thread(
                        target=self._sync_loop, name="yearn-request-log-sync", daemon=True
                    )
                    self._syncer.start()
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

    def flush(self) -> int:
        """fsync the segments written since the last flush, then the folder (their names);
        returns how many were fsynced. Merged-away segments are skipped: the merged file
        holding their rows was fsynced when written."""
        with self._lock:
            paths, self._unsynced = self._unsynced, []
        done = 0
        for path in paths:
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue  # merged away
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            done += 1
        if paths:
            fd = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        return done

    def sync_round(self) -> None:
        """Make everything written so far durable: merge the small segments written since
        the last round (each run into one fsynced file: two fsyncs, not two per segment;
        measured at 64 clients, fsyncing each segment cost up to a third of the
        throughput), then fsync the ones left alone and the folder. ``"process"`` mode runs
        it in the background every ``sync_every_s``."""
        with self._lock:
            batch, self._small = self._small, []
        self._merge(batch)
        self.flush()
        self.syncs += 1

    def _sync_loop(self) -> None:
        while not self._stop_syncing.wait(self.sync_every_s):
            try:
                self.sync_round()
            except OSError as exc:  # the answers are out: say so loudly, keep serving
                self.sync_error = f"{type(exc).__name__}: {exc}"
                log.error("request log: background fsync failed: %s", exc)

    def close(self) -> None:
        """Stop the background fsync, wait for a running merge, merge the remaining small
        segments and fsync what is left (call it once no append is under way)."""
        self._stop_syncing.set()
        if self._syncer is not None:
            self._syncer.join()
        if self._merger is not None:
            self._merger.join()
        with self._lock:
            batch, self._small = self._small, []
        self._merge(batch)
        self.flush()


def _runs(segments: list[tuple[int, Path]]) -> list[list[tuple[int, Path]]]:
    """Sorted segments split into runs of consecutive sequence numbers."""
    runs: list[list[tuple[int, Path]]] = []
    for seg in segments:
        if runs and runs[-1][-1][0] + 1 == seg[0]:
            runs[-1].append(seg)
        else:
            runs.append([seg])
    return runs


def _write_and_rename(path: Path, table: pa.Table) -> None:
    """Write ``table`` to a temporary file beside ``path`` and rename it into place, without
    fsync: readers never see half a segment, and the data is the kernel's once this returns."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        # small and short-lived (merged later): no statistics or dictionaries
        pq.write_table(table, tmp, write_statistics=False, use_dictionary=False)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _floats(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype=np.float64, na_value=np.nan)

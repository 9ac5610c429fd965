"""A handle on one running run: log metrics and artefacts, then finish."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, update

from yearn._io import atomic_write
from yearn.errors import StoreError
from yearn.store import _schema as t
from yearn.store._records import ArtifactRecord

if TYPE_CHECKING:
    from yearn.store._store import RunStore

__all__ = ["Run"]

_HEARTBEAT_EVERY_S = 30.0


class Run:
    """Logs to one run of a :class:`~yearn.store.RunStore`.

    Use as a context manager so the run ends ``completed`` on success and ``failed``
    (with the error) on an exception.
    """

    def __init__(self, store: RunStore, run_id: str, name: str, kind: str) -> None:
        self.store = store
        self.id = run_id
        self.name = name
        self.kind = kind
        self._finished = False
        self._last_beat = time.monotonic()

    def __repr__(self) -> str:
        return f"Run(id={self.id!r}, name={self.name!r}, kind={self.kind!r})"

    @property
    def artifact_dir(self) -> Path:
        """Folder of this run's artefacts (created on first use)."""
        path = self.store.artifact_root / self.id
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- metrics -----------------------------------------------------------------------
    def log_metric(
        self, name: str, value: float, *, split: str | None = None, step: int | None = None
    ) -> None:
        """Record one value of a metric (optionally for a split and a step such as an epoch)."""
        self.log_metrics({name: value}, split=split, step=step)

    def log_metrics(
        self, values: Mapping[str, float], *, split: str | None = None, step: int | None = None
    ) -> None:
        """Record several metrics at once, in one transaction."""
        self._check_open()
        now = self.store._now()
        rows = [
            {
                "run_id": self.id,
                "name": str(name),
                "split": split,
                "step": None if step is None else int(step),
                "value": _finite_or_none(value),
                "logged_at": now,
            }
            for name, value in values.items()
        ]
        if not rows:
            return
        with self.store._begin() as conn:
            conn.execute(insert(t.metrics), rows)
            if time.monotonic() - self._last_beat > _HEARTBEAT_EVERY_S:
                conn.execute(update(t.runs).where(t.runs.c.id == self.id).values(heartbeat_at=now))
                self._last_beat = time.monotonic()

    def heartbeat(self) -> None:
        """Tell the store this run is still alive (long steps that log nothing)."""
        self._check_open()
        with self.store._begin() as conn:
            conn.execute(
                update(t.runs).where(t.runs.c.id == self.id).values(heartbeat_at=self.store._now())
            )
        self._last_beat = time.monotonic()

    # -- artefacts -----------------------------------------------------------------------
    def log_artifact(self, source: str | Path | bytes, name: str | None = None) -> ArtifactRecord:
        """Keep a file (a path to copy, or bytes) with this run; records its sha256.

        The file is written atomically into :attr:`artifact_dir`; logging the same name
        again replaces it.
        """
        self._check_open()
        if isinstance(source, bytes):
            if not name:
                raise StoreError("log_artifact: give a name when logging bytes.")
            data = source
        else:
            src = Path(source)
            if not src.is_file():
                raise StoreError(f"log_artifact: {src} is not a file; give the path of a file.")
            data = src.read_bytes()
            name = name or src.name
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise StoreError(f"log_artifact: name {name!r} must be a relative path inside the run.")
        target = self.artifact_dir / name
        if isinstance(source, bytes) or Path(source).resolve() != target.resolve():
            with atomic_write(target) as tmp:
                tmp.write_bytes(data)
        record = ArtifactRecord(
            run_id=self.id,
            name=name,
            path=str(Path(self.id) / name),
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            logged_at=self.store._now(),
        )
        with self.store._begin() as conn:
            conn.execute(
                delete(t.artifacts).where(
                    (t.artifacts.c.run_id == self.id) & (t.artifacts.c.name == name)
                )
            )
            conn.execute(insert(t.artifacts).values(**record.__dict__))
        return record

    # -- end -------------------------------------------------------------------------------
    def finish(self, status: str = "completed", error: str | None = None) -> None:
        """End the run as ``completed`` or ``failed``."""
        if status not in ("completed", "failed"):
            raise StoreError(f"finish: status must be 'completed' or 'failed'; got {status!r}.")
        if self._finished:
            return
        with self.store._begin() as conn:
            now = self.store._now()
            conn.execute(
                update(t.runs)
                .where(t.runs.c.id == self.id)
                .values(status=status, error=error, ended_at=now, heartbeat_at=now)
            )
        self._finished = True

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            self.finish("completed")
        else:
            self.finish("failed", error=f"{type(exc).__name__}: {exc}")

    def _check_open(self) -> None:
        if self._finished:
            raise StoreError(f"run {self.id} has already finished; start a new run to log more.")


def _finite_or_none(value: float) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise StoreError(f"metric values must be numbers; got {value!r}.") from None
    return value if math.isfinite(value) else None

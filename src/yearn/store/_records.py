"""Plain records returned by the run store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["ArtifactRecord", "RunRecord"]


@dataclass(frozen=True)
class RunRecord:
    """One run as stored: what ran, with which settings, and how it ended."""

    id: str
    name: str
    kind: str
    status: str
    config: dict[str, Any]
    code_version: dict[str, Any]
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    ended_at: datetime | None = None
    error: str | None = None

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to end (None while running)."""
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class ArtifactRecord:
    """A file kept with a run: where it is and its sha256."""

    run_id: str
    name: str
    path: str
    sha256: str
    size: int
    logged_at: datetime = field(compare=False)

"""The ``deployed`` pointer: which run (and export) is in production, with its lineage.

Every promotion appends a row (run, parent run, export folder, data fingerprint, reason,
the numbers behind the decision); the newest row is the deployed model. Nothing is ever
overwritten, so the history of what ran in production stays in the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from yearn.store import _schema as t

if TYPE_CHECKING:
    from yearn.store._store import RunStore

__all__ = ["Deployment", "deployed", "deployments", "set_deployed"]


@dataclass(frozen=True)
class Deployment:
    """One promotion: the run put in production and where it came from."""

    run_id: str
    parent_run_id: str | None
    export_path: str | None
    data_fingerprint: str | None
    reason: str
    details: dict[str, Any]
    deployed_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "parent_run_id": self.parent_run_id,
            "export_path": self.export_path,
            "data_fingerprint": self.data_fingerprint,
            "reason": self.reason,
            "details": self.details,
            "deployed_at": self.deployed_at.isoformat(),
        }


def _row(row: Any) -> Deployment:
    m = row._mapping
    at = m["deployed_at"]
    return Deployment(
        run_id=m["run_id"],
        parent_run_id=m["parent_run_id"],
        export_path=m["export_path"],
        data_fingerprint=m["data_fingerprint"],
        reason=m["reason"],
        details=json.loads(m["details"]),
        deployed_at=at if at.tzinfo else at.replace(tzinfo=UTC),
    )


def set_deployed(
    store: RunStore,
    run_id: str,
    *,
    parent_run_id: str | None = None,
    export_path: str | None = None,
    data_fingerprint: str | None = None,
    reason: str = "promoted",
    details: dict[str, Any] | None = None,
) -> Deployment:
    """Record ``run_id`` (a full id or unique prefix of a completed run) as deployed."""
    from yearn.errors import StoreError

    run = store.get_run(run_id)
    if run.status != "completed":
        raise StoreError(
            f"run {run.id} is {run.status}; only a completed run can be deployed "
            "('yearn runs' lists them)."
        )
    values = {
        "run_id": run.id,
        "parent_run_id": parent_run_id,
        "export_path": export_path,
        "data_fingerprint": data_fingerprint,
        "reason": reason,
        "details": json.dumps(details or {}, sort_keys=True, default=str),
        "deployed_at": datetime.now(UTC),
    }
    with store._begin() as conn:
        conn.execute(insert(t.deployments).values(**values))
    return Deployment(**{**values, "details": details or {}})


def deployments(store: RunStore) -> list[Deployment]:
    """Every promotion, newest first."""
    query = select(t.deployments).order_by(t.deployments.c.id.desc())
    with store._begin() as conn:
        return [_row(r) for r in conn.execute(query)]


def deployed(store: RunStore) -> Deployment | None:
    """The deployed model (the newest promotion), or None when nothing was deployed."""
    query = select(t.deployments).order_by(t.deployments.c.id.desc()).limit(1)
    with store._begin() as conn:
        row = conn.execute(query).first()
    return _row(row) if row is not None else None

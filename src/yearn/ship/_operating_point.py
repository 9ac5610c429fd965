"""The operating point of a classifier, chosen from the stakeholders' numbers."""

from __future__ import annotations

import json
from typing import Any

from yearn.project import Project

__all__ = ["OPERATING_POINT_ARTIFACT", "OPERATING_POINT_KIND", "saved_operating_point"]

OPERATING_POINT_KIND = "operating_point"
OPERATING_POINT_ARTIFACT = "operating_point.json"


def saved_operating_point(project: Project, run_id: str) -> dict[str, Any] | None:
    """The newest operating point saved for run ``run_id`` (None when there is none)."""
    if not project.has_store:
        return None
    with project.store() as store:
        for record in store.list_runs(kind=OPERATING_POINT_KIND, status="completed"):
            if (record.config or {}).get("run") == run_id:
                path = store.artifact_path(record.id, OPERATING_POINT_ARTIFACT)
                return json.loads(path.read_text(encoding="utf-8"))
    return None

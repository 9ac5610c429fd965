"""The report's monitoring section: the last ``yearn monitor`` result and the deployed
model's lineage (drawn by :mod:`yearn.monitor`; this module only places it)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from yearn.report._sections import Section

__all__ = ["has_monitoring", "monitoring"]


def has_monitoring(view: Any) -> bool:
    """Whether monitoring ran or a model was deployed (else the report has no such section)."""
    from yearn.paths import ProjectPaths

    if (ProjectPaths(view.root).monitor / "latest.json").is_file():
        return True
    return bool(view.store.deployments())


def monitoring(view: Any) -> Section:
    """Drift and accuracy window by window, verdicts, and which model is deployed."""
    from yearn.monitor import monitoring_html
    from yearn.project import Project

    html = monitoring_html(Project(view.root))
    if html is None:
        return Section(
            "monitoring",
            "Monitoring",
            note="no monitoring yet: run `yearn monitor` on the request log (or a table of "
            "production inputs with timestamps), and `yearn retrain` to record a deployed model.",
        )
    return Section("monitoring", "Monitoring", Markup(html))

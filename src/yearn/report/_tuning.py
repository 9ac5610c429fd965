"""The report's tuning section: the newest ``yearn tune`` result (drawn by
:mod:`yearn.tune`; this module only places it)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from yearn.report._sections import Section

__all__ = ["has_tuning", "tuning"]


def has_tuning(view: Any) -> bool:
    """Whether the project has a completed ``yearn tune`` run (else no such section)."""
    return any(r.kind == "tune" and r.status == "completed" for r in view.runs)


def tuning(view: Any) -> Section:
    """Best trial, optimisation history, L2 × dropout sweep, importances and the dev guard."""
    from yearn.tune import latest_result

    result = latest_result(view.store)
    if result is None:
        return Section("tuning", "Hyper-parameter search", note="no yearn tune search yet.")
    return Section("tuning", "Hyper-parameter search", Markup(result._repr_html_()), result=result)

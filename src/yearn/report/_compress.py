"""The report's compression section: the newest ``yearn compress`` table of the reported
model run (drawn by :class:`yearn.ship.CompressResult`; this module only places it)."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from yearn.report._sections import Section

__all__ = ["compression", "has_compression"]

ID, TITLE = "compression", "Compression (int8, pruning)"


def _compress_runs(view: Any) -> list[Any]:
    return [r for r in view.runs if r.kind == "compress" and r.status == "completed"]


def has_compression(view: Any) -> bool:
    """Whether the project has a completed ``yearn compress`` run (else no such section)."""
    return bool(_compress_runs(view))


def compression(view: Any) -> Section:
    """Variants, size, latency, the metric's cost with its interval and the recommendation
    for the model run the report is about (a table of another run is not shown as its)."""
    from yearn.ship import CompressResult

    model = view.model_run()
    runs = _compress_runs(view)
    mine = [r for r in runs if model is not None and (r.config or {}).get("run") == model.id]
    if not mine:
        others = sorted({str((r.config or {}).get("run")) for r in runs})
        about = f"run {model.id}" if model is not None else "the reported run"
        return Section(
            ID,
            TITLE,
            note=f"`yearn compress` was run for {', '.join(others)}, not for {about}; run "
            f"`yearn compress --run {model.id if model is not None else 'ID'}`.",
        )
    record = mine[0]  # newest first
    path = view.store.artifact_path(record.id, "compress.json")
    result = CompressResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    section = Section(ID, TITLE, Markup(result._repr_html_()), result=result)
    section.caption = (
        f"run {result.run_id}; {result.metric} on {result.n:,} {result.split} rows; latency on "
        f"the machine that ran `yearn compress` ({result.threads} thread(s)), saved as "
        f"{record.id}"
    )
    return section

"""The last comparison of a project, saved for the report (JSON + its HTML as drawn)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from yearn.e2e._result import E2EResult

__all__ = ["RESULT_HTML", "RESULT_JSON", "load_saved", "save_result", "saved_html"]

RESULT_JSON = "latest.json"
RESULT_HTML = "latest.html"


def save_result(project: str | Path, result: E2EResult) -> Path:
    """Write the result's JSON and HTML under the project's ``.yearn/e2e`` (atomically)."""
    from yearn._io import atomic_write_json, atomic_write_text
    from yearn.paths import ProjectPaths

    folder = ProjectPaths(project).e2e
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / RESULT_HTML, result._repr_html_())
    return atomic_write_json(folder / RESULT_JSON, result.to_dict())


def load_saved(project: str | Path) -> dict[str, Any] | None:
    """The saved JSON of the last comparison, or None."""
    from yearn.paths import ProjectPaths

    path = ProjectPaths(project).e2e / RESULT_JSON
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def saved_html(project: str | Path) -> str | None:
    """The last comparison as drawn (HTML fragment), or None when it never ran."""
    from yearn.paths import ProjectPaths

    path = ProjectPaths(project).e2e / RESULT_HTML
    return path.read_text(encoding="utf-8") if path.is_file() else None

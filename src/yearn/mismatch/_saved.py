"""The last ``yearn mismatch`` result kept in the project (the report shows it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from yearn._io import atomic_write_json, atomic_write_text
from yearn.paths import ProjectPaths

__all__ = ["mismatch_html", "save_mismatch"]

LATEST_JSON = "latest.json"
LATEST_HTML = "latest.html"


def save_mismatch(project: str | Path, result: Any) -> Path:
    """Write ``result`` (a :class:`MismatchResult`) as JSON and HTML under the project's
    mismatch folder; return the JSON path."""
    folder = ProjectPaths(project).mismatch
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / LATEST_HTML, result._repr_html_())
    return atomic_write_json(folder / LATEST_JSON, result.to_dict())


def mismatch_html(project: str | Path) -> str | None:
    """The saved HTML of the last ``yearn mismatch``, or None when it never ran."""
    path = ProjectPaths(project).mismatch / LATEST_HTML
    return path.read_text(encoding="utf-8") if path.is_file() else None

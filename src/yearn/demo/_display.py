"""HTML display of a demo summary (Jupyter); computation lives in ``_summary``."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from yearn.display import html_table

if TYPE_CHECKING:
    from yearn.demo._summary import DemoSummary

__all__ = ["summary_html"]


def summary_html(summary: DemoSummary) -> str:
    """A small HTML table: one row per source, then the value ranges."""
    head = (
        f"<p><b>{escape(summary.name)}</b> ({escape(summary.kind)} demo, "
        f"random_state={summary.random_state}) in <code>{escape(summary.project)}</code>; "
        f"task {escape(summary.task)}, label <code>{escape(summary.label)}</code></p>"
    )
    columns = ["source", "role", "rows", "groups", "classes", "planted wrong labels"]
    images = any(s.quality for s in summary.sources)
    if images:
        columns += ["edge sharpness", "contrast"]
    rows = []
    for s in summary.sources:
        cells = [
            s.name,
            s.role,
            s.rows,
            "" if s.groups is None else s.groups,
            len(s.classes),
            f"{s.mislabeled} ({s.mislabeled_share:.1%})",
        ]
        if images:
            cells += (
                [f"{s.quality.sharpness:.2f}", f"{s.quality.contrast:.3f}"]
                if s.quality
                else ["", ""]
            )
        rows.append(dict(zip(columns, cells, strict=True)))
    table = html_table(rows, columns)
    names = sorted({c for s in summary.sources for c in s.ranges})
    ranges = ""
    if names:
        ranges = html_table(
            [
                {"column": c}
                | {
                    s.name: f"{s.ranges[c][0]:g} .. {s.ranges[c][1]:g}" if c in s.ranges else ""
                    for s in summary.sources
                }
                for c in names
            ],
            ["column", *(s.name for s in summary.sources)],
        )
    return f"<div class='yearn-demo'>{head}{table}{ranges}</div>"

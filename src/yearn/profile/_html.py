"""HTML fragments of check results and profiles (for Jupyter and the report)."""

from __future__ import annotations

import html
from typing import Any

from yearn.display import data_uri, html_table

__all__ = ["check_html", "profile_html"]

_COLORS = {"info": "#2b7a0b", "warning": "#b26b00", "error": "#b00020"}


def _table(records: list[dict[str, Any]], limit: int = 30) -> str:
    return str(html_table(records, max_rows=limit)) if records else ""


def _badge(severity: str) -> str:
    return (
        f"<span style='color:white;background:{_COLORS[severity]};padding:1px 6px;"
        f"border-radius:3px'>{severity}</span>"
    )


def check_html(result, *, figures: bool = True) -> str:
    """One check as an HTML section: severity, message, evidence table and figures."""
    parts = [
        f"<section class='yearn-check' id='check-{html.escape(result.name)}'>",
        f"<h3>{html.escape(result.name)} {_badge(result.severity)}</h3>",
        f"<p>{html.escape(result.message)}</p>",
    ]
    if result.evidence:
        parts.append(_table(result.evidence))
    if result.name == "samples" and result.data.get("rows"):
        for cls, rows in result.data["rows"].items():
            parts.append(f"<h4>{html.escape(str(cls))}</h4>{_table(rows)}")
    if figures:
        from yearn.profile._plots import figures_of

        for name, png in figures_of(result).items():
            parts.append(f"<figure><img alt='{html.escape(name)}' src='{data_uri(png)}'/></figure>")
    parts.append("</section>")
    return "".join(parts)


def profile_html(profile, *, figures: bool = True) -> str:
    """The whole profile: an overview table, then one section per check."""
    overview = _table(
        [
            {
                "check": r.name,
                "severity": r.severity,
                "message": r.message,
                "seconds": round(r.seconds, 3),
            }
            for r in profile.results
        ]
    )
    groups = ", ".join(f"{k}: {v}" for k, v in profile.groups.items())
    head = (
        f"<h2>Data profile</h2><p>{profile.n_rows} rows × {profile.n_columns} features; "
        f"label {html.escape(str(profile.label))} ({profile.task}); by "
        f"{profile.group_by}: {html.escape(groups)}</p>"
    )
    body = "".join(check_html(r, figures=figures) for r in profile.results)
    return f"<div class='yearn-profile'>{head}{overview}{body}</div>"

"""HTML fragments of check results and profiles (for Jupyter and the report)."""

from __future__ import annotations

import base64
import html
import json
from typing import Any

__all__ = ["check_html", "profile_html"]

_COLORS = {"info": "#2b7a0b", "warning": "#b26b00", "error": "#b00020"}


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict | list):
        text = json.dumps(value, default=str)
        return html.escape(text if len(text) <= 120 else text[:117] + "...")
    return html.escape(str(value))


def _table(records: list[dict[str, Any]], limit: int = 30) -> str:
    if not records:
        return ""
    keys: list[str] = []
    for r in records[:limit]:
        keys += [k for k in r if k not in keys]
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in keys)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_cell(r.get(k, ''))}</td>" for k in keys) + "</tr>"
        for r in records[:limit]
    )
    more = f"<p>… {len(records) - limit} more</p>" if len(records) > limit else ""
    return (
        f"<table class='yearn-table'><thead><tr>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table>{more}"
    )


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
            b64 = base64.b64encode(png).decode("ascii")
            parts.append(
                f"<figure><img alt='{html.escape(name)}' "
                f"src='data:image/png;base64,{b64}'/></figure>"
            )
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

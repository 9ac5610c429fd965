"""The report's end-to-end vs pipeline section: the last ``yearn e2e-compare`` result
(drawn by :mod:`yearn.e2e`; this module only places it)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from yearn.report._sections import Section

__all__ = ["e2e", "has_e2e"]

TITLE = "End-to-end or pipeline"


def has_e2e(view: Any) -> bool:
    """Whether ``yearn e2e-compare`` ran on the project (else the report has no such section)."""
    from yearn.e2e import saved_html

    return saved_html(view.root) is not None


def e2e(view: Any) -> Section:
    """Both learning curves, where they cross, and the verdict at the project's size."""
    from yearn.e2e import saved_html

    html = saved_html(view.root)
    if html is None:
        return Section("e2e", TITLE, note="run `yearn e2e-compare` to see it.")
    return Section("e2e", TITLE, Markup(html))

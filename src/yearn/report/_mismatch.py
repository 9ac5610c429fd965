"""The report's data-mismatch section: the last ``yearn mismatch`` result (drawn by
:mod:`yearn.mismatch`; this module only places it)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from yearn.report._sections import Section

__all__ = ["has_mismatch", "mismatch"]


def has_mismatch(view: Any) -> bool:
    """Whether ``yearn mismatch`` ran on the project (else the report has no such section)."""
    from yearn.mismatch import mismatch_html

    return mismatch_html(view.root) is not None


def mismatch(view: Any) -> Section:
    """Train vs target side by side: domain classifier, drivers and examples."""
    from yearn.mismatch import mismatch_html

    html = mismatch_html(view.root)
    if html is None:
        return Section("mismatch", "Data mismatch", note="run `yearn mismatch` to see it.")
    return Section("mismatch", "Data mismatch", Markup(html))

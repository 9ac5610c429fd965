"""The one Jinja2 environment of the report: templates under ``yearn/report/templates``,
autoescaped, loaded from the installed package (no network, no file paths from users)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

__all__ = ["render"]


@lru_cache(maxsize=1)
def _env() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("yearn.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **context: Any) -> str:
    """Render the template ``name`` with ``context``."""
    return _env().get_template(name).render(**context)

"""The report's environment: its own ``report.html.j2`` over the rendering kit's templates."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from yearn.display import environment

__all__ = ["render"]


@lru_cache(maxsize=1)
def _env() -> Any:
    return environment("yearn.report")


def render(name: str, **context: Any) -> str:
    """Render ``name`` (the report's or the kit's template) with ``context``."""
    return _env().get_template(name).render(**context)

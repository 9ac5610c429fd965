"""The autoescaped Jinja2 environment of the rendering kit: templates under
``yearn/display/templates``, loaded from the installed package (no network, no file paths
from users). A layer with templates of its own builds its environment with :func:`environment`."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

__all__ = ["environment", "render"]


def environment(*packages: str) -> Any:
    """An autoescaped, strict environment over the templates of ``packages`` then the kit's."""
    from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape

    loaders = [PackageLoader(p, "templates") for p in (*packages, "yearn.display")]
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache(maxsize=1)
def _env() -> Any:
    return environment()


def render(name: str, **context: Any) -> str:
    """Render the kit's template ``name`` with ``context``."""
    return _env().get_template(name).render(**context)

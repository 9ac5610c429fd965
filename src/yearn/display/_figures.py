"""matplotlib figures for results that draw more than the SVG charts can: standalone
``Figure`` objects (never pyplot, so the user's backend and state are untouched), rendered to
PNG or SVG bytes, written atomically or inlined as an ``<img>``. matplotlib loads on first use."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from yearn._io import atomic_write_bytes

__all__ = ["blank_figure", "figure_bytes", "figure_img", "new_figure", "save_figure"]


def blank_figure(width: float = 6.4, height: float = 3.6, *, dpi: int = 100) -> Any:
    """A standalone figure of ``width`` × ``height`` inches, without axes."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=dpi)


def new_figure(width: float = 6.4, height: float = 3.6, *, dpi: int = 100) -> tuple[Any, Any]:
    """A standalone figure and its one set of axes."""
    fig = blank_figure(width, height, dpi=dpi)
    return fig, fig.subplots()


def figure_bytes(
    fig: Any, fmt: str = "png", *, dpi: int | None = None, tight: bool = True, crop: bool = False
) -> bytes:
    """The figure as PNG or SVG bytes (SVG without a date stamp, so it is reproducible).

    ``tight`` lays the axes out first; ``crop`` trims the white border of the image.
    """
    buf = io.BytesIO()
    if tight:
        fig.tight_layout()
    fig.savefig(
        buf,
        format=fmt,
        dpi=dpi or fig.dpi,
        metadata={"Date": None} if fmt == "svg" else None,
        bbox_inches="tight" if crop else None,
    )
    return buf.getvalue()


def save_figure(fig: Any, path: str | Path, *, dpi: int | None = None) -> Path:
    """Write the figure atomically, as PNG or SVG by the extension of ``path``."""
    path = Path(path)
    fmt = "svg" if path.suffix.lower() == ".svg" else "png"
    return atomic_write_bytes(path, figure_bytes(fig, fmt, dpi=dpi, tight=False))


def figure_img(fig: Any, alt: str, *, dpi: int = 80) -> Markup:
    """An ``<img>`` tag with the figure inlined as a PNG data URI."""
    from yearn.display._kit import data_uri

    src = data_uri(figure_bytes(fig, "png", dpi=dpi, tight=False))
    return Markup(f'<img alt="{escape(alt)}" src="{src}"/>')

"""Small HTML building blocks shared by the report and the ``_repr_html_`` of results:
escaped tables, inline SVG line charts (polylines, no matplotlib) and data URIs.

Everything here returns markup strings built through Jinja2 templates with autoescaping,
so values from data never reach the page unescaped.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from yearn.display._templates import render

__all__ = [
    "RUN_COLOURS",
    "SPLIT_COLOURS",
    "Series",
    "bar_chart",
    "data_uri",
    "format_cell",
    "html_table",
    "line_chart",
    "nice_ticks",
]

#: Colours of the splits, the same in every chart.
SPLIT_COLOURS = {
    "train": "#1f77b4",
    "train_dev": "#ff7f0e",
    "dev": "#d62728",
    "test": "#2ca02c",
}
#: Colours of runs in overlaid charts (the dashboard), one per run in display order.
RUN_COLOURS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
)
_PALETTE = ["#1f77b4", "#ff7f0e", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"]


def format_cell(value: Any, digits: int = 4) -> str:
    """A table cell: floats to ``digits`` significant digits, None and non-finite numbers as a
    dash, dicts and lists as JSON cut to 120 characters."""
    if value is None:
        return "—"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "—"
        return f"{value:.{digits}g}"
    if isinstance(value, dict | list):
        text = json.dumps(value, default=str)
        return text if len(text) <= 120 else text[:117] + "..."
    try:
        import numpy as np

        if isinstance(value, np.floating):
            return format_cell(float(value), digits)
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    return str(value)


def html_table(
    rows: Any,
    columns: Sequence[str] | None = None,
    *,
    max_rows: int = 50,
    formats: Mapping[str, str] | None = None,
    caption: str | None = None,
) -> Markup:
    """An escaped ``<table>`` from a DataFrame or a list of dicts.

    ``formats`` maps a column to a format spec (``".1%"``); other floats get 4 significant
    digits. Rows beyond ``max_rows`` are counted in a footer, not shown.
    """
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):
        records = rows.to_dict(orient="records")
        columns = list(columns or [str(c) for c in rows.columns])
    else:
        records = list(rows)
        if columns is None:
            columns = list(dict.fromkeys(k for r in records for k in r))
    formats = dict(formats or {})
    body = []
    for r in records[:max_rows]:
        cells = []
        for c in columns:
            v = r.get(c)
            fmt = formats.get(c)
            if fmt and isinstance(v, int | float) and v is not None and math.isfinite(float(v)):
                cells.append(format(v, fmt))
            else:
                cells.append(format_cell(v))
        body.append(cells)
    return Markup(
        render(
            "table.html.j2",
            columns=columns,
            rows=body,
            hidden=max(0, len(records) - max_rows),
            caption=caption,
        )
    )


def data_uri(content: bytes, mime: str = "image/png") -> str:
    """``data:<mime>;base64,...`` for inline images."""
    return f"data:{mime};base64," + base64.b64encode(content).decode("ascii")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.ceil(low / step) * step
    ticks = []
    v = start
    while v <= high + 1e-12 * abs(high) and len(ticks) < 50:
        ticks.append(round(v, 12))
        v += step
    return ticks


@dataclass(frozen=True)
class Series:
    """One line of a chart: x and y values, a legend label and a colour (optional)."""

    label: str
    x: Sequence[float]
    y: Sequence[float]
    colour: str | None = None
    dashed: bool = False


def _fmt_tick(v: float, log: bool) -> str:
    if log:
        return f"{v:.0e}"
    return f"{v:.3g}"


def line_chart(
    series: Sequence[Series],
    *,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    width: int = 360,
    height: int = 220,
    log_x: bool = False,
    marker: float | None = None,
    marker_label: str = "",
) -> Markup:
    """An inline SVG chart of ``series`` as polylines (fast for many lines and points).

    ``log_x`` puts x on a log scale (positive x only); ``marker`` draws a vertical line.
    Non-finite points are dropped.
    """
    clean = []
    for i, s in enumerate(series):
        pts = [
            (float(x), float(y))
            for x, y in zip(s.x, s.y, strict=False)
            if x is not None
            and y is not None
            and math.isfinite(float(x))
            and math.isfinite(float(y))
            and (not log_x or float(x) > 0)
        ]
        if pts:
            colour = s.colour or _PALETTE[i % len(_PALETTE)]
            clean.append((s, colour, pts))
    left, right, top, bottom = 48, 10, 22 if title else 8, 34
    pw, ph = width - left - right, height - top - bottom
    if not clean:
        return Markup(render("chart.html.j2", empty=True, width=width, height=height, title=title))
    tx = (lambda v: math.log10(v)) if log_x else (lambda v: v)
    xs = [tx(x) for _, _, pts in clean for x, _ in pts]
    ys = [y for _, _, pts in clean for _, y in pts]
    if marker is not None and (not log_x or marker > 0):
        xs.append(tx(marker))
    x_lo, x_hi = min(xs), max(xs)
    y_lo, y_hi = min(ys), max(ys)
    if x_hi == x_lo:
        x_lo, x_hi = x_lo - 0.5, x_hi + 0.5
    if y_hi == y_lo:
        y_lo, y_hi = y_lo - 0.5 * (abs(y_lo) or 1), y_hi + 0.5 * (abs(y_hi) or 1)
    pad = (y_hi - y_lo) * 0.05
    y_lo, y_hi = y_lo - pad, y_hi + pad

    def px(v: float) -> float:
        return left + (v - x_lo) / (x_hi - x_lo) * pw

    def py(v: float) -> float:
        return top + (1 - (v - y_lo) / (y_hi - y_lo)) * ph

    lines = []
    for s, colour, pts in clean:
        points = " ".join(f"{px(tx(x)):.1f},{py(y):.1f}" for x, y in pts)
        lines.append(
            {
                "label": s.label,
                "colour": colour,
                "points": points,
                "dashed": s.dashed,
                "single": len(pts) == 1,
                "cx": px(tx(pts[0][0])),
                "cy": py(pts[0][1]),
            }
        )
    if log_x:
        xt = [float(d) for d in range(math.ceil(x_lo), math.floor(x_hi) + 1)]
        x_ticks = [(px(v), _fmt_tick(10**v, True)) for v in xt]
    else:
        x_ticks = [(px(v), _fmt_tick(v, False)) for v in nice_ticks(x_lo, x_hi)]
    y_ticks = [(py(v), _fmt_tick(v, False)) for v in nice_ticks(y_lo, y_hi, 4)]
    mark = None
    if marker is not None and (not log_x or marker > 0):
        mark = {"x": px(tx(marker)), "label": marker_label}
    return Markup(
        render(
            "chart.html.j2",
            empty=False,
            width=width,
            height=height,
            title=title,
            x_label=x_label,
            y_label=y_label,
            lines=lines,
            x_ticks=x_ticks,
            y_ticks=y_ticks,
            left=left,
            top=top,
            pw=pw,
            ph=ph,
            mark=mark,
        )
    )


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str = "",
    fmt: str = ".3g",
    reference: float | None = None,
    reference_label: str = "",
    width: int = 420,
    bar_height: int = 16,
    colour: str = "#2680c2",
) -> Markup:
    """Horizontal bars (one per label, values >= 0) as inline SVG, each value written at
    its end; ``reference`` draws a dashed vertical line (an overall rate, a target)."""
    pairs = [
        (str(lab), float(v))
        for lab, v in zip(labels, values, strict=True)
        if v is not None and math.isfinite(float(v))
    ]
    label_w = min(int(width * 0.6), 8 + 6 * max((len(lab) for lab, _ in pairs), default=4))
    top = 22 if title else 6
    height = top + bar_height * len(pairs) + 18
    span = max([v for _, v in pairs] + [reference or 0.0, 1e-12])
    plot_w = width - label_w - 60

    def px(v: float) -> float:
        return label_w + max(0.0, v) / span * plot_w

    bars = [
        {
            "label": lab,
            "y": top + i * bar_height,
            "w": px(v) - label_w,
            "text": format(v, fmt),
            "tx": px(v) + 3,
        }
        for i, (lab, v) in enumerate(pairs)
    ]
    ref = None
    if reference is not None and math.isfinite(reference):
        ref = {"x": px(reference), "label": reference_label}
    return Markup(
        render(
            "bars.html.j2",
            title=title,
            width=width,
            height=height,
            bars=bars,
            bar_height=bar_height,
            label_w=label_w,
            top=top,
            bottom=top + bar_height * len(pairs),
            ref=ref,
            colour=colour,
            empty=not pairs,
        )
    )

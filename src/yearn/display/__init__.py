"""The one rendering kit: escaped HTML tables, inline SVG line and bar charts, the split
colours, cell formatting and the autoescaped templates. Every ``_repr_html_``, the report and
the dashboard draw with it. It sits at the base: it imports nothing else of yearn."""

from yearn.display._kit import (
    SPLIT_COLOURS,
    Series,
    bar_chart,
    data_uri,
    format_cell,
    html_table,
    line_chart,
    nice_ticks,
)
from yearn.display._templates import environment, render

__all__ = [
    "SPLIT_COLOURS",
    "Series",
    "bar_chart",
    "data_uri",
    "environment",
    "format_cell",
    "html_table",
    "line_chart",
    "nice_ticks",
    "render",
]

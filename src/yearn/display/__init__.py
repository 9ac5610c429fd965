"""The one rendering kit: escaped HTML tables, inline SVG line and bar charts, the split
colours, cell formatting, the autoescaped templates and standalone matplotlib figures. Every
``_repr_html_``, the report and the dashboard draw with it. It sits at the base: it imports
nothing of yearn above the base."""

from yearn.display._figures import (
    blank_figure,
    figure_bytes,
    figure_img,
    new_figure,
    save_figure,
)
from yearn.display._kit import (
    RUN_COLOURS,
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
    "RUN_COLOURS",
    "SPLIT_COLOURS",
    "Series",
    "bar_chart",
    "blank_figure",
    "data_uri",
    "environment",
    "figure_bytes",
    "figure_img",
    "format_cell",
    "html_table",
    "line_chart",
    "new_figure",
    "nice_ticks",
    "render",
    "save_figure",
]

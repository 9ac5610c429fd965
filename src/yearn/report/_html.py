"""Deprecated home of the rendering kit: import from :mod:`yearn.display`."""

from yearn.display import Series, bar_chart, data_uri, html_table, line_chart, nice_ticks
from yearn.display._kit import SPLIT_COLOURS, _cell

__all__ = [
    "SPLIT_COLOURS",
    "Series",
    "_cell",
    "bar_chart",
    "data_uri",
    "html_table",
    "line_chart",
    "nice_ticks",
]

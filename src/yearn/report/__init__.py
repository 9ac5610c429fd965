"""The HTML report and the shared display helpers.

>>> from yearn.report import write_report      # doctest: +SKIP
>>> write_report("digits-demo")                 # doctest: +SKIP
PosixPath('digits-demo/report.html')

One rendering layer: Jinja2 templates under ``yearn/report/templates``; sections come from
result objects' ``_repr_html_`` (any object that has one can be a section) or from the
helpers here (``html_table``, ``line_chart``). See ``docs/report.md``.
"""

from yearn.display import Series, bar_chart, data_uri, html_table, line_chart
from yearn.report._build import Report, build_report, write_report
from yearn.report._sections import Section, section_of

__all__ = [
    "Report",
    "Section",
    "Series",
    "bar_chart",
    "build_report",
    "data_uri",
    "html_table",
    "line_chart",
    "section_of",
    "write_report",
]

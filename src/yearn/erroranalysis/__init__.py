"""Error analysis: a worksheet of sampled dev errors, tags, suggestions, counts and ceilings.

::

    from yearn.erroranalysis import sample_errors, summarize
    sheet = sample_errors("predictions.parquet", n=100)          # misclassified dev examples
    sheet.suggest(["blur > 0.5 -> blurry"]).save("worksheet.csv")  # people tag it, then
    summary = summarize("worksheet.csv", "predictions.parquet")  # count, share, ceiling per tag
"""

from yearn.erroranalysis._enrich import EnrichedRule, enriched_rules
from yearn.erroranalysis._preview import detect_preview_kind, make_previews
from yearn.erroranalysis._summary import ErrorSummary, TagSummary, ceiling, summarize
from yearn.erroranalysis._tags import (
    TAG_SEPARATOR,
    Condition,
    Rule,
    check_tag,
    format_tags,
    parse_rule,
    parse_tag_cell,
)
from yearn.erroranalysis._worksheet import (
    Worksheet,
    edit_worksheet,
    load_worksheet,
    sample_errors,
)

__all__ = [
    "TAG_SEPARATOR",
    "Condition",
    "EnrichedRule",
    "ErrorSummary",
    "Rule",
    "TagSummary",
    "Worksheet",
    "ceiling",
    "check_tag",
    "detect_preview_kind",
    "edit_worksheet",
    "enriched_rules",
    "format_tags",
    "load_worksheet",
    "make_previews",
    "parse_rule",
    "parse_tag_cell",
    "sample_errors",
    "summarize",
]

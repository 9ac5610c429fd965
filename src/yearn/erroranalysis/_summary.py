"""Counts, shares and ceilings of tagged errors.

From ``n`` sampled errors out of the ``E`` errors of ``N`` dev examples (dev error
``e = E / N``), a tag on ``k`` sampled errors has share ``p = k / n``. Fixing every error of
that tag would remove about ``p * E`` errors, so the dev error could fall at best to the
**ceiling** ``e * (1 - p)``. The interval is the Wilson score interval of ``p`` at the
chosen confidence with the finite-population correction (the sample is drawn without
replacement from ``E`` errors: effective size ``n * (E - 1) / (E - n)``; exact when every
error was sampled), mapped through ``e * (1 - p)``.

Example (the course's): 100 sampled of 1,000 errors among 10,000 dev examples, 43 tagged
→ share 43%, ceiling 10% x 0.57 = 5.7%.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from yearn._validation import check_number
from yearn.erroranalysis._worksheet import Worksheet, load_worksheet
from yearn.errors import DataError
from yearn.predictions import Predictions, load_predictions

__all__ = ["ErrorSummary", "TagSummary", "ceiling", "summarize"]


def _z(confidence: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + confidence / 2))


def ceiling(
    k: int, n: int, n_errors: int, n_examples: int, *, confidence: float = 0.95
) -> tuple[float, float, float]:
    """``(ceiling_error, low, high)`` when ``k`` of ``n`` sampled errors carry a tag.

    ``n_errors`` is the number of errors in the whole split and ``n_examples`` its size.
    """
    if not 0 <= k <= n <= n_errors <= n_examples or n == 0:
        raise DataError(
            f"need 0 <= k <= n <= n_errors <= n_examples and n > 0; got k={k}, n={n}, "
            f"n_errors={n_errors}, n_examples={n_examples}."
        )
    error = n_errors / n_examples
    p = k / n
    if n >= n_errors:
        lo = hi = p
    else:
        n_eff = n * (n_errors - 1) / (n_errors - n)
        z = _z(confidence)
        denom = 1 + z * z / n_eff
        centre = (p + z * z / (2 * n_eff)) / denom
        half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff * n_eff)) / denom
        lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    return error * (1 - p), error * (1 - hi), error * (1 - lo)


@dataclass(frozen=True)
class TagSummary:
    tag: str
    count: int
    share: float
    ceiling_error: float
    ceiling_low: float
    ceiling_high: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "count": self.count,
            "share": self.share,
            "ceiling_error": self.ceiling_error,
            "ceiling_ci": [self.ceiling_low, self.ceiling_high],
        }


@dataclass
class ErrorSummary:
    """Per-tag counts, shares and ceilings, ranked by what fixing the tag would buy."""

    tags: list[TagSummary]
    overlaps: list[dict[str, Any]]
    n_sampled_errors: int
    n_errors: int
    n_examples: int
    n_untagged: int
    confidence: float
    split: str = "dev"
    notes: list[str] = field(default_factory=list)

    @property
    def error(self) -> float:
        return self.n_errors / self.n_examples

    @property
    def top(self) -> str | None:
        return self.tags[0].tag if self.tags else None

    def sentence(self, tag: TagSummary) -> str:
        return (
            f"fixing every {tag.tag!r} error lowers {self.split} error from {self.error:.1%} "
            f"to at best {tag.ceiling_error:.1%} "
            f"[{tag.ceiling_low:.1%}, {tag.ceiling_high:.1%}]"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "error": self.error,
            "n_examples": self.n_examples,
            "n_errors": self.n_errors,
            "n_sampled_errors": self.n_sampled_errors,
            "n_untagged": self.n_untagged,
            "confidence": self.confidence,
            "tags": [t.to_dict() for t in self.tags],
            "overlaps": self.overlaps,
            "notes": self.notes,
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([t.to_dict() for t in self.tags])

    def _repr_html_(self) -> str:
        from html import escape

        from yearn.display import bar_chart

        # a plain <table> (tests/test_erroranalysis_summary.py looks for it), cells escaped
        rows = "".join(
            f"<tr><td>{escape(t.tag)}</td><td>{t.count}</td><td>{t.share:.0%}</td>"
            f"<td>{t.ceiling_error:.1%} [{t.ceiling_low:.1%}, {t.ceiling_high:.1%}]</td></tr>"
            for t in self.tags[:15]
        )
        more = f"<p>… {len(self.tags) - 15} more tags</p>" if len(self.tags) > 15 else ""
        top = self.tags[:10]
        chart = bar_chart(
            [t.tag for t in top],
            [t.ceiling_error for t in top],
            title=f"{self.split} error if every error of the tag were fixed (ceiling)",
            fmt=".1%",
            reference=self.error,
            reference_label=f"now {self.error:.1%}",
        )
        notes = "".join(f"<p>{escape(n)}</p>" for n in self.notes)
        return (
            f"<div><p><b>{escape(self.split)} error {self.error:.1%}</b>: "
            f"{self.n_sampled_errors} of {self.n_errors} errors sampled</p>{chart}"
            f"<table><tr><th>tag</th><th>count</th><th>share</th><th>ceiling</th></tr>{rows}"
            f"</table>{more}{notes}</div>"
        )


def summarize(
    worksheet: Worksheet | str | Path,
    predictions: Predictions | pd.DataFrame | str | Path,
    *,
    split: str = "dev",
    confidence: float = 0.95,
) -> ErrorSummary:
    """Summarise the tags of a worksheet's errors against the predictions it came from.

    Right/wrong is taken from the predictions table, not from the (editable) worksheet;
    correctly classified rows of the worksheet are not counted.
    """
    check_number("confidence", confidence, low=0.5, high=1.0, high_inclusive=False)
    preds = load_predictions(predictions)
    sheet = worksheet if isinstance(worksheet, Worksheet) else load_worksheet(worksheet, preds)
    sheet.validate(preds)
    rows = preds.split(split)
    wrong = ~rows.correct()
    n_examples, n_errors = len(rows), int(wrong.sum())
    is_wrong = dict(zip(rows.frame["id"].astype(str), wrong, strict=True))
    outside = [i for i in sheet.ids if i not in is_wrong]
    if outside:
        raise DataError(
            f"{sheet.source}: id(s) {', '.join(map(repr, outside[:10]))} are not {split} rows of "
            f"{preds.source}; summarise a worksheet sampled from the {split} split."
        )
    tag_lists = [t for i, t in zip(sheet.ids, sheet.tag_lists(), strict=True) if is_wrong[i]]
    n = len(tag_lists)
    if n == 0:
        raise DataError(
            f"{sheet.source}: no misclassified {split} examples in the worksheet; nothing to "
            "summarise."
        )
    counts: dict[str, int] = {}
    for tags in tag_lists:
        for t in tags:
            counts[t] = counts.get(t, 0) + 1
    summaries = []
    for tag, k in counts.items():
        c, lo, hi = ceiling(k, n, n_errors, n_examples, confidence=confidence)
        summaries.append(TagSummary(tag, k, k / n, c, lo, hi))
    summaries.sort(key=lambda t: (-t.count, t.tag))
    pairs: dict[tuple[str, str], int] = {}
    for tags in tag_lists:
        for a, b in itertools.combinations(sorted(set(tags)), 2):
            pairs[(a, b)] = pairs.get((a, b), 0) + 1
    overlaps = [
        {"tags": [a, b], "count": k, "share": k / n}
        for (a, b), k in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    untagged = sum(1 for t in tag_lists if not t)
    notes = []
    if untagged:
        notes.append(f"{untagged} of {n} sampled errors have no tag yet.")
    if overlaps:
        notes.append("tags overlap, so shares add up to more than 100%.")
    return ErrorSummary(
        tags=summaries,
        overlaps=overlaps,
        n_sampled_errors=n,
        n_errors=n_errors,
        n_examples=n_examples,
        n_untagged=untagged,
        confidence=confidence,
        split=split,
        notes=notes,
    )

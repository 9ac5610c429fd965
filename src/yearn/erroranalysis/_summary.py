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

import numpy as np
import pandas as pd

from yearn._validation import check_number
from yearn.erroranalysis._metric import metric_ceiling, why_not_measured
from yearn.erroranalysis._worksheet import Worksheet, load_worksheet
from yearn.errors import DataError
from yearn.metrics import Metric, Prepared, get_metric, predictions_arrays
from yearn.predictions import Predictions, load_predictions

__all__ = ["ErrorSummary", "TagSummary", "ceiling", "summarize"]


def _z(confidence: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + confidence / 2))


def share_interval(
    k: int, n: int, n_errors: int, *, confidence: float = 0.95
) -> tuple[float, float, float]:
    """``(share, low, high)``: the tag's share of errors, Wilson interval with the
    finite-population correction (exact when every error was sampled)."""
    p = k / n
    if n >= n_errors:
        return p, p, p
    n_eff = n * (n_errors - 1) / (n_errors - n)
    z = _z(confidence)
    denom = 1 + z * z / n_eff
    centre = (p + z * z / (2 * n_eff)) / denom
    half = z * math.sqrt(p * (1 - p) / n_eff + z * z / (4 * n_eff * n_eff)) / denom
    return p, max(0.0, centre - half), min(1.0, centre + half)


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
    p, lo, hi = share_interval(k, n, n_errors, confidence=confidence)
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
    metric: str = "error"
    metric_value: float | None = None

    @property
    def error(self) -> float:
        """Share of misclassified examples of the split."""
        return self.n_errors / self.n_examples

    @property
    def value(self) -> float:
        """The split's value of :attr:`metric` (error form) now, before any fix."""
        return self.error if self.metric_value is None else self.metric_value

    def format_value(self, x: float) -> str:
        """A value of :attr:`metric` as printed (percent for error)."""
        return f"{x:.1%}" if self.metric == "error" else f"{x:.4g}"

    @property
    def top(self) -> str | None:
        return self.tags[0].tag if self.tags else None

    def sentence(self, tag: TagSummary) -> str:
        f = self.format_value
        return (
            f"fixing every {tag.tag!r} error lowers {self.split} {self.metric} from "
            f"{f(self.value)} to at best {f(tag.ceiling_error)} "
            f"[{f(tag.ceiling_low)}, {f(tag.ceiling_high)}]"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "metric": self.metric,
            "value": self.value,
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

        f, name = self.format_value, escape(self.metric)
        # a plain <table> (tests/test_erroranalysis_summary.py looks for it), cells escaped
        rows = "".join(
            f"<tr><td>{escape(t.tag)}</td><td>{t.count}</td><td>{t.share:.0%}</td>"
            f"<td>{f(t.ceiling_error)} [{f(t.ceiling_low)}, {f(t.ceiling_high)}]</td></tr>"
            for t in self.tags[:15]
        )
        more = f"<p>… {len(self.tags) - 15} more tags</p>" if len(self.tags) > 15 else ""
        top = self.tags[:10]
        chart = bar_chart(
            [t.tag for t in top],
            [t.ceiling_error for t in top],
            title=f"{self.split} {self.metric} if every error of the tag were fixed (ceiling)",
            fmt=".1%" if self.metric == "error" else ".4g",
            reference=self.value,
            reference_label=f"now {f(self.value)}",
        )
        notes = "".join(f"<p>{escape(n)}</p>" for n in self.notes)
        return (
            f"<div><p><b>{escape(self.split)} {name} {f(self.value)}</b>: "
            f"{self.n_sampled_errors} of {self.n_errors} errors sampled</p>{chart}"
            f"<table><tr><th>tag</th><th>count</th><th>share</th><th>ceiling ({name})</th></tr>"
            f"{rows}"
            f"</table>{more}{notes}</div>"
        )


def summarize(
    worksheet: Worksheet | str | Path,
    predictions: Predictions | pd.DataFrame | str | Path,
    *,
    split: str = "dev",
    confidence: float = 0.95,
    metric: str | Metric = "error",
    pos_label: Any = None,
) -> ErrorSummary:
    """Summarise the tags of a worksheet's errors against the predictions it came from.

    Right/wrong is taken from the predictions table, not from the (editable) worksheet;
    correctly classified rows of the worksheet are not counted. With a ``metric`` other
    than error, ceilings are that metric's error form with the tag's errors corrected
    (see :mod:`yearn.erroranalysis._metric`).
    """
    chosen = get_metric(metric)
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
    wrong_ids = [i for i in sheet.ids if is_wrong[i]]
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
    notes: list[str] = []
    by_metric = _metric_data(chosen, rows, pos_label, n, n_errors, notes)
    summaries = []
    for tag, k in counts.items():
        if by_metric is None:
            c, lo, hi = ceiling(k, n, n_errors, n_examples, confidence=confidence)
        else:
            where = by_metric[1]
            tagged = np.asarray(
                [where[i] for i, t in zip(wrong_ids, tag_lists, strict=True) if tag in t]
            )
            shares = share_interval(k, n, n_errors, confidence=confidence)
            sampled = np.asarray([where[i] for i in wrong_ids])
            c, lo, hi = metric_ceiling(chosen, by_metric[0], tagged, sampled, shares)
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
        metric="error" if by_metric is None else chosen.error_name,
        metric_value=None if by_metric is None else by_metric[2],
    )


def _metric_data(
    metric: Metric, rows: Predictions, pos_label: Any, n: int, n_errors: int, notes: list[str]
) -> tuple[Prepared, dict[str, int], float] | None:
    """The split's metric inputs, id → row position and the metric now (None: error)."""
    if metric.name == "error":
        return None
    data = metric.prepare(**predictions_arrays(rows, metric, pos_label))
    why = why_not_measured(metric, data, n, n_errors)
    if why is not None:
        notes.append(f"ceilings in error (share of misclassified examples): {why}.")
        return None
    where = {i: r for r, i in enumerate(rows.frame["id"].astype(str))}
    return data, where, metric.to_error(metric.compute(data))

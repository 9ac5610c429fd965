"""Suggested tags that are findings: a metadata range enriched among errors.

A rule such as ``blur > 0.61 -> high blur`` cut at the top quarter of dev tags about a
quarter of the errors by construction, whatever blur does to the model. It is suggested only
when the range holds a larger share of the dev errors than of the correct dev examples,
by Fisher's exact test (one-sided), Bonferroni-corrected over every range tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import fisher_exact

from yearn._validation import check_fraction
from yearn.predictions import Predictions, load_predictions

__all__ = ["EnrichedRule", "enriched_rules"]


@dataclass(frozen=True)
class EnrichedRule:
    """One candidate range: its rule, the share of errors and of correct examples in it,
    the one-sided Fisher p-value, and whether it passed (Bonferroni over ``tried``)."""

    rule: str
    column: str
    share_of_errors: float
    share_of_correct: float
    errors: int
    p_value: float
    tried: int
    enriched: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "column": self.column,
            "share_of_errors": self.share_of_errors,
            "share_of_correct": self.share_of_correct,
            "errors": self.errors,
            "p_value": self.p_value,
            "tried": self.tried,
            "enriched": self.enriched,
        }

    def describe(self) -> str:
        return (
            f"{self.rule}: {self.share_of_errors:.0%} of dev errors vs "
            f"{self.share_of_correct:.0%} of correct dev examples (Fisher p = "
            f"{self.p_value:.2g}, {self.tried} ranges tried)"
        )


def enriched_rules(
    predictions: Predictions | Any,
    *,
    split: str = "dev",
    quantile: float = 0.25,
    alpha: float = 0.05,
) -> list[EnrichedRule]:
    """Every numeric metadata column's top and bottom ``quantile`` of ``split``, tested for
    enrichment among errors; returns all candidates (``enriched`` marks the suggestions)."""
    quantile = check_fraction("quantile", quantile)
    alpha = check_fraction("alpha", alpha)
    preds = predictions if isinstance(predictions, Predictions) else load_predictions(predictions)
    if split not in preds.splits or preds.task not in ("binary", "multiclass"):
        return []
    part = preds.split(split)
    wrong = ~part.correct()
    rows = part.frame
    candidates: list[tuple[str, str, np.ndarray]] = []
    for col in preds.metadata_columns:
        values = rows[col]
        if values.dtype.kind not in "if" or values.notna().sum() < 8 or values.nunique() <= 4:
            continue
        x = values.to_numpy(dtype=float)
        high = float(np.nanquantile(x, 1 - quantile))
        low = float(np.nanquantile(x, quantile))
        with np.errstate(invalid="ignore"):
            candidates.append((col, f"{col} > {high:.4g} -> high {col}", x > high))
            candidates.append((col, f"{col} < {low:.4g} -> low {col}", x < low))
    tried = len(candidates)
    out = []
    for col, rule, inside in candidates:
        a, b = int(np.sum(inside & wrong)), int(np.sum(inside & ~wrong))
        c, d = int(np.sum(~inside & wrong)), int(np.sum(~inside & ~wrong))
        p = float(fisher_exact([[a, b], [c, d]], alternative="greater")[1]) if a else 1.0
        share_err = a / max(a + c, 1)
        share_ok = b / max(b + d, 1)
        out.append(
            EnrichedRule(rule, col, share_err, share_ok, a, p, tried, bool(p < alpha / tried))
        )
    return out

"""Model outputs → a predictions table (the ``yearn.predictions`` contract), and the
metric of such a table with its 95% interval."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["decide", "metric_with_interval", "output_frame"]


def decide(
    proba: np.ndarray, task: str, classes: list[str], threshold: Any
) -> dict[str, np.ndarray]:
    """The ``pred`` / ``pred:<task>`` / ``proba:<class>`` columns of model outputs.

    binary: the second class when its probability ≥ ``threshold``; multiclass: the most
    probable class; multi-label: each task ≥ its threshold; regression: the value.
    """
    cols: dict[str, np.ndarray] = {}
    if task == "regression":
        cols["pred"] = np.asarray(proba, dtype=float).reshape(-1)
        return cols
    if task == "multilabel":
        thresholds = threshold if isinstance(threshold, Mapping) else {}
        for j, name in enumerate(classes):
            cols[f"pred:{name}"] = (proba[:, j] >= float(thresholds.get(name, 0.5))).astype(int)
            cols[f"proba:{name}"] = proba[:, j].astype(float)
        return cols
    names = np.asarray(classes, dtype=object)
    p = proba.astype(float)
    p = p / p.sum(axis=1, keepdims=True)  # the decision reads the probabilities it prints
    if task == "binary" and threshold is not None:
        cols["pred"] = names[(p[:, 1] >= float(threshold)).astype(int)]
    else:
        cols["pred"] = names[p.argmax(axis=1)]
    for j, name in enumerate(classes):
        cols[f"proba:{name}"] = p[:, j]
    return cols


def output_frame(
    proba: np.ndarray,
    *,
    task: str,
    classes: list[str],
    threshold: Any = None,
    ids: Any = None,
    split: str | None = None,
    labels: Any = None,
) -> pd.DataFrame:
    """A predictions table: id, split, label(s), pred(s), proba columns."""
    cols: dict[str, Any] = {}
    n = len(proba)
    cols["id"] = np.asarray(ids, dtype=object) if ids is not None else np.arange(n).astype(str)
    if split is not None:
        cols["split"] = np.full(n, split, dtype=object)
    if labels is not None:
        if task == "multilabel":
            for j, name in enumerate(classes):
                cols[f"label:{name}"] = np.asarray(labels, dtype=float)[:, j]
        else:
            cols["label"] = labels
    cols.update(decide(proba, task, classes, threshold))
    return pd.DataFrame(cols)


def metric_with_interval(
    table: pd.DataFrame,
    metric: str,
    *,
    groups: Any = None,
    n_resamples: int = 300,
    confidence: float = 0.95,
    random_state: int = 0,
) -> dict[str, Any]:
    """``{name, dev_value, interval, n}``: the metric on ``table`` and a percentile
    bootstrap interval (Wilson's for error / accuracy, which are proportions). With
    ``groups`` (a group id per row: renders of one original, visits of one patient) the
    bootstrap draws whole groups, for every metric, and ``groups`` counts them."""
    from yearn.diagnose import group_codes, group_sampler, wilson
    from yearn.metrics import score_predictions

    value = float(score_predictions(table, metric))
    n = len(table)
    codes = None if groups is None else group_codes(groups)
    grouped = codes is not None and int(codes.max(initial=-1)) + 1 < n
    if metric in ("error", "accuracy") and not grouped:
        low, high = wilson(value, n, confidence)
    else:
        rng = np.random.default_rng(random_state)
        draw = group_sampler(codes) if grouped else (lambda r: r.integers(0, n, size=n))
        reps = []
        for _ in range(n_resamples):
            sample = table.iloc[draw(rng)].copy()
            sample["id"] = np.arange(len(sample)).astype(str)
            try:
                reps.append(float(score_predictions(sample, metric)))
            except ValueError:  # undefined on this resample (one class only): left out
                continue
        if not reps:
            low = high = float("nan")
        else:
            alpha = (1 - confidence) / 2
            low, high = (float(v) for v in np.quantile(reps, [alpha, 1 - alpha]))
    out = {"name": metric, "dev_value": value, "interval": [low, high], "n": n}
    if grouped:
        out["groups"] = int(codes.max()) + 1
    return out

"""Trivial baselines from a predictions table alone (for models trained elsewhere).

The majority / stratified / mean baselines need only labels, so a predictions table is
enough: they are fitted on its ``train`` rows (or, when it has none, on the labels of the
split they are scored on, which flatters them a little) and scored on every split but test.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from yearn.baselines._core import BaselineReport, fit_baselines
from yearn.baselines._estimators import baseline_specs
from yearn.errors import PredictionsError
from yearn.metrics import get_metric

__all__ = ["trivial_baselines"]

_DEFAULT = {"regression": "rmse", "multilabel": "map"}


def _labels(preds: Any) -> np.ndarray:
    if preds.task == "multilabel":
        return preds.multilabel_labels()
    if preds.task == "regression":
        return preds.frame["label"].to_numpy(dtype=float)
    return preds.frame["label"].astype(str).to_numpy(dtype=object)


def trivial_baselines(
    predictions: Any,
    *,
    metric: str | None = None,
    task: str | None = None,
    model: str | None = None,
    random_state: int | None = 0,
) -> BaselineReport:
    """Majority / stratified (classification), prevalence (multi-label) or mean
    (regression) baselines built from the labels of a predictions table.

    ``predictions`` is a path, DataFrame or Predictions; ``model`` picks one model of a
    table with a ``model`` column. The result scores each baseline on the table's
    train / train_dev / dev rows, like :func:`fit_baselines`.
    """
    from yearn.metrics import guess_metric, load_for_metric

    if task is None:
        preds = load_for_metric(predictions, get_metric(metric or guess_metric(predictions)))
    else:
        preds = load_for_metric(predictions, get_metric(metric or "error"), task)
    if model is not None:
        preds = preds.for_model(model)
    elif len(preds.models) > 1:
        raise PredictionsError(
            f"{preds.source}: the table holds {len(preds.models)} models; pick one (model=...)."
        )
    splits_present = [s for s in preds.splits if s != "test"]
    if not splits_present:
        raise PredictionsError(
            f"{preds.source}: the table has test rows only; baselines are scored on train, "
            "train_dev or dev rows, never on test."
        )
    splits = {}
    for s in splits_present:
        part = preds.split(s)
        splits[s] = (np.zeros((len(part), 1)), _labels(part), part.ids)
    note = ""
    if "train" in splits:
        fit_on = splits["train"][:2]
    else:
        first = "dev" if "dev" in splits else splits_present[0]
        fit_on = splits[first][:2]
        note = (
            f"{preds.source} has no train rows: the trivial baselines were fitted on the "
            f"{first} labels themselves, which flatters them slightly."
        )
    trivial = [s.name for s in baseline_specs(preds.task, None) if s.kind == "trivial"]
    report = fit_baselines(
        splits,
        task=preds.task,
        metric=metric or _DEFAULT.get(preds.task, "error"),
        classes=preds.classes or None,
        tasks=preds.tasks or None,
        baselines=trivial,
        random_state=random_state,
        fit_on=fit_on,
    )
    return replace(report, note=note)

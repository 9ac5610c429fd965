"""Load a predictions table for a metric: label/pred tables of classes read as classification."""

from __future__ import annotations

from typing import Any

from yearn.errors import PredictionsError
from yearn.predictions import Predictions, load_predictions, peek_columns

__all__ = ["guess_metric", "load_for_metric"]


def load_for_metric(table: Any, metric: Any, task: str | None = None) -> Predictions:
    """Load a predictions table; a label/pred table takes the task of the metric.

    Without ``proba:`` or ``label:`` columns the task of a table is a guess (whole numbers
    read as classes); a classification metric (error, f1, ...) reads it as classification
    and a regression metric (rmse, mae) as regression.
    """
    if isinstance(table, Predictions):
        return table
    if task is None and metric.task_kinds == ("regression",):
        columns = peek_columns(table)
        if columns is not None and not any(c.startswith(("proba:", "label:")) for c in columns):
            return load_predictions(table, task="regression")  # whole-number targets too
    if task is None and "regression" not in metric.task_kinds:
        columns = peek_columns(table)
        if columns is not None and not any(c.startswith(("proba:", "label:")) for c in columns):
            preds = load_predictions(table, task="multiclass")
            if len(preds.classes) <= 2:
                preds = Predictions(preds.frame, "binary", preds.classes, (), preds.source)
            return preds
    return load_predictions(table, task=task)


def guess_metric(table: Any) -> str:
    """The default metric for a predictions table: ``rmse`` when the contract reads it as
    regression (numbers, not all whole), else ``error``."""
    if not isinstance(table, Predictions):
        try:
            table = load_predictions(table)
        except PredictionsError:  # reported when the table is loaded for the metric
            return "error"
    return "rmse" if table.task == "regression" else "error"
